using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BackscatterConsole.Server.Tests.Infrastructure;

namespace BackscatterConsole.Server.Tests.Hosting;

/// <summary>
/// The OpenAPI document is the API's reference (served as is at /openapi/v1.json and rendered at /api/docs), so every
/// operation must say what it does, what it takes, what it answers and how it fails.
/// </summary>
public sealed partial class OpenApiDocumentTests(AppFactory factory) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task EveryOperation_HasSummarySchemasAndProblemResponses()
    {
        var document = await OpenApiDocument.LoadAsync(factory);
        var failures = new List<string>();
        var operations = document.Operations().ToList();

        foreach (var operation in operations)
        {
            void Fail(string what) => failures.Add($"{operation.Name}: {what}");
            var node = operation.Node;
            if (string.IsNullOrWhiteSpace(node["summary"]?.GetValue<string>()))
            {
                Fail("no summary");
            }

            if (node["requestBody"] is JsonObject body && (body["content"] as JsonObject)?.Any(c => c.Value?["schema"] is JsonObject) != true)
            {
                Fail("a request body without a schema");
            }

            var responses = operation.Responses ?? [];
            var success = responses.Where(r => r.Key.StartsWith('2')).ToList();
            if (success.Count == 0)
            {
                Fail("no 2xx response");
            }

            foreach (var (status, response) in success)
            {
                var content = response?["content"] as JsonObject;
                var hasSchema = content?.Any(c => c.Value?["schema"] is JsonObject) == true;
                if (status == "204" && content is { Count: > 0 })
                {
                    Fail("204 with a body");
                }
                else if (status is not ("204" or "202") && !hasSchema)
                {
                    Fail($"{status} without a response schema");
                }
                else if (status == "202" && content is { Count: > 0 } && !hasSchema)
                {
                    Fail("202 with a body but no schema");
                }
            }

            var anonymous = node["security"] is JsonArray { Count: 0 };
            var required = new List<string>();
            if (!anonymous)
            {
                required.AddRange(["401", "403"]);
            }

            if (node["requestBody"] is not null || (node["parameters"] as JsonArray)?.Any(p => p?["in"]?.GetValue<string>() == "query") == true)
            {
                required.Add("400");
            }

            if (node["requestBody"] is not null)
            {
                required.Add("413");
            }

            if (RouteParameter().IsMatch(operation.Path))
            {
                required.Add("404");
            }

            foreach (var status in required.Where(s => !responses.ContainsKey(s)))
            {
                Fail($"no {status} response");
            }

            foreach (var (status, response) in responses.Where(r => r.Key[0] is '4' or '5'))
            {
                if (response?["content"]?["application/problem+json"]?["schema"] is not JsonObject)
                {
                    Fail($"{status} is not documented as application/problem+json with a schema");
                }
            }
        }

        Assert.True(operations.Count >= 45, $"Only {operations.Count} operations in the document; the walk is broken.");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task OpenApiJson_Anonymous_IsStillServed()
    {
        using var client = factory.CreateApiClient(token: null);

        var response = await client.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [GeneratedRegex("{[^}]+}")]
    private static partial Regex RouteParameter();
}
