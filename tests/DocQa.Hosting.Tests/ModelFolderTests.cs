using DocQa.Hosting.Models;

namespace DocQa.Hosting.Tests;

public sealed class ModelFolderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("docqa-model-folder-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void Lists_gguf_files_and_unfinished_downloads_and_matches_the_catalogue_by_size()
    {
        var entry = new CatalogModel("tiny", "Tiny", new Uri("https://huggingface.co/x/y/resolve/main/tiny.gguf"), "tiny.gguf", 1234, null, "MIT");
        File.WriteAllBytes(Path.Combine(_folder, "renamed.gguf"), new byte[1234]);
        File.WriteAllBytes(Path.Combine(_folder, "other.GGUF"), new byte[10]);
        File.WriteAllBytes(Path.Combine(_folder, "next.gguf.partial"), new byte[1234]);
        File.WriteAllBytes(Path.Combine(_folder, "notes.txt"), new byte[1234]);

        var files = ModelFolder.List(_folder, [entry]);

        Assert.Equal(["next.gguf.partial", "other.GGUF", "renamed.gguf"], files.Select(f => f.FileName));
        Assert.True(files[0].Incomplete);
        Assert.Null(files[0].Catalogued); // an unfinished download is never claimed to match
        Assert.Null(files[1].Catalogued);
        Assert.Same(entry, files[2].Catalogued);
        Assert.Equal(1234, files[2].SizeBytes);
    }

    [Fact]
    public void Missing_folder_lists_nothing() =>
        Assert.Empty(ModelFolder.List(Path.Combine(_folder, "absent")));

    [Fact]
    public void Models_folder_is_inside_the_data_directory() =>
        Assert.Equal(Path.Combine(_folder, "models"), ModelFolder.In(_folder));
}
