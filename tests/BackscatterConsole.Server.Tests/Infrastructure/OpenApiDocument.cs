using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace BackscatterConsole.Server.Tests.Infrastructure;

/// <summary>The server's generated OpenAPI document, read as JSON, for tests that walk every operation.</summary>
public sealed class OpenApiDocument
{
    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    private OpenApiDocument(JsonObject root) => Root = root;

    public JsonObject Root { get; }

    public static async Task<OpenApiDocument> LoadAsync(AppFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        using var client = factory.CreateApiClient(token: null);
        var root = await client.GetFromJsonAsync<JsonObject>("/openapi/v1.json") ?? throw new InvalidOperationException("No OpenAPI document.");
        return new OpenApiDocument(root);
    }

    public IEnumerable<Operation> Operations()
    {
        foreach (var (path, item) in Root["paths"]!.AsObject())
        {
            foreach (var method in Methods)
            {
                if (item![method] is JsonObject operation)
                {
                    yield return new Operation(method.ToUpperInvariant(), path, operation);
                }
            }
        }
    }

    /// <summary>Follows a <c>$ref</c> to its component, and a nullable <c>oneOf</c> to its non-null branch.</summary>
    public JsonObject? Resolve(JsonNode? schema)
    {
        for (var depth = 0; depth < 10 && schema is JsonObject node; depth++)
        {
            if (node["$ref"]?.GetValue<string>() is { } reference)
            {
                schema = Root["components"]!["schemas"]![reference.Split('/')[^1]];
            }
            else if (node["oneOf"] is JsonArray oneOf)
            {
                schema = oneOf.FirstOrDefault(s => s?["type"]?.ToString() != "null");
            }
            else
            {
                return node;
            }
        }

        return schema as JsonObject;
    }

    /// <summary>The schema types, whether written as one string or (OpenAPI 3.1) an array with "null".</summary>
    public static IReadOnlyList<string> Types(JsonObject schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return schema["type"] switch
        {
            JsonArray array => array.Select(t => t!.GetValue<string>()).ToList(),
            JsonValue value => [value.GetValue<string>()],
            _ => [],
        };
    }

    /// <summary>A JSON value the schema accepts, enough to get past its first occurrence in a body.</summary>
    public JsonNode? Sample(JsonNode? schema)
    {
        var resolved = Resolve(schema);
        if (resolved is null)
        {
            return null;
        }

        if (resolved["enum"] is JsonArray values && values.Count > 0)
        {
            return values[0]!.DeepClone();
        }

        var types = Types(resolved);
        var format = resolved["format"]?.GetValue<string>();
        return types.FirstOrDefault(t => t != "null") switch
        {
            "string" when format == "uuid" => JsonValue.Create(Guid.NewGuid()),
            "string" when format == "date-time" => JsonValue.Create("2026-01-01T00:00:00Z"),
            "string" => JsonValue.Create("x"),
            "integer" or "number" => JsonValue.Create(1),
            "boolean" => JsonValue.Create(true),
            "array" => new JsonArray(),
            "object" => new JsonObject(),
            _ => null,
        };
    }

    public sealed record Operation(string Method, string Path, JsonObject Node)
    {
        public string Name => $"{Method} {Path}";

        /// <summary>The path with every route parameter replaced by a fresh GUID (every id here is one).</summary>
        public string SamplePath() => System.Text.RegularExpressions.Regex.Replace(Path, "{[^}]+}", _ => Guid.NewGuid().ToString());

        public JsonObject? Responses => Node["responses"] as JsonObject;

        public JsonNode? RequestSchema => Node["requestBody"]?["content"]?["application/json"]?["schema"];
    }
}
