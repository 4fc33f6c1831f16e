using DocQa.Contracts;

namespace DocQa.Cli.Backends;

/// <summary>What the CLI does with DocQa, either in this process on the local data directory or through a server's REST API.</summary>
public interface IDocQaBackend : IAsyncDisposable
{
    /// <summary>"local data directory ..." or "server ...", for messages.</summary>
    string Description { get; }

    /// <param name="sourcePath">Where the file lives, kept on the document (null: not kept).</param>
    Task<(DocumentDto Document, bool Unchanged)> UploadAsync(string index, string path, string? id, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken, string? sourcePath = null);

    /// <summary>Returns once every given document is ready or failed, reporting each as it finishes.</summary>
    Task<IReadOnlyList<DocumentDto>> WaitUntilProcessedAsync(string index, IReadOnlyList<string> ids, Action<DocumentDto> processed, CancellationToken cancellationToken);

    Task<IndexListDto> ListIndexesAsync(CancellationToken cancellationToken);

    Task<DocumentListDto> ListDocumentsAsync(string index, CancellationToken cancellationToken);

    Task<DocumentDto> GetDocumentAsync(string index, string id, CancellationToken cancellationToken);

    Task DeleteDocumentAsync(string index, string id, CancellationToken cancellationToken);

    Task<SearchResponseDto> SearchAsync(string index, SearchRequestDto request, CancellationToken cancellationToken);

    Task<AskResponseDto> AskAsync(string index, AskRequestDto request, CancellationToken cancellationToken);

    /// <summary>Writes a backup of the store (a .tar.gz: manifest.json, docqa.db, the original files) to <paramref name="output"/>.</summary>
    Task BackupAsync(Stream output, CancellationToken cancellationToken);

    /// <summary>Asks with the answer streamed: <paramref name="onText"/> gets each piece as it comes; returns the finished answer.</summary>
    Task<AskResponseDto> AskStreamingAsync(string index, AskRequestDto request, Action<string> onText, CancellationToken cancellationToken);
}

/// <summary>A failure to show the user as one line, with a non-zero exit.</summary>
public class CliException(string message) : Exception(message);

/// <summary>The server refused a file for what it is (400, 413, 415): the file's fault, not the command's.</summary>
public sealed class FileRejectedException(string message) : CliException(message);

/// <summary>The server refused the key (401) or its rights (403): no later request of the command would fare better.</summary>
public sealed class AccessDeniedException(string message) : CliException(message);
