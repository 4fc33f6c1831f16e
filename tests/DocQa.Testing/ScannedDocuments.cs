using System.Buffers.Binary;
using SkiaSharp;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Writer;

namespace DocQa.Testing;

/// <summary>
/// Images of text, as a scanner or a phone makes them: lines of text drawn with SkiaSharp on white, as PNG, as a TIFF
/// of several pages, or as a PDF whose pages are only images (no text layer).
/// </summary>
public static class ScannedDocuments
{
    /// <summary>Whether OCR can run here (the tests that need it are skipped otherwise, with this reason).</summary>
    public static string? WhyOcrCannotRun =>
        Locate("tesseract") is null ? "tesseract is not installed (apt-get install tesseract-ocr)"
        : Locate("pdftoppm") is null ? "pdftoppm is not installed (apt-get install poppler-utils)"
        : null;

    /// <summary>The lines as a PNG, black on white, about 150 dots per inch.</summary>
    public static byte[] Png(params string[] lines)
    {
        using var bitmap = Render(lines, width: 1240, height: Math.Max(300, 120 + 60 * lines.Length));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>A PDF with one scanned page per entry: each page is an image of its lines, with no text layer.</summary>
    public static byte[] Pdf(params string[][] pages)
    {
        var builder = new PdfDocumentBuilder();
        foreach (var lines in pages)
        {
            var page = builder.AddPage(PageSize.A4);
            page.AddPng(PagePng(lines), new PdfRectangle(0, 0, page.PageSize.Width, page.PageSize.Height));
        }
        return builder.Build();
    }

    /// <summary>A scanned A4 page at 150 dpi as a PNG: the lines at the top, the rest white.</summary>
    public static byte[] PagePng(string[] lines)
    {
        using var bitmap = Render(lines, width: 1240, height: 1754);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>A TIFF with one frame (page) per entry: uncompressed 8-bit grey, 150 dots per inch.</summary>
    public static byte[] Tiff(params string[][] pages)
    {
        var frames = pages.Select(lines =>
        {
            using var bitmap = Render(lines, width: 1240, height: Math.Max(300, 120 + 60 * lines.Length));
            var grey = new byte[bitmap.Width * bitmap.Height];
            for (int y = 0; y < bitmap.Height; y++)
                for (int x = 0; x < bitmap.Width; x++)
                    grey[y * bitmap.Width + x] = bitmap.GetPixel(x, y).Red;
            return (bitmap.Width, bitmap.Height, grey);
        }).ToList();
        return WriteTiff(frames);
    }

    private static SKBitmap Render(string[] lines, int width, int height)
    {
        var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var typeface = SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default;
        using var font = new SKFont(typeface, 30);
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        float y = 100;
        foreach (var line in lines)
        {
            canvas.DrawText(line, 80, y, SKTextAlign.Left, font, paint);
            y += 60;
        }
        return bitmap;
    }

    // Little-endian TIFF: header, then per frame its pixels and its directory, each directory naming the next.
    private static byte[] WriteTiff(List<(int Width, int Height, byte[] Grey)> frames)
    {
        using var stream = new MemoryStream();
        var writer = new BinaryWriter(stream);
        writer.Write("II"u8);
        writer.Write((ushort)42);
        long nextPointer = stream.Position;
        writer.Write(0u);
        foreach (var (width, height, grey) in frames)
        {
            long pixels = stream.Position;
            writer.Write(grey);
            long resolution = stream.Position;
            writer.Write(150u);
            writer.Write(1u);
            if (stream.Position % 2 == 1) writer.Write((byte)0);
            long directory = stream.Position;
            Patch(stream, nextPointer, (uint)directory);
            (ushort Tag, ushort Type, uint Value)[] entries =
            [
                (256, 4, (uint)width), (257, 4, (uint)height), (258, 3, 8), (259, 3, 1), (262, 3, 1),
                (273, 4, (uint)pixels), (277, 3, 1), (278, 4, (uint)height), (279, 4, (uint)grey.Length),
                (282, 5, (uint)resolution), (283, 5, (uint)resolution), (296, 3, 2),
            ];
            writer.Write((ushort)entries.Length);
            foreach (var (tag, type, value) in entries)
            {
                writer.Write(tag);
                writer.Write(type);
                writer.Write(1u);
                if (type == 3) { writer.Write((ushort)value); writer.Write((ushort)0); }
                else writer.Write(value);
            }
            nextPointer = stream.Position;
            writer.Write(0u);
        }
        writer.Flush();
        return stream.ToArray();
    }

    private static void Patch(MemoryStream stream, long at, uint value)
    {
        var buffer = stream.GetBuffer();
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan((int)at), value);
    }

    private static string? Locate(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, tool)).FirstOrDefault(File.Exists);
}
