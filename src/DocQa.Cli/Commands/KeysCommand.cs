using System.CommandLine;
using System.Text.Json;
using DocQa.Core.Documents;
using DocQa.Hosting;

namespace DocQa.Cli.Commands;

/// <summary>docqa keys create: a new API key, printed once, with the configuration entry that lets the server accept it.</summary>
public static class KeysCommand
{
    private static readonly string[] Roles = ["reader", "writer", "admin"];

    // The entry as appsettings.json writes its keys: "Name", "Hash", "Role", "Indexes".
    private static readonly JsonSerializerOptions ConfigurationJson = new() { WriteIndented = true, Encoder = CliOutput.Json.Encoder };

    public static Command Create()
    {
        var indexes = new Option<string>("--indexes")
        {
            Description = "Comma-separated indexes the key may use, or * for all",
            Required = true,
        };
        var role = new Option<string>("--role")
        {
            Description = "reader (search, ask, read), writer (also upload and delete documents) or admin (also delete indexes)",
            Required = true,
        };
        role.AcceptOnlyFromAmong(Roles);
        var name = new Option<string?>("--name") { Description = "Who holds the key (default: key-<time>)" };

        var create = new Command("create", "Create an API key: prints it once, and the Auth:Keys entry to add to the server's configuration")
        {
            indexes, role, name,
        };
        create.SetAction(parse =>
        {
            var indexList = parse.GetValue(indexes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var invalid = indexList.FirstOrDefault(index => index != "*" && !IndexNames.IsValid(index));
            if (indexList.Length == 0 || invalid is not null)
            {
                Console.Error.WriteLine($"docqa: --indexes needs index names (lower-case letters, digits, '_' or '-') or *, not '{invalid ?? ""}'");
                return 1;
            }
            var key = ApiKeys.Generate();
            var entry = new KeyEntry(
                parse.GetValue(name) is { Length: > 0 } given ? given : $"key-{DateTime.UtcNow:yyyyMMddHHmmss}",
                ApiKeys.Hash(key),
                parse.GetValue(role)!,
                indexList);

            if (parse.GetValue(CommonOptions.Json))
            {
                CommonOptions.PrintJson(new { key, entry });
                return 0;
            }
            var json = JsonSerializer.Serialize(entry, ConfigurationJson);
            Console.Out.WriteLine($"""
                API key (shown only this once; the server keeps only its hash):

                  {key}

                Add this entry to the "Auth": {"{"} "Keys": [ ... ] {"}"} list of the server's appsettings.json:

                {json}

                or, as environment variables (N = the entry's position in the list, from 0):

                {string.Join(Environment.NewLine, EnvironmentVariables(entry))}

                Clients send it as "Authorization: Bearer <key>" or "X-Api-Key: <key>"; docqa takes --api-key or DOCQA_API_KEY.
                """);
            return 0;
        });

        return new Command("keys", "Manage API keys for the server") { create };
    }

    private static IEnumerable<string> EnvironmentVariables(KeyEntry entry) =>
        new[] { $"Auth__Keys__N__Name={entry.Name}", $"Auth__Keys__N__Hash={entry.Hash}", $"Auth__Keys__N__Role={entry.Role}" }
            .Concat(entry.Indexes.Select((index, i) => $"Auth__Keys__N__Indexes__{i}={index}"))
            .Select(line => "  " + line);

    /// <summary>The shape of one Auth:Keys entry in appsettings.json.</summary>
    private sealed record KeyEntry(string Name, string Hash, string Role, IReadOnlyList<string> Indexes);
}
