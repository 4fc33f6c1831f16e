using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using static DocQa.Server.Tests.SecuredServerFactory;

namespace DocQa.Server.Tests;

/// <summary>The API-key server on a real loopback port, where the MCP client connects over streamable HTTP.</summary>
public sealed class McpServerFactory : SecuredServerFactory
{
    public McpServerFactory()
    {
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        StartServer();
    }

    public Uri McpEndpoint => new(new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()), "/mcp");
}

/// <summary>DocQa as an MCP server, driven by the MCP SDK's own client: the tools, their answers, and the same keys and scopes as /v1.</summary>
public sealed class McpServerTests(McpServerFactory factory) : IClassFixture<McpServerFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.EnsureDocumentsAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<McpClient> ConnectAsync(string key) => McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
    {
        Endpoint = factory.McpEndpoint,
        TransportMode = HttpTransportMode.StreamableHttp,
        AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {key}" },
    }));

    /// <summary>Calls a tool that must succeed; its structured result.</summary>
    private static async Task<JsonElement> CallAsync(McpClient client, string tool, Dictionary<string, object?> arguments)
    {
        var result = await client.CallToolAsync(tool, arguments);
        Assert.False(result.IsError == true, TextOf(result));
        return JsonSerializer.SerializeToElement(result.StructuredContent);
    }

    /// <summary>Calls a tool that must fail; the error it reports.</summary>
    private static async Task<string> CallFailingAsync(McpClient client, string tool, Dictionary<string, object?> arguments)
    {
        var result = await client.CallToolAsync(tool, arguments);
        Assert.True(result.IsError, "expected a tool error");
        return TextOf(result);
    }

    private static string TextOf(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(block => block.Text));

    [Fact]
    public async Task Lists_the_five_tools_with_descriptions()
    {
        await using var client = await ConnectAsync(factory.ReaderA);
        var tools = await client.ListToolsAsync();

        Assert.Equal(["ask", "get_passage", "list_documents", "list_indexes", "search"], tools.Select(tool => tool.Name).Order());
        Assert.All(tools, tool => Assert.True(tool.Description.Length > 40, $"{tool.Name}: '{tool.Description}'"));

        var search = tools.Single(tool => tool.Name == "search").JsonSchema.GetProperty("properties");
        Assert.Equal(["filter", "index", "query", "top"], search.EnumerateObject().Select(p => p.Name).Order());
        Assert.Contains("MaxTop", search.GetProperty("top").GetProperty("description").GetString());
        var required = tools.Single(tool => tool.Name == "get_passage").JsonSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString());
        Assert.Equal(["document", "page"], required.Order());
    }

    [Fact]
    public async Task Search_finds_the_uploaded_passage()
    {
        await using var client = await ConnectAsync(factory.ReaderA);
        var passages = (await CallAsync(client, "search", new() { ["index"] = IndexA, ["query"] = "lamp room painted", ["top"] = 3 }))
            .GetProperty("passages");

        var best = passages[0];
        Assert.Equal("lamps-txt", best.GetProperty("documentId").GetString());
        Assert.Equal("lamps.txt", best.GetProperty("fileName").GetString());
        Assert.Equal(1, best.GetProperty("page").GetInt32());
        Assert.Contains("lamp room of the north lighthouse", best.GetProperty("text").GetString());
        Assert.True(best.GetProperty("score").GetDouble() > 0);
    }

    [Fact]
    public async Task Results_also_come_as_JSON_text_for_clients_without_structured_content()
    {
        await using var client = await ConnectAsync(factory.ReaderA);
        var result = await client.CallToolAsync("list_documents", new Dictionary<string, object?> { ["index"] = IndexA });

        using var text = JsonDocument.Parse(TextOf(result));
        Assert.Equal("lamps-txt", text.RootElement.GetProperty("documents")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Search_filters_like_the_REST_API()
    {
        await using var client = await ConnectAsync(factory.ReaderA);
        var filter = new Dictionary<string, object?> { ["documentIds"] = new[] { "no-such-document" } };
        var passages = (await CallAsync(client, "search", new() { ["index"] = IndexA, ["query"] = "lamp room painted", ["filter"] = filter }))
            .GetProperty("passages");

        Assert.Equal(0, passages.GetArrayLength());
    }

    [Fact]
    public async Task Ask_answers_with_a_citation()
    {
        await using var client = await ConnectAsync(factory.ReaderA);
        var answer = await CallAsync(client, "ask", new() { ["index"] = IndexA, ["question"] = "When is the lamp room painted white?" });

        Assert.False(answer.GetProperty("noAnswer").GetBoolean(), answer.GetProperty("reason").ToString());
        Assert.False(string.IsNullOrWhiteSpace(answer.GetProperty("text").GetString()));
        var citation = answer.GetProperty("citations")[0];
        Assert.Equal(1, citation.GetProperty("n").GetInt32());
        Assert.Equal("lamps.txt", citation.GetProperty("fileName").GetString());
        Assert.Equal(1, citation.GetProperty("page").GetInt32());
        Assert.Contains("every spring", citation.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Lists_only_the_indexes_the_key_may_read_and_their_documents()
    {
        await using var reader = await ConnectAsync(factory.ReaderA);
        var indexes = (await CallAsync(reader, "list_indexes", [])).GetProperty("indexes");
        Assert.Equal([IndexA], indexes.EnumerateArray().Select(index => index.GetProperty("name").GetString()));

        await using var admin = await ConnectAsync(factory.Admin);
        var all = (await CallAsync(admin, "list_indexes", [])).GetProperty("indexes").EnumerateArray().Select(index => index.GetProperty("name").GetString());
        Assert.Contains(IndexA, all);
        Assert.Contains(IndexB, all);

        var documents = (await CallAsync(reader, "list_documents", new() { ["index"] = IndexA })).GetProperty("documents");
        var lamps = Assert.Single(documents.EnumerateArray());
        Assert.Equal("lamps-txt", lamps.GetProperty("id").GetString());
        Assert.Equal("ready", lamps.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Get_passage_returns_the_text_of_a_page()
    {
        await using var client = await ConnectAsync(factory.ReaderA);
        var page = await CallAsync(client, "get_passage", new() { ["index"] = IndexA, ["document"] = "lamps-txt", ["page"] = 1 });

        Assert.Equal("The lamp room of the north lighthouse is painted white every spring.", page.GetProperty("text").GetString());
        Assert.Equal(1, page.GetProperty("pages").GetInt32());

        Assert.Contains("'page' must be between 1 and 1",
            await CallFailingAsync(client, "get_passage", new() { ["index"] = IndexA, ["document"] = "lamps-txt", ["page"] = 2 }));
        Assert.Contains("has no document 'missing'",
            await CallFailingAsync(client, "get_passage", new() { ["index"] = IndexA, ["document"] = "missing", ["page"] = 1 }));
    }

    [Fact]
    public async Task A_refused_request_is_a_tool_error_with_the_reason()
    {
        await using var client = await ConnectAsync(factory.ReaderA);
        Assert.Contains("'top' must be between 1 and 50",
            await CallFailingAsync(client, "search", new() { ["index"] = IndexA, ["query"] = "lamp", ["top"] = 0 }));
        Assert.Contains("'question' is required",
            await CallFailingAsync(client, "ask", new() { ["index"] = IndexA, ["question"] = "  " }));
        Assert.Contains("Index name '' is not valid",
            await CallFailingAsync(client, "list_documents", new() { ["index"] = null }));
    }

    [Fact]
    public async Task A_reader_cannot_use_another_index_through_any_tool()
    {
        await using var client = await ConnectAsync(factory.ReaderA);
        var calls = new (string Tool, Dictionary<string, object?> Arguments)[]
        {
            ("search", new() { ["index"] = IndexB, ["query"] = "payroll secret" }),
            ("ask", new() { ["index"] = IndexB, ["question"] = "What does a keeper earn?" }),
            ("list_documents", new() { ["index"] = IndexB }),
            ("get_passage", new() { ["index"] = IndexB, ["document"] = "payroll-txt", ["page"] = 1 }),
        };
        foreach (var (tool, arguments) in calls)
        {
            var error = await CallFailingAsync(client, tool, arguments);
            Assert.Contains("may not read index 'auth-b'", error);
            Assert.DoesNotContain("forty crowns", error);
        }

        // Without an index the tools use "default", which this key may not read either.
        Assert.Contains("may not read index 'default'", await CallFailingAsync(client, "search", new() { ["query"] = "lamp" }));
    }

    [Fact]
    public async Task Without_a_key_the_endpoint_is_401()
    {
        using var http = new HttpClient();
        var initialize = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", System.Text.Encoding.UTF8, "application/json");
        var response = await http.PostAsync(factory.McpEndpoint, initialize);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync("not-a-key"));
    }
}

/// <summary>A page's text from its chunks: the sentences one chunk repeats from the one before appear once.</summary>
public sealed class DocumentPagesTests
{
    [Theory]
    [InlineData(new[] { "The keeper rings the bell. He trims the wicks.", "He trims the wicks. He paints the lamp room." },
        "The keeper rings the bell. He trims the wicks. He paints the lamp room.")]
    [InlineData(new[] { "First part.", "Second part." }, "First part.\n\nSecond part.")]
    [InlineData(new[] { "A black cat", "cathedral stands." }, "A black cat\n\ncathedral stands.")]
    [InlineData(new[] { "Only chunk." }, "Only chunk.")]
    public void Joins_chunks_keeping_their_overlap_once(string[] chunks, string page) =>
        Assert.Equal(page, DocQa.Server.Mcp.DocumentPages.Join(chunks));
}
