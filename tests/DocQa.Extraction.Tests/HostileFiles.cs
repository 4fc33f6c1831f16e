using System.IO.Compression;
using System.Text;
using CsCheck;
using DocQa.Core.Extraction;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using DocumentType = DocQa.Core.Extraction.DocumentType;
using PageSize = UglyToad.PdfPig.Content.PageSize;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace DocQa.Extraction.Tests;

/// <summary>Small real documents of every supported kind but images (OCR has its own tests), and generators of broken copies of them.</summary>
internal static class HostileFiles
{
    public static readonly byte[] Pdf = MakePdf();
    public static readonly byte[] Docx = MakeDocx();
    public static readonly int DocxEntries = new ZipArchive(new MemoryStream(Docx)).Entries.Count;

    public static readonly byte[] Html = Encoding.UTF8.GetBytes("""
        <!DOCTYPE html><html><head><title>Harbor rules</title><script>steal()</script></head>
        <body onload="x()"><h1>Moorings</h1><p>Boats moor <b>north</b> of the pier.</p>
        <table><tr><td>Berth</td><td>Fee</td></tr><tr><td>A1</td><td>$ 40</td></tr></table></body></html>
        """);

    public static readonly byte[] Markdown = Encoding.UTF8.GetBytes(
        "# Moorings\n\nBoats moor **north** of the pier.\n\n| Berth | Fee |\n|---|---|\n| A1 | $ 40 |\n\n<div>raw <script>x()</script> html</div>\n");

    public static readonly byte[] Text = Encoding.UTF8.GetBytes("Moorings\n\nBoats moor north of the pier.\fA second page.\n");

    public static readonly byte[] Xlsx = OfficeDocuments.Xlsx(("Moorings", [["Berth", "Rule"], ["A1", "Boats moor north of the pier."], ["A2", "40"]]));

    public static readonly byte[] Pptx = OfficeDocuments.Pptx(new SlideText("Moorings", ["Boats moor north of the pier."], Notes: "Fees are due nightly."));

    public static readonly byte[] Csv = Encoding.UTF8.GetBytes("Berth,Rule\nA1,\"Boats moor north of the pier.\"\nA2,\"Fee, nightly\"\n");

    public static readonly (DocumentKind Kind, byte[] Bytes)[] Originals =
    [
        (DocumentKind.Pdf, Pdf), (DocumentKind.Docx, Docx), (DocumentKind.Html, Html),
        (DocumentKind.Markdown, Markdown), (DocumentKind.Text, Text), (DocumentKind.Xlsx, Xlsx), (DocumentKind.Pptx, Pptx),
        (DocumentKind.Csv, Csv),
    ];

    public static DocumentType TypeOf(DocumentKind kind) => new(kind, kind.ToString().ToLowerInvariant());

    /// <summary>Random bytes handed to every kind of reader.</summary>
    public static readonly Gen<HostileInput> RandomBytes =
        Gen.Select(Gen.Int[0, Originals.Length - 1], Gen.Byte.Array[0, 4096],
            (kind, bytes) => new HostileInput(Originals[kind].Kind, "random", bytes));

    /// <summary>A real document with a few bit flips, truncations, duplicated or spliced chunks and inserted bytes.</summary>
    public static readonly Gen<HostileInput> MutatedDocuments =
        Gen.Select(Gen.Int[0, Originals.Length - 1], Mutation.Any.Array[1, 6],
            (index, mutations) => new HostileInput(Originals[index].Kind, string.Join(", ", mutations.Select(m => m.ToString())),
                mutations.Aggregate(Originals[index].Bytes, (bytes, mutation) => mutation.Apply(bytes))));

    /// <summary>
    /// A DOCX whose document.xml is mutated and packed again, so that the damage reaches the XML reader rather
    /// than stopping at the archive's checksums.
    /// </summary>
    public static readonly Gen<HostileInput> MutatedDocxXml =
        Mutation.Any.Array[1, 6].Select(mutations => new HostileInput(DocumentKind.Docx, "document.xml: " + string.Join(", ", mutations.Select(m => m.ToString())),
            RepackMainPart(Docx, xml => mutations.Aggregate(xml, (bytes, mutation) => mutation.Apply(bytes)))));

