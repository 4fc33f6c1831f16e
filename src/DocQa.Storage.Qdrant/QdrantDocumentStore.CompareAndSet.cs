using Qdrant.Client.Grpc;
using static Qdrant.Client.Grpc.Conditions;

namespace DocQa.Storage.Qdrant;

// Record points read, and written only when no other writer came in between (compare-and-set on a revision).
public sealed partial class QdrantDocumentStore
{
    /// <summary>A record point as stored: the live record (null when there is none, or a tombstone), its revision (null when there is no point) and when it was deleted (0 if not).</summary>
    private sealed record RecordPoint(StoredRecord? Live, string? Revision, long DeletedAt);

    private async Task<StoredRecord?> ReadRecordAsync(string index, string id, CancellationToken cancellationToken) =>
        (await ReadPointAsync(index, id, cancellationToken)).Live;

    private async Task<RecordPoint> ReadPointAsync(string index, string id, CancellationToken cancellationToken) =>
        (await ReadPointsAsync(index, [id], cancellationToken)).GetValueOrDefault(id) ?? new RecordPoint(null, null, 0);

    /// <summary>The live records among these documents (deleted ones left out).</summary>
    private async Task<Dictionary<string, StoredRecord>> ReadRecordsAsync(string index, IReadOnlyList<string> ids, CancellationToken cancellationToken) =>
        (await ReadPointsAsync(index, ids, cancellationToken))
            .Where(entry => entry.Value.Live is not null)
            .ToDictionary(entry => entry.Key, entry => entry.Value.Live!, StringComparer.Ordinal);

    private async Task<Dictionary<string, RecordPoint>> ReadPointsAsync(string index, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        await EnsureCollectionsAsync(cancellationToken);
        var result = new Dictionary<string, RecordPoint>(StringComparer.Ordinal);
        if (ids.Count == 0) return result;
        var points = await _client.RetrieveAsync(DocumentsCollection, ids.Select(id => (PointId)PointIds.Document(index, id)).ToList(),
            withPayload: true, withVectors: false, cancellationToken: cancellationToken);
        foreach (var point in points)
        {
            var payload = point.Payload;
            if (Payloads.String(payload, RecordFields.Index) != index || Payloads.String(payload, RecordFields.Id) is not { } id) continue;
            result[id] = Payloads.IsTombstone(payload)
                ? new RecordPoint(null, Payloads.String(payload, RecordFields.Revision), Payloads.Integer(payload, RecordFields.DeletedAt))
                : new RecordPoint(Payloads.ToRecord(payload), Payloads.String(payload, RecordFields.Revision), 0);
        }
        return result;
    }

    private async IAsyncEnumerable<StoredRecord> ScrollRecordsAsync(Filter? filter,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        PointId? offset = null;
        do
        {
            var page = await _client.ScrollAsync(DocumentsCollection, filter, limit: 256, offset: offset, payloadSelector: true, cancellationToken: cancellationToken);
            foreach (var point in page.Result.Where(point => !Payloads.IsTombstone(point.Payload))) yield return Payloads.ToRecord(point.Payload);
            offset = page.NextPageOffset;
        } while (offset is not null);
    }

    /// <summary>
    /// Read, change, write with compare-and-set, again until no other writer came in between. <paramref name="change"/>
    /// gets the current record (null when there is none) and returns the new one, or null to leave it; the result is
    /// what was written, or null.
    /// </summary>
    private Task<StoredRecord?> UpdateRecordAsync(string index, string id, Func<StoredRecord?, StoredRecord?> change, CancellationToken cancellationToken) =>
        UpdateRecordAsync(index, id, (current, _) => change(current), cancellationToken);

    /// <summary>As above; <paramref name="change"/> also gets when the document was deleted (0 if it was not).</summary>
    private async Task<StoredRecord?> UpdateRecordAsync(string index, string id, Func<StoredRecord?, long, StoredRecord?> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxCompareAndSetTries; attempt++)
        {
            var current = await ReadPointAsync(index, id, cancellationToken);
            var next = change(current.Live, current.DeletedAt);
            if (next is null) return null;
            if (await TryWritePointAsync(index, id, current.Revision, Payloads.FromRecord(next), next.Revision, cancellationToken)) return next;
            await Task.Delay(Random.Shared.Next(1, 5 + attempt), cancellationToken);
        }
        throw ContendedRecord(index, id);
    }

    private static InvalidOperationException ContendedRecord(string index, string id) =>
        new($"The record of {index}/{id} kept changing under this write; gave up after {MaxCompareAndSetTries} tries.");

    private Task<bool> TryReplaceRecordAsync(StoredRecord expected, StoredRecord replacement, CancellationToken cancellationToken) =>
        TryWritePointAsync(replacement.Record.Index, replacement.Record.Id, expected.Revision, Payloads.FromRecord(replacement), replacement.Revision, cancellationToken);

    /// <summary>
    /// Writes a record point only if the stored one still has <paramref name="expectedRevision"/> (or, when null,
    /// there is none), then reads it back: true when this write, of <paramref name="revision"/>, is the one stored.
    /// </summary>
    private async Task<bool> TryWritePointAsync(string index, string id, string? expectedRevision, Dictionary<string, Value> payload,
        string revision, CancellationToken cancellationToken)
    {
        var point = new PointStruct { Id = PointIds.Document(index, id), Vectors = new[] { 1f } };
        point.Payload.Add(payload);
        var request = new UpsertPoints
        {
            CollectionName = DocumentsCollection,
            Wait = true,
            Ordering = new WriteOrdering { Type = Strong },
            Points = { point },
            UpdateMode = expectedRevision is null ? UpdateMode.InsertOnly : UpdateMode.UpdateOnly,
        };
        if (expectedRevision is not null) request.UpdateFilter = MatchKeyword(RecordFields.Revision, expectedRevision);
        await _client.UpsertAsync(request, cancellationToken);

        return (await ReadPointAsync(index, id, cancellationToken)).Revision == revision;
    }

    private static string NewRevision() => Guid.NewGuid().ToString("N");
}
