using DocQa.Core.Documents;
using DocQa.Core.Ingestion;
using DocQa.Core.Storage;
using DocQa.Core.Sync;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace DocQa.Hosting.Tests;

/// <summary>
/// A folder changed between syncs — files added, modified, deleted, moved — ends as a fresh ingestion of it would be,
/// with only the changed files embedded again. Real files, the real store and the real embedding model.
/// </summary>
public sealed class FolderSyncTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("docqa-sync-").FullName;
    private readonly CountingEmbedder _embedder;
    private readonly ServiceProvider _services;

    public FolderSyncTests()
    {
        CountingEmbedder? embedder = null;
        _services = LocalServices.Build(Path.Combine(_work, "store"), services =>
        {
            services.PostConfigure<IngestionOptions>(o => o.IsolateExtraction = false); // quicker, and extraction is not what is tested
            var model = services.Last(d => d.ServiceType == typeof(IEmbeddingGenerator<string, Embedding<float>>));
            services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp =>
                embedder = new CountingEmbedder((IEmbeddingGenerator<string, Embedding<float>>)model.ImplementationFactory!(sp)));
        });
        _services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        _embedder = embedder!;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }

    private string Folder => Path.Combine(_work, "shared");

    private DocumentLibrary Library => _services.GetRequiredService<DocumentLibrary>();

    private IDocumentRecords Store => _services.GetRequiredService<IDocumentRecords>();

    private void Write(string relativePath, string text)
    {
        var path = Path.Combine(Folder, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static string Note(int n) =>
        $"# Harbor note {n}\n\nKeeper log entry {n}: the tide at pier {n} rose {n * 7 % 13 + 1} feet and the lamp burned {n * 3} hours.\n";

    /// <summary>Syncs the folder into the index and processes what the sync queued, as docqa sync does.</summary>
    private async Task<SyncReport> SyncAsync(string index, ISyncTarget? target = null)
    {
        var report = await new FolderSync(new SyncFolder(index, Folder), target ?? new LibrarySyncTarget(Library)).RunAsync();
        await _services.GetRequiredService<IngestionRunner>().DrainAsync(_ => { });
        return report;
    }

    [Fact]
    public async Task After_5_changes_3_deletions_and_2_moves_the_index_equals_a_fresh_ingestion_and_only_the_changed_files_are_embedded()
    {
        for (var n = 0; n < 20; n++) Write($"{(n % 3 == 0 ? "" : n % 3 == 1 ? "log/" : "log/old/")}note-{n:00}.md", Note(n));
        var first = await SyncAsync("docs");
        Assert.Equal(20, first.Added.Count);
        Assert.All(await Store.ListDocumentsAsync("docs"), d => Assert.Equal(DocumentStatus.Ready, d.Status));

        // 5 changed, 3 deleted, 2 moved to another folder under the same name.
        foreach (var n in new[] { 1, 4, 8, 12, 17 }) Write(RelativePathOf(n), Note(n) + $"\nAmended: the lamp at pier {n} was replaced.\n");
        foreach (var n in new[] { 2, 9, 15 }) File.Delete(Path.Combine(Folder, RelativePathOf(n)));
        Directory.CreateDirectory(Path.Combine(Folder, "archive"));
        foreach (var n in new[] { 3, 10 }) File.Move(Path.Combine(Folder, RelativePathOf(n)), Path.Combine(Folder, "archive", $"note-{n:00}.md"));
        _embedder.Reset();

        var second = await SyncAsync("docs");

        Assert.Equal(["log-note-01-md", "log-note-04-md", "log-old-note-08-md", "log-old-note-17-md", "note-12-md"], second.Updated);
        Assert.Equal(["archive-note-03-md", "archive-note-10-md"], second.Copied);
        Assert.Equal(["log-note-10-md", "log-old-note-02-md", "note-03-md", "note-09-md", "note-15-md"], second.Removed.Order(StringComparer.Ordinal));
        Assert.Empty(second.Added);
        Assert.Equal(10, second.Unchanged);
        // Measured at the model: every text embedded is a chunk of one of the 5 changed files, and each of theirs was.
        var changedChunks = 0;
        foreach (var id in second.Updated) changedChunks += (await Store.GetDocumentAsync("docs", id))!.Chunks;
        Assert.Equal(changedChunks, _embedder.Texts);
        var movedChunks = 0;
        foreach (var id in second.Copied) movedChunks += (await Store.GetDocumentAsync("docs", id))!.Chunks;
        Assert.Equal(movedChunks, second.ChunksReused);
        Assert.True(movedChunks > 0 && changedChunks > 0);

        await SyncAsync("fresh");
        await AssertSameAsync("fresh", "docs");
        var moved = (await Store.GetDocumentAsync("docs", "archive-note-10-md"))!;
        Assert.Equal(Path.Combine(Folder, "archive", "note-10.md"), moved.SourcePath);
    }

    [Fact]
    public async Task A_sync_stopped_halfway_finishes_when_run_again_without_duplicates()
    {
        for (var n = 0; n < 6; n++) Write($"note-{n:00}.md", Note(n));
        await SyncAsync("docs");
        Write("note-06.md", Note(6));
        Write("more/note-07.md", Note(7));
        Write("more/note-08.md", Note(8));
        Write("note-01.md", Note(1) + "\nAmended.\n");
        File.Delete(Path.Combine(Folder, "note-04.md"));

        // Killed after two uploads: nothing processed, nothing deleted.
        var stopping = new StoppingTarget(new LibrarySyncTarget(Library), submissions: 2);
        await Assert.ThrowsAsync<OperationCanceledException>(() => new FolderSync(new SyncFolder("docs", Folder), stopping).RunAsync());
        Assert.Equal(8, (await Store.ListDocumentsAsync("docs")).Count);
        Assert.NotNull(await Store.GetDocumentAsync("docs", "note-04-md"));

        var resumed = await SyncAsync("docs");

        Assert.Equal(["more-note-07-md", "more-note-08-md"], resumed.Pending);
        Assert.Equal(["note-06-md"], resumed.Added);
        Assert.Equal(["note-01-md"], resumed.Updated);
        Assert.Equal(["note-04-md"], resumed.Removed);
        Assert.Equal(8, (await Store.ListDocumentsAsync("docs")).Count);
        Assert.All(await Store.ListDocumentsAsync("docs"), d => Assert.Equal(DocumentStatus.Ready, d.Status));
        await SyncAsync("fresh");
        await AssertSameAsync("fresh", "docs");

        // Once converged, another sync changes nothing.
        var again = await SyncAsync("docs");
        Assert.False(again.ChangedAnything);
        Assert.Equal(8, again.Unchanged);
    }

    [Fact]
    public async Task Documents_that_did_not_come_from_the_folder_are_left_alone_and_globs_choose_the_files()
    {
        Write("keep.md", Note(1));
        Write("drafts/skip.md", Note(2));
        Write("notes.txt", "A plain note on the fog bell.");
        Write(".hidden/secret.md", Note(3));
        await using (var upload = new MemoryStream("An uploaded note on the harbor crane."u8.ToArray()))
            await Library.SubmitAsync(new Upload("docs", "crane.txt", upload));

        var report = await SyncAsync("docs");
        var globbed = await new FolderSync(new SyncFolder("globbed", Folder, ["**/*.md"], ["drafts/**"]), new LibrarySyncTarget(Library)).RunAsync();

        Assert.Equal(["drafts-skip-md", "keep-md", "notes-txt"], report.Added);
        Assert.Equal(["keep-md"], globbed.Added);
        Assert.NotNull(await Store.GetDocumentAsync("docs", "crane-txt"));

        // Another folder's keep.md has the same id: it is skipped, not swapped back and forth with this folder's.
        var other = Path.Combine(_work, "other");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "keep.md"), Note(9));
        var elsewhere = await new FolderSync(new SyncFolder("docs", other), new LibrarySyncTarget(Library)).RunAsync();
        Assert.Equal("keep.md", Assert.Single(elsewhere.Skipped).Path);
        Assert.Empty(elsewhere.Removed);
        Assert.Equal(Path.Combine(Folder, "keep.md"), (await Store.GetDocumentAsync("docs", "keep-md"))!.SourcePath);
    }

    private string RelativePathOf(int n) => Path.GetRelativePath(Folder,
        Directory.EnumerateFiles(Folder, $"note-{n:00}.md", SearchOption.AllDirectories).Single());

    /// <summary>Two indexes hold the same documents: records, chunk text and places, and vectors (to float rounding).</summary>
    private async Task AssertSameAsync(string expectedIndex, string actualIndex)
    {
        var expected = (await Store.ListDocumentsAsync(expectedIndex)).OrderBy(d => d.Id, StringComparer.Ordinal).ToList();
        var actual = (await Store.ListDocumentsAsync(actualIndex)).OrderBy(d => d.Id, StringComparer.Ordinal).ToList();
        Assert.Equal(expected.Select(Describe), actual.Select(Describe));
        foreach (var document in expected)
        {
            var want = await Store.ChunksWithVectorsAsync(expectedIndex, document.Id);
            var got = await Store.ChunksWithVectorsAsync(actualIndex, document.Id);
            Assert.Equal(document.Chunks, want.Count);
            Assert.Equal(want.Select(c => (c.ChunkId[(expectedIndex.Length + 1)..], c.Ordinal, c.Text, c.Heading, c.Page, c.PageEnd, c.LeadLength)),
                got.Select(c => (c.ChunkId[(actualIndex.Length + 1)..], c.Ordinal, c.Text, c.Heading, c.Page, c.PageEnd, c.LeadLength)));
            for (var i = 0; i < want.Count; i++)
                Assert.True(Distance(want[i].Vector.Span, got[i].Vector.Span) < 1e-4, $"{document.Id} chunk {i}: the vectors differ");
        }
    }

    private static string Describe(DocumentRecord d) =>
        $"{d.Id} {d.FileName} {d.ContentType} {d.SizeBytes} {d.Sha256} {d.SourcePath} {d.Status} {d.Pages} {d.PagesWithoutText} {d.Chunks} {d.EmbeddingModel} " +
        string.Join(",", d.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key}={m.Value}")) + " " +
        string.Join(",", d.Tags.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key}={m.Value}"));

    private static float Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        var largest = 0f;
        for (var i = 0; i < a.Length; i++) largest = Math.Max(largest, Math.Abs(a[i] - b[i]));
        return largest;
    }

    /// <summary>Counts the texts handed to the embedding model.</summary>
    private sealed class CountingEmbedder(IEmbeddingGenerator<string, Embedding<float>> inner)
        : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
    {
        private int _texts;

        public int Texts => Volatile.Read(ref _texts);

        public void Reset() => Volatile.Write(ref _texts, 0);

        public override Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values,
            EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var texts = values.ToList();
            Interlocked.Add(ref _texts, texts.Count);
            return base.GenerateAsync(texts, options, cancellationToken);
        }
    }

    /// <summary>A sync target whose process dies after a number of uploads.</summary>
    private sealed class StoppingTarget(ISyncTarget inner, int submissions) : ISyncTarget
    {
        private int _left = submissions;

        public Task<IReadOnlyList<DocumentRecord>> ListAsync(string index, CancellationToken cancellationToken) => inner.ListAsync(index, cancellationToken);

        public Task<UploadResult> SubmitAsync(string index, string id, FolderFile file, CancellationToken cancellationToken) =>
            _left-- > 0 ? inner.SubmitAsync(index, id, file, cancellationToken) : throw new OperationCanceledException("killed");

        public Task DeleteAsync(string index, string id, CancellationToken cancellationToken) => inner.DeleteAsync(index, id, cancellationToken);
    }
}
