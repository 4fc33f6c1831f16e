using System.IO.Compression;
using System.Xml;
using DocQa.Core.Extraction;

namespace DocQa.Extraction;

/// <summary>
/// The checks every Office file (DOCX, XLSX, PPTX: ZIP archives of XML parts) passes before the Open XML SDK opens
/// it: no zip bomb, no XML nested deep enough to make the SDK's time quadratic. DTDs, and with them entity expansion,
/// are refused by the SDK itself.
/// </summary>
internal static class OpenXmlGuard
{
    // A few kilobytes can unpack to gigabytes or hold millions of entries. Real documents stay far below these
    // limits, so an archive past them is refused before the Open Xml SDK unpacks anything.
    private const int MaxEntries = 10_000;
    private const long MaxUncompressedBytes = 512L * 1024 * 1024;
    private const int MaxCompressionRatio = 200;
    private const long RatioCheckedFrom = 10L * 1024 * 1024;

    // The Open XML SDK takes time quadratic in the nesting of XML elements (10,000 nested content controls in a
    // 4 KB file took 20 s), and the readers recurse along it. Office's own documents nest a few dozen deep.
    private const int MaxXmlDepth = 256;

    /// <param name="format">The format's name in messages: "DOCX", "XLSX", "PPTX".</param>
    public static void Check(Stream content, string format, CancellationToken cancellationToken)
    {
        RefuseZipBomb(content, format);
        RefuseDeepXml(content, format, cancellationToken);
    }

    /// <summary>
    /// Reads the archive's directory (not its contents) and refuses one that would unpack to too much. The directory's
    /// sizes can be relied on because .NET's reader stops each part at its declared size: a part that hides its real
    /// size is cut short, not unpacked in full (ZipBombTests holds it to that).
    /// </summary>
    private static void RefuseZipBomb(Stream content, string format)
    {
        long start = content.Position;
        using (var archive = new ZipArchive(content, ZipArchiveMode.Read, leaveOpen: true))
        {
            if (archive.Entries.Count > MaxEntries)
                throw new ExtractionException($"the {format} is refused: it holds {archive.Entries.Count:N0} files (limit {MaxEntries:N0}); it may be a zip bomb");
            long total = 0;
            foreach (ZipArchiveEntry entry in archive.Entries)
            {
                total += entry.Length;
                if (total > MaxUncompressedBytes)
                    throw new ExtractionException($"the {format} is refused: it unpacks to more than {MaxUncompressedBytes / (1024 * 1024)} MB; it may be a zip bomb");
                if (entry.Length > RatioCheckedFrom && entry.Length > MaxCompressionRatio * Math.Max(entry.CompressedLength, 1))
                    throw new ExtractionException($"the {format} is refused: a part is compressed more than {MaxCompressionRatio}:1; it may be a zip bomb");
            }
        }
        content.Position = start;
    }

    /// <summary>
    /// Reads every XML part with a streaming reader, in time linear in its size, and refuses a document whose XML
    /// nests elements deeper than <see cref="MaxXmlDepth"/> before the SDK builds its tree.
    /// </summary>
    private static void RefuseDeepXml(Stream content, string format, CancellationToken cancellationToken)
    {
        long start = content.Position;
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true, IgnoreWhitespace = true };
        using (var archive = new ZipArchive(content, ZipArchiveMode.Read, leaveOpen: true))
        {
            foreach (ZipArchiveEntry entry in archive.Entries)
            {
                if (!entry.FullName.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) && !entry.FullName.EndsWith(".rels", StringComparison.OrdinalIgnoreCase))
                    continue;
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    using Stream part = entry.Open();
                    using var reader = XmlReader.Create(part, settings);
                    while (reader.Read())
                    {
                        if (reader.NodeType == XmlNodeType.Element && reader.Depth >= MaxXmlDepth)
                            throw new ExtractionException($"the {format} is refused: its XML nests elements more than {MaxXmlDepth} deep");
                    }
                }
                catch (Exception ex) when (ex is XmlException or InvalidDataException)
                {
                    // A broken part is left to the SDK, which stops reading it at the same place.
                }
            }
        }
        content.Position = start;
    }
}
