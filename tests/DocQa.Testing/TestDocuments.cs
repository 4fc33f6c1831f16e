using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace DocQa.Testing;

/// <summary>Real documents made by the tests: PDFs written with PdfPig, and small text files.</summary>
public static class TestDocuments
{
    /// <summary>A PDF with one page per entry, each page's lines set from the top down.</summary>
    public static byte[] Pdf(params string[][] pages)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        foreach (var lines in pages)
        {
            var page = builder.AddPage(PageSize.A4);
            var y = 780.0;
            foreach (var line in lines)
            {
                page.AddText(line, 11, new PdfPoint(60, y), font);
                y -= 16;
            }
        }
        return builder.Build();
    }

    /// <summary>A three-page report whose facts sit on known pages.</summary>
    public static byte[] QuarterlyReport() => Pdf(
        [
            "Harbor Lights Corporation quarterly report.",
            "This report covers the quarter ended June 30, 2024.",
            "The company builds lighthouses and maritime signal lamps.",
        ],
        [
            // Lines before the figure, so that a passage shown in a small box must be scrolled to it.
            "Results of operations.",
            "Crews repainted the tower at Cape Wren in April.",
            "A new pier opened at the northern depot.",
            "Staff training covered rope work and first aid.",
            "The workshop replaced two lathes and a drill press.",
            "Visitors toured the museum on weekend afternoons.",
            "The board met four times and approved the budget.",
            "Spare bulbs are kept in the dry store by the gate.",
            "Total net sales for the quarter were 48,213 thousand dollars.",
            "Net sales grew because demand for signal lamps rose in northern ports.",
        ],
        [
            "Risk factors.",
            "Storms may delay the installation of new lighthouses.",
            "The company depends on a single supplier of glass lenses.",
        ]);
}