    public static byte[] RepackMainPart(byte[] docx, Func<byte[], byte[]> change)
    {
        using var output = new MemoryStream();
        output.Write(docx);
        using (var archive = new ZipArchive(output, ZipArchiveMode.Update, leaveOpen: true))
        {
            ZipArchiveEntry entry = archive.Entries.Single(e => e.FullName.EndsWith("document.xml", StringComparison.Ordinal));
            byte[] xml;
            using (var read = entry.Open())
            using (var copy = new MemoryStream())
            {
                read.CopyTo(copy);
                xml = copy.ToArray();
            }
            string name = entry.FullName;
            entry.Delete();
            using var write = archive.CreateEntry(name).Open();
            write.Write(change(xml));
        }
        return output.ToArray();
    }

    private static byte[] MakePdf()
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        PdfPageBuilder first = builder.AddPage(PageSize.A4);
        first.AddText("Moorings", 20, new PdfPoint(50, 780), font);
        first.AddText("Boats moor north of the pier.", 11, new PdfPoint(50, 740), font);
        PdfPageBuilder second = builder.AddPage(PageSize.A4);
        second.AddText("Berth A1 costs 40 dollars a night.", 11, new PdfPoint(50, 760), font);
        return builder.Build();
    }

    private static byte[] MakeDocx()
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, DocumentFormat.OpenXml.WordprocessingDocumentType.Document))
        {
            MainDocumentPart main = document.AddMainDocumentPart();
            main.Document = new Document(new Body(
                new Paragraph(new Run(new Text("Moorings"))),
                new Paragraph(new Run(new Text("Boats moor north of the pier.")), new Run(new Break { Type = BreakValues.Page })),
                new Table(new TableRow(new TableCell(new Paragraph(new Run(new Text("A1")))), new TableCell(new Paragraph(new Run(new Text("$ 40"))))))));
        }
        return stream.ToArray();
    }
}

/// <summary>One generated input: the reader it goes to, how it was made, and its bytes.</summary>
public sealed record HostileInput(DocumentKind Kind, string Origin, byte[] Bytes)
{
    public override string ToString() => $"{Kind} ({Bytes.Length} bytes): {Origin}";
}

/// <summary>A change to a file's bytes. Positions are fractions of the length, so that one mutation fits any file.</summary>
public abstract record Mutation
{
    public abstract byte[] Apply(byte[] bytes);

    public static readonly Gen<Mutation> Any = Gen.OneOf<Mutation>(
        Gen.Select(Gen.Double[0, 1], Gen.Int[0, 7], (at, bit) => (Mutation)new FlipBit(at, bit)),
        Gen.Double[0, 1].Select(at => (Mutation)new Truncate(at)),
        Gen.Select(Gen.Double[0, 1], Gen.Double[0, 1], Gen.Int[1, 2048], (from, to, length) => (Mutation)new Duplicate(from, to, length)),
        Gen.Select(Gen.Double[0, 1], Gen.Byte.Array[1, 64], (at, inserted) => (Mutation)new Insert(at, inserted)),
        Gen.Select(Gen.Double[0, 1], Gen.Int[1, 512], (at, length) => (Mutation)new Remove(at, length)));

    protected static int Position(double at, int length) => (int)Math.Min(length, Math.Floor(at * length));

    public sealed record FlipBit(double At, int Bit) : Mutation
    {
        public override byte[] Apply(byte[] bytes)
        {
            if (bytes.Length == 0) return bytes;
            var copy = (byte[])bytes.Clone();
            copy[Math.Min(Position(At, bytes.Length), bytes.Length - 1)] ^= (byte)(1 << Bit);
            return copy;
        }
    }

    public sealed record Truncate(double At) : Mutation
    {
        public override byte[] Apply(byte[] bytes) => bytes[..Position(At, bytes.Length)];
    }

    /// <summary>Copies a chunk of the file to another place in it (a splice of the file with itself).</summary>
    public sealed record Duplicate(double From, double To, int Length) : Mutation
    {
        public override byte[] Apply(byte[] bytes)
        {
            int from = Position(From, bytes.Length);
            byte[] chunk = bytes[from..Math.Min(bytes.Length, from + Length)];
            int to = Position(To, bytes.Length);
            return [.. bytes[..to], .. chunk, .. bytes[to..]];
        }
    }

    public sealed record Insert(double At, byte[] Inserted) : Mutation
    {
        public override byte[] Apply(byte[] bytes)
        {
            int at = Position(At, bytes.Length);
            return [.. bytes[..at], .. Inserted, .. bytes[at..]];
        }

        public override string ToString() => $"Insert {{ At = {At:0.###}, {Inserted.Length} bytes }}";
    }

    public sealed record Remove(double At, int Length) : Mutation
    {
        public override byte[] Apply(byte[] bytes)
        {
            int at = Position(At, bytes.Length);
            return [.. bytes[..at], .. bytes[Math.Min(bytes.Length, at + Length)..]];
        }
    }
}
