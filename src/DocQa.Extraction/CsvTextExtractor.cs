using DocQa.Core.Extraction;
using Sylvan.Data.Csv;

namespace DocQa.Extraction;

/// <summary>
/// CSV and TSV files (RFC 4180 quoting, through Sylvan.Data.Csv): one table, its first row the header when it holds only
/// words, so each row is read with its column names. A .csv file whose first line has more semicolons than commas
/// (as spreadsheets write it where the comma is the decimal mark) is read with semicolons.
/// </summary>
internal static class CsvTextExtractor
{
    public static ExtractedDocument Extract(byte[] bytes, bool tabs, CancellationToken cancellationToken)
    {
        string text = TextHelpers.Decode(bytes);
        var options = new CsvDataReaderOptions
        {
            Delimiter = tabs ? '\t' : Delimiter(text),
            HasHeaders = false,
            // A record longer than this (an unclosed quote running to the end of a huge file) is refused.
            MaxBufferSize = MaxRecordChars,
        };
        var rows = new List<IReadOnlyList<TableCellText>>();
        using (var reader = CsvDataReader.Create(new StringReader(text), options))
        {
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                int fields = Math.Min(reader.RowFieldCount, TableWriter.MaxColumns);
                var cells = new List<TableCellText>(fields);
                for (int i = 0; i < fields; i++)
                    cells.Add(new TableCellText(TextHelpers.CollapseWhitespace(reader.GetString(i))));
                rows.Add(cells);
            }
        }
        var blocks = new BlockList();
        blocks.Add(BlockKind.Table, XlsxTextExtractor.Table(rows), 1);
        return blocks.ToDocument();
    }

    private const int MaxRecordChars = 16 * 1024 * 1024;

    private static char Delimiter(string text)
    {
        int end = text.IndexOf('\n', StringComparison.Ordinal);
        string first = end < 0 ? text : text[..end];
        return first.Count(c => c == ';') > first.Count(c => c == ',') ? ';' : ',';
    }
}
