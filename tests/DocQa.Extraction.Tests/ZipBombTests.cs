using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using DocQa.Core.Extraction;

namespace DocQa.Extraction.Tests;

/// <summary>DOCX archives that would unpack to far more than they weigh are refused before anything is unpacked.</summary>
public class ZipBombTests
{
    [Fact]
    public void An_archive_with_too_many_entries_is_refused()
    {
        byte[] docx = AddEntries(HostileFiles.Docx, 10_000, _ => []);

        var failure = TestDocuments.ExtractFails(docx, DocumentKind.Docx);
        Assert.Equal($"the DOCX is refused: it holds {10_000 + HostileFiles.DocxEntries:N0} files (limit 10,000); it may be a zip bomb", failure.Message);
    }

    [Fact]
    public void An_entry_compressed_beyond_any_real_document_is_refused()
    {
        // 20 MB of zeros packs into about 20 KB.
        byte[] docx = AddEntries(HostileFiles.Docx, 1, _ => new byte[20 * 1024 * 1024]);

        var failure = TestDocuments.ExtractFails(docx, DocumentKind.Docx);
        Assert.Equal("the DOCX is refused: a part is compressed more than 200:1; it may be a zip bomb", failure.Message);
    }

    [Fact]
    public void An_archive_that_unpacks_to_too_much_is_refused_by_its_directory_alone()
    {
        // The directory claims 600 MB for a small entry: the check trusts no more than it reads, and unpacks nothing.
        byte[] docx = AddEntries(HostileFiles.Docx, 1, _ => Encoding.ASCII.GetBytes("small"));
        SetDeclaredSize(docx, "extra/0.bin", 600u * 1024 * 1024);

        var failure = TestDocuments.ExtractFails(docx, DocumentKind.Docx);
        Assert.Equal("the DOCX is refused: it unpacks to more than 512 MB; it may be a zip bomb", failure.Message);
    }

    [Fact]
    public void An_entry_that_hides_its_size_unpacks_no_more_than_it_declares()
    {
        // 20 MB of zeros whose directory entry claims one kilobyte: every check of the directory passes, so the
        // directory check is only safe because the reader stops the part at the size it declares.
        byte[] docx = AddEntries(HostileFiles.Docx, 1, _ => new byte[20 * 1024 * 1024]);
        SetDeclaredSize(docx, "extra/0.bin", 1024);

        using (var archive = new ZipArchive(new MemoryStream(docx), ZipArchiveMode.Read))
        using (var part = archive.GetEntry("extra/0.bin")!.Open())
        {
            var unpacked = 0L;
            var buffer = new byte[81_920];
            int read;
            while ((read = part.Read(buffer)) > 0) unpacked += read;
            Assert.Equal(1024, unpacked);
        }
        Assert.NotEmpty(TestDocuments.Extract(docx, "hidden-size.docx").AllText());
    }

    [Fact]
    public void Entity_expansion_in_the_document_xml_fails_quickly()
    {
        // "Billion laughs": ten levels of ten references each would expand to 10^10 copies.
        var dtd = new StringBuilder("<!DOCTYPE w:document [<!ENTITY l0 \"ha\">");
        for (int level = 1; level <= 10; level++)
            dtd.Append($"<!ENTITY l{level} \"{string.Concat(Enumerable.Repeat($"&l{level - 1};", 10))}\">");
        dtd.Append("]>");
        byte[] docx = HostileFiles.RepackMainPart(HostileFiles.Docx, xml =>
        {
            string text = Encoding.UTF8.GetString(xml);
            int afterDeclaration = text.StartsWith("<?xml", StringComparison.Ordinal) ? text.IndexOf("?>", StringComparison.Ordinal) + 2 : 0;
            return Encoding.UTF8.GetBytes(text[..afterDeclaration] + dtd + text[afterDeclaration..].Replace("Moorings", "&l10;", StringComparison.Ordinal));
        });

        var clock = Stopwatch.StartNew();
        var failure = TestDocuments.ExtractFails(docx, DocumentKind.Docx);
        Assert.StartsWith("the file is not a readable DOCX", failure.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    private static byte[] AddEntries(byte[] docx, int count, Func<int, byte[]> content)
    {
        using var output = new MemoryStream();
        output.Write(docx);
        using (var archive = new ZipArchive(output, ZipArchiveMode.Update, leaveOpen: true))
        {
            for (int i = 0; i < count; i++)
            {
                using var entry = archive.CreateEntry($"extra/{i}.bin", CompressionLevel.SmallestSize).Open();
                entry.Write(content(i));
            }
        }
        return output.ToArray();
    }

    /// <summary>Rewrites the uncompressed size that the archive's central directory records for one entry.</summary>
    private static void SetDeclaredSize(byte[] zip, string name, uint size)
    {
        byte[] signature = [0x50, 0x4B, 0x01, 0x02];
        byte[] nameBytes = Encoding.ASCII.GetBytes(name);
        for (int at = 0; at + 46 < zip.Length; at++)
        {
            if (!zip.AsSpan(at, 4).SequenceEqual(signature))
                continue;
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 28));
            if (zip.AsSpan(at + 46, nameLength).SequenceEqual(nameBytes))
            {
                BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(at + 24), size);
                return;
            }
        }
        throw new InvalidOperationException($"{name} is not in the archive");
    }
}
