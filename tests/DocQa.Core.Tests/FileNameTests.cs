using DocQa.Core.Documents;

namespace DocQa.Core.Tests;

/// <summary>Client file names are labels: no path, no control characters, no names a file system treats specially.</summary>
public class FileNameTests
{
    [Theory]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("..\\..\\windows\\win.ini", "win.ini")]
    [InlineData("/etc/cron.d/job.pdf", "job.pdf")]
    [InlineData("C:\\Users\\me\\report.pdf", "report.pdf")]
    [InlineData("\\\\server\\share\\report.pdf", "report.pdf")]
    [InlineData("report.pdf/..", "upload")]
    [InlineData("..", "upload")]
    [InlineData("...hidden.txt", "hidden.txt")]
    [InlineData("notes.txt...   ", "notes.txt")]
    [InlineData("re\u0000po\nrt\t.pdf\u007f", "report.pdf")]
    [InlineData("invoice\u202Efdp.exe", "invoicefdp.exe")] // a right-to-left override would show "invoiceexe.pdf"
    [InlineData("a<b>c:d\"e|f?g*h.md", "abcdefgh.md")]
    [InlineData("CON", "_CON")]
    [InlineData("con.pdf", "_con.pdf")]
    [InlineData("lpt1.tar.gz", "_lpt1.tar.gz")]
    [InlineData("console.pdf", "console.pdf")]
    [InlineData("", "upload")]
    [InlineData(null, "upload")]
    [InlineData("Quarterly Report (final) ü.pdf", "Quarterly Report (final) ü.pdf")]
    public void Sanitize_keeps_a_harmless_label(string? given, string expected) =>
        Assert.Equal(expected, FileNames.Sanitize(given));

    [Fact]
    public void A_very_long_name_is_cut_and_keeps_its_extension()
    {
        var name = FileNames.Sanitize(new string('a', 5000) + ".pdf");

        Assert.Equal(FileNames.MaxLength, name.Length);
        Assert.EndsWith("a.pdf", name, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_name_is_never_cut_inside_a_character()
    {
        var name = FileNames.Sanitize(new string('a', FileNames.MaxLength - 6) + string.Concat(Enumerable.Repeat("😀", 10)) + ".md");

        Assert.EndsWith(".md", name, StringComparison.Ordinal);
        Assert.False(char.IsHighSurrogate(name[^4]), "a surrogate pair was split");
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("con.pdf")]
    [InlineData("\u0001\u0002")]
    public void Ids_derived_from_hostile_names_are_valid(string given) =>
        Assert.True(DocumentIds.IsValid(DocumentIds.FromFileName(given)));
}
