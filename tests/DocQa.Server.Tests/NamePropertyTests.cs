using System.Net;
using System.Net.Http.Json;
using CsCheck;
using DocQa.Contracts;

namespace DocQa.Server.Tests;

/// <summary>
/// Index names and document ids drawn from letters, digits, separators, control characters and Unicode: each upload
/// is either stored under exactly the name the client gets back, or refused with 400 and nothing stored.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class NamePropertyTests(DocQaServerFactory factory)
{
    private static readonly Gen<string> Valid = Gen.OneOf('a', 'b', 'z', '0', '9', '-', '_', '.').Array[1, 8].Select(chars => new string(chars));

    private static readonly Gen<char> Odd = Gen.Frequency(
        (3, Gen.OneOf('\n', '\r')), // what a regex's '$' lets through at the end
        (7, Gen.OneOf(
            'A', ' ', '\t', '\0', '\u007F', '\u0085', '/', '\\', '%', ':', '\'', '"', '<', '+', '*', '$', '^',
            'é', 'İ', 'ß', '\u212A', '\u0660', '\uFF10', '\u00A0', '\u2028', '\u202E', '\u200B', '\uFEFF', '\uD83D')));

    // Mostly valid names with one odd character at the start, in the middle or at the end, and some valid ones.
    private static readonly Gen<string> Ids = Gen.Frequency(
        (1, Valid),
        (4, Gen.Select(Valid, Odd, Gen.Int[0, 2], (name, odd, at) => name.Insert(at * name.Length / 2, odd.ToString()))));

    // In a path, all-dot names are segments a client's URL handling rewrites, and NUL is refused before it is sent.
    private static readonly Gen<string> IndexNames = Ids.Where(name => name.Trim('.').Length > 0 && !name.Contains('\0'));

    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task An_index_name_is_stored_exactly_as_returned_or_refused_with_nothing_stored()
    {
        await IndexNames.SampleAsync(async name =>
        {
            var response = await _client.UploadAsync(Uri.EscapeDataString(name), "note.txt", "A short note on harbour tides."u8.ToArray(), id: "note");
            var indexes = (await _client.GetFromJsonAsync<IndexListDto>("/v1/indexes", JsonDefaults.Options))!.Indexes.Select(i => i.Name).ToList();
            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                Assert.DoesNotContain(name, indexes);
                Assert.All(indexes, stored => Assert.Matches(@"^[a-z0-9][a-z0-9_-]*\z", stored));
                return;
            }
            Assert.True(response.IsSuccessStatusCode, $"{Escaped(name)}: {(int)response.StatusCode}");
            var document = await response.ReadAsync<DocumentDto>();
            Assert.Equal(name, document.Index);
            Assert.Matches(@"^[a-z0-9][a-z0-9_-]{0,63}\z", document.Index);
            Assert.Contains(name, indexes);
            Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"/v1/indexes/{Uri.EscapeDataString(name)}/documents/note")).StatusCode);
        }, iter: 200, threads: 1, print: Escaped);
    }

    [Fact]
    public async Task A_document_id_is_stored_exactly_as_returned_or_refused_with_nothing_stored()
    {
        const string index = "prop-ids";
        await Ids.SampleAsync(async id =>
        {
            var before = await DocumentIdsAsync(index);
            var response = await _client.UploadAsync(index, "note.txt", "A short note on harbour tides."u8.ToArray(), id: id);
            var after = await DocumentIdsAsync(index);
            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                Assert.Equal(before, after);
                return;
            }
            Assert.True(response.IsSuccessStatusCode, $"{Escaped(id)}: {(int)response.StatusCode}");
            var document = await response.ReadAsync<DocumentDto>();
            // A valid id is kept as given. The form reader drops a leading byte-order mark, so the server gets the rest;
            // one that arrives blank is derived from the file name, as for no id at all.
            var received = id.StartsWith('\uFEFF') ? id[1..] : id;
            Assert.Equal(received.Length == 0 ? "note-txt" : received, document.Id);
            Assert.Matches(@"^[a-z0-9][a-z0-9._-]{0,127}\z", document.Id);
            Assert.Contains(document.Id, after);
            Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"/v1/indexes/{index}/documents/{Uri.EscapeDataString(document.Id)}")).StatusCode);
        }, iter: 200, threads: 1, print: Escaped);
    }

    private async Task<List<string>> DocumentIdsAsync(string index)
    {
        var response = await _client.GetAsync($"/v1/indexes/{index}/documents");
        return (await response.ReadAsync<DocumentListDto>()).Documents.Select(d => d.Id).Order(StringComparer.Ordinal).ToList();
    }

    private static string Escaped(string text) =>
        string.Concat(text.Select(c => c is >= ' ' and < '\u007F' ? c.ToString() : $"\\u{(int)c:X4}"));
}
