using System.Diagnostics;
using CsCheck;
using DocQa.Core.Extraction;
using DocQa.Extraction.Isolation;

namespace DocQa.Extraction.Tests;

/// <summary>The real docqa-extract worker: same results as in-process, and a hang, an explosion or a crash fails only its document.</summary>
public sealed class IsolatedExtractionTests : IDisposable
{
    private static readonly ExtractionLimits Limits = new(TimeSpan.FromSeconds(30), 256);

    // One extractor for the well-behaved cases, so that its worker is reused from one document to the next.
    private readonly IsolatedDocumentExtractor _shared = Isolated();

    public void Dispose() => _shared.Dispose();

    private static IsolatedDocumentExtractor Isolated(ExtractionLimits? limits = null, string? fault = null) =>
        new(new DocumentExtractor(TestDocuments.Extractor.Ocr), limits ?? Limits)
        {
            Environment = fault is null ? new Dictionary<string, string>() : new() { [WorkerProtocol.FaultVariable] = fault },
        };

    [Fact]
    public void Extracts_what_the_in_process_reader_extracts()
    {
        foreach (var (kind, bytes) in HostileFiles.Originals)
        {
            ExtractedDocument expected = TestDocuments.Extractor.Extract(new MemoryStream(bytes), HostileFiles.TypeOf(kind));
            ExtractedDocument actual = _shared.Extract(new MemoryStream(bytes), HostileFiles.TypeOf(kind));
            Assert.Equal(expected.Pages, actual.Pages);
            Assert.Equal(expected.PagesWithoutText, actual.PagesWithoutText);
            Assert.Equal(expected.Blocks, actual.Blocks);
        }
    }

    [Fact]
    public void Reads_a_stored_file_in_place()
    {
        string path = Path.Combine(Path.GetTempPath(), "docqa-isolated-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(path, HostileFiles.Pdf);
        try
        {
            using var stored = File.OpenRead(path);
            Assert.Equal(2, _shared.Extract(stored, HostileFiles.TypeOf(DocumentKind.Pdf)).Pages);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Mutated_files_fail_with_the_same_reason_as_in_process()
    {
        HostileFiles.MutatedDocuments.Sample(input =>
        {
            string expected = Outcome(TestDocuments.Extractor, input);
            Assert.Equal(expected, Outcome(_shared, input));
        }, iter: 20, threads: 1);
    }

    [Fact]
    public void A_worker_that_hangs_is_stopped_at_the_time_limit()
    {
        using var hanging = Isolated(new ExtractionLimits(TimeSpan.FromSeconds(2), 256), fault: "hang");
        for (int attempt = 0; attempt < 2; attempt++) // the second gets a fresh worker, which hangs as well
        {
            var clock = Stopwatch.StartNew();
            var failure = Assert.Throws<ExtractionException>(() => hanging.Extract(new MemoryStream(HostileFiles.Text), HostileFiles.TypeOf(DocumentKind.Text)));
            Assert.Equal("extraction timed out after 2 s", failure.Message);
            Assert.InRange(clock.Elapsed.TotalSeconds, 2, 15);
        }
    }

    [Fact]
    public void A_worker_that_allocates_without_end_runs_out_of_its_own_memory()
    {
        using var hoarding = Isolated(new ExtractionLimits(TimeSpan.FromSeconds(60), 128), fault: "allocate");
        var failure = Assert.Throws<ExtractionException>(() =>
            hoarding.Extract(new MemoryStream(HostileFiles.Text), HostileFiles.TypeOf(DocumentKind.Text)));
        Assert.Equal("extraction ran out of memory (limit 128 MB)", failure.Message);
    }

    [Fact]
    public void A_worker_that_crashes_fails_the_document_with_its_error()
    {
        using var crashing = Isolated(fault: "crash");
        var failure = Assert.Throws<ExtractionException>(() =>
            crashing.Extract(new MemoryStream(HostileFiles.Text), HostileFiles.TypeOf(DocumentKind.Text)));
        Assert.StartsWith("extraction crashed (exit code ", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Stack overflow", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cancellation_stops_the_worker()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        using var hanging = Isolated(fault: "hang");
        Assert.ThrowsAny<OperationCanceledException>(() =>
            hanging.Extract(new MemoryStream(HostileFiles.Text), HostileFiles.TypeOf(DocumentKind.Text), cancel.Token));
    }

    /// <summary>
    /// What the extractor makes of the input, read from a file as the server reads stored originals: the worker always
    /// reads a file, and some readers word a failure differently for a file than for memory (the stream's own errors).
    /// </summary>
    private static string Outcome(IDocumentExtractor extractor, HostileInput input)
    {
        string path = Path.Combine(Path.GetTempPath(), "docqa-outcome-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(path, input.Bytes);
        try
        {
            using var stored = File.OpenRead(path);
            ExtractedDocument document = extractor.Extract(stored, HostileFiles.TypeOf(input.Kind));
            return $"{document.Pages} pages: {document.AllText()}";
        }
        catch (ExtractionException e)
        {
            return e.Message;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
