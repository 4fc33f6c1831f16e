using System.Diagnostics;
using CsCheck;
using DocQa.Core.Extraction;
using Xunit.Abstractions;

namespace DocQa.Extraction.Tests;

/// <summary>
/// Random and mutated bytes of real PDF, DOCX, HTML, Markdown and text files fed to every reader: each call
/// returns text or fails with an <see cref="ExtractionException"/> and a short reason, within its time limit —
/// never another exception, a crash or a hang.
/// </summary>
public class HostileFileTests(ITestOutputHelper output)
{
    // Generous for inputs of a few kilobytes on a busy machine; real hangs never finish at all.
    private static readonly TimeSpan CallLimit = TimeSpan.FromSeconds(10);

    private static readonly Gen<HostileInput> Inputs = Gen.Frequency(
        (1, HostileFiles.RandomBytes), (3, HostileFiles.MutatedDocuments), (1, HostileFiles.MutatedDocxXml));

    [Fact]
    public void Every_reader_returns_text_or_a_clear_failure_within_its_limit()
    {
        Inputs.Sample(ExtractsOrFailsClearly, output.WriteLine, iter: 100_000, time: 8, threads: 2);
    }

    [Fact]
    public void The_originals_are_readable()
    {
        // Otherwise the mutations would only ever test the failure path.
        foreach (var (kind, bytes) in HostileFiles.Originals)
            Assert.Contains("north of the pier", Extract(new HostileInput(kind, "original", bytes)).AllText()
                .Replace("\n", " ", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private static void ExtractsOrFailsClearly(HostileInput input)
    {
        try
        {
            Extract(input);
        }
        catch (ExtractionException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message), $"{input}: empty reason");
            Assert.True(e.Message.Length <= 400 && !e.Message.Contains('\n'), $"{input}: reason is not one short line: {e.Message}");
        }
    }

    /// <summary>Runs the extraction on its own thread, so that a hang fails the test instead of stalling it.</summary>
    private static ExtractedDocument Extract(HostileInput input)
    {
        var clock = Stopwatch.StartNew();
        var call = Task.Factory.StartNew(
            () => TestDocuments.Extractor.Extract(new MemoryStream(input.Bytes), HostileFiles.TypeOf(input.Kind)),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (Task.WaitAny([call], CallLimit) < 0)
            Assert.Fail($"{input}: still running after {clock.Elapsed.TotalSeconds:0.#} s");
        return call.GetAwaiter().GetResult();
    }
}
