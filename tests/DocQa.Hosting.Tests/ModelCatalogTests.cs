using DocQa.Hosting.Models;

namespace DocQa.Hosting.Tests;

public sealed class ModelCatalogTests
{
    [Theory]
    [InlineData("llama3.2-1b")]
    [InlineData("llama3.2-3b")]
    [InlineData("qwen2.5-0.5b")]
    [InlineData("qwen2.5-1.5b")]
    public void Catalogue_has_the_small_instruct_models(string name)
    {
        var model = ModelCatalog.Find(name);
        Assert.NotNull(model);
        Assert.Equal(model, ModelCatalog.Find(name.ToUpperInvariant()));
        Assert.Contains("Instruct Q4_K_M", model.Title);
    }

    [Fact]
    public void Entries_are_well_formed()
    {
        Assert.NotEmpty(ModelCatalog.Models);
        foreach (var model in ModelCatalog.Models)
        {
            Assert.Equal(Uri.UriSchemeHttps, model.Url.Scheme);
            Assert.Equal("huggingface.co", model.Url.Host);
            Assert.Contains("/resolve/", model.Url.AbsolutePath);
            Assert.EndsWith(".gguf", model.FileName);
            Assert.Equal(model.FileName, model.Url.Segments[^1]);
            Assert.Equal(model.FileName, Path.GetFileName(model.FileName)); // a plain name, never a path
            Assert.Matches("^[a-z0-9.-]+$", model.Name);
            if (model.SizeBytes is long size) Assert.InRange(size, 100_000_000, 10_000_000_000);
            if (model.Sha256 is not null) Assert.Matches("^[0-9a-f]{64}$", model.Sha256);
        }
        Assert.Equal(ModelCatalog.Models.Count, ModelCatalog.Models.Select(m => m.Name).Distinct().Count());
        Assert.Equal(ModelCatalog.Models.Count, ModelCatalog.Models.Select(m => m.FileName.ToLowerInvariant()).Distinct().Count());
        // Listing matches local files to entries by size alone, so sizes must tell entries apart.
        Assert.Equal(ModelCatalog.Models.Count, ModelCatalog.Models.Select(m => m.SizeBytes).Distinct().Count());
    }

    [Fact]
    public void Exactly_one_entry_is_recommended()
    {
        var recommended = Assert.Single(ModelCatalog.Models, m => m.Recommended);
        Assert.Same(recommended, ModelCatalog.Recommended);
    }

    [Fact]
    public void Lookups_by_unknown_name_or_url_find_nothing_and_catalogue_urls_are_found()
    {
        Assert.Null(ModelCatalog.Find("gpt-5"));
        Assert.Null(ModelCatalog.FindByUrl(new Uri("https://example.com/model.gguf")));
        foreach (var model in ModelCatalog.Models) Assert.Same(model, ModelCatalog.FindByUrl(model.Url));
    }
}
