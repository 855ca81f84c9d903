using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.ChangeRequests;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Shared.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Server.Tests.Hosting;

/// <summary>
/// Free-text fields refuse control characters (tab and line breaks only where a text spans lines) with a 400 naming the
/// field, and store nothing. <see cref="Postgres.PostgresControlCharacterTests"/> runs them on PostgreSQL, which cannot
/// store NUL in text at all (before, that was a 5xx there and a stored NUL on SQLite).
/// </summary>
public class ControlCharacterTests(AppFactory factory) : IClassFixture<AppFactory>
{
    // Values are JSON string contents (escapes included), so no raw control character ever sits in a test name.
    [Theory]
    [InlineData("create-server", "name", @"mx\u0000one")]
    [InlineData("create-server", "name", @"mx\u007fone")]
    [InlineData("create-server", "version", @"3.8\u0007")]
    [InlineData("create-server", "notes", @"before\u0000after")]
    [InlineData("update-server", "notes", @"edited\u001bnotes")]
    [InlineData("create-token", "name", @"ci\u0000")]
    [InlineData("create-user", "userName", @"eve\u0000x")]
    [InlineData("create-user", "email", @"eve\u0000@example.test")]
    [InlineData("update-user", "email", @"eve\u001b@example.test")]
    [InlineData("create-change-request", "title", @"Fix\u0000it")]
    [InlineData("create-change-request", "title", @"Fix\nit")]
    [InlineData("create-change-request", "rationale", @"because\u0000")]
    [InlineData("update-change-request", "rationale", @"edited\u0000")]
    [InlineData("comment", "text", @"looks\u0000good")]
    [InlineData("reject", "text", @"no\u0008")]
    [InlineData("settings-snapshot", "text", @"smtpd_banner = x\u0000")]
    [InlineData("enroll", "hostName", @"mx\u0000.example.com")]
    public async Task FreeText_ControlCharacter_Returns400NamingTheFieldAndStoresNothing(string target, string field, string jsonValue)
    {
        using var api = factory.CreateApiClient();
        var value = JsonNode.Parse($"\"{jsonValue}\"")!;
        var (method, url, body, readBack) = await RequestAsync(api, target, field, value);
        var before = await CountRowsAsync();
        var stateBefore = readBack is null ? null : await api.GetStringAsync(readBack);

        using var request = new HttpRequestMessage(method, url) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("If-Match", "*");
        var response = await api.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{target}: {(int)response.StatusCode} {text}");
        var errors = JsonNode.Parse(text)!["errors"]!.AsObject();
        var key = errors.Select(e => e.Key).FirstOrDefault(k => k == field || k.EndsWith("." + field, StringComparison.Ordinal));
        Assert.True(key is not null, $"{target}: no error keyed '{field}': {text}");
        Assert.Contains(errors[key!]!.AsArray(), m => m!.GetValue<string>().Contains("control character U+", StringComparison.Ordinal));
        Assert.Equal(before, await CountRowsAsync());
        if (readBack is not null)
        {
            Assert.Equal(StripVolatile(stateBefore!), StripVolatile(await api.GetStringAsync(readBack)));
        }
    }

    [Fact]
    public async Task MultiLineText_TabAndLineBreaks_AreStoredAndReadBack()
    {
        using var api = factory.CreateApiClient();
        const string multiLine = "first line\r\n\tsecond line\nthird";
        var (server, _, check) = await RemediationSetup.ServerWithAgentAsync(api);

        var created = await api.PostAsJsonAsync("/api/v1/change-requests", new { title = "Multi-line rationale", rationale = multiLine, items = new[] { new { serverId = server.Id, checkIds = new[] { check } } } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var request = (await created.Content.ReadFromJsonAsync<ChangeRequestDto>())!;
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync($"/api/v1/change-requests/{request.Id}/comments", new { text = multiLine })).StatusCode);
        using var put = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/servers/{server.Id}") { Content = JsonContent.Create(new { name = server.Name, hostname = server.Hostname, platform = server.Platform, notes = multiLine }) };
        put.Headers.TryAddWithoutValidation("If-Match", "*");
        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(put)).StatusCode);

        var read = await api.GetFromJsonAsync<ChangeRequestDto>($"/api/v1/change-requests/{request.Id}");
        Assert.Equal(multiLine, read!.Rationale);
        Assert.Equal(multiLine, read.Comments.Single().Text);
        Assert.Equal(multiLine, (await api.GetFromJsonAsync<ServerDto>($"/api/v1/servers/{server.Id}"))!.Notes);
    }

    [Theory]
    [InlineData("/api/v1/servers?q=a%00b")]
    [InlineData("/api/v1/servers?tag=a%00b")]
    [InlineData("/api/v1/audit?actor=a%00b")]
    [InlineData("/api/v1/audit?objectId=a%00b")]
    [InlineData("/api/v1/audit/export?objectType=a%00b")]
    public async Task Search_ControlCharacter_IsNeverAServerError(string url)
    {
        using var api = factory.CreateApiClient();

        var response = await api.GetAsync(url);

        Assert.True((int)response.StatusCode < 500, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task AgentsHubHello_ControlCharacterInHostName_IsRefusedNamingTheField()
    {
        using var api = factory.CreateApiClient();
        var (server, enrolled, _) = await RemediationSetup.ServerWithAgentAsync(api);
        await using var hub = await SignalRTestClient.ConnectAsync(factory, enrolled.Credential, Shared.Agents.AgentHub.Path);

        var refused = await hub.InvokeRawAsync(Shared.Agents.AgentHub.Server.Hello, $$"""[{"agentId":"{{enrolled.AgentId}}","agentVersion":"1.0.0","connector":"postfix","hostName":"mx\u0000.example.com","openJobs":[]}]""");

        Assert.True(refused.TryGetProperty("error", out var error), refused.ToString());
        Assert.Contains("hostName contains the control character U+0000", error.GetString(), StringComparison.Ordinal);
        var status = await api.GetFromJsonAsync<Shared.Agents.AgentStatusDto>($"/api/v1/servers/{server.Id}/agent");
        Assert.DoesNotContain('\0', status!.HostName ?? string.Empty);
    }

    /// <summary>The request for <paramref name="target"/> with <paramref name="field"/> set to <paramref name="value"/> and everything else valid, and what to read back for an update.</summary>
    private async Task<(HttpMethod Method, string Url, JsonObject Body, string? ReadBack)> RequestAsync(HttpClient api, string target, string field, JsonNode value)
    {
        var unique = Guid.NewGuid().ToString("N")[..8];
        switch (target)
        {
            case "create-server":
                return (HttpMethod.Post, "/api/v1/servers", With(new JsonObject { ["name"] = "cc-" + unique, ["hostname"] = "mx.example.com", ["platform"] = "postfix" }, field, value), null);
            case "update-server":
            {
                var server = await CreateServerAsync(api, unique);
                return (HttpMethod.Put, $"/api/v1/servers/{server.Id}", With(new JsonObject { ["name"] = server.Name, ["hostname"] = server.Hostname, ["platform"] = server.Platform }, field, value), $"/api/v1/servers/{server.Id}");
            }

            case "create-token":
                return (HttpMethod.Post, "/api/v1/tokens", With([], field, value), null);
            case "create-user":
                return (HttpMethod.Post, "/api/v1/users", With(new JsonObject { ["userName"] = "cc" + unique, ["email"] = $"cc{unique}@example.test", ["password"] = "Cc-Pass-" + unique + "!", ["roles"] = new JsonArray("Viewer") }, field, value), null);
            case "update-user":
            {
                using var user = await factory.CreateUserAsync(Roles.Viewer);
                return (HttpMethod.Put, $"/api/v1/users/{user.Id}", With([], field, value), $"/api/v1/users/{user.Id}");
            }

            case "create-change-request":
            {
                var (server, _, check) = await RemediationSetup.ServerWithAgentAsync(api);
                return (HttpMethod.Post, "/api/v1/change-requests", With(ChangeRequestBody(server.Id, check), field, value), null);
            }

            case "update-change-request":
            {
                var (request, serverId, check) = await CreateChangeRequestAsync(api);
                return (HttpMethod.Put, $"/api/v1/change-requests/{request.Id}", With(ChangeRequestBody(serverId, check), field, value), $"/api/v1/change-requests/{request.Id}");
            }

            case "comment":
            {
                var (request, _, _) = await CreateChangeRequestAsync(api);
                return (HttpMethod.Post, $"/api/v1/change-requests/{request.Id}/comments", With([], field, value), $"/api/v1/change-requests/{request.Id}");
            }

            case "reject":
            {
                var (request, _, _) = await CreateChangeRequestAsync(api);
                return (HttpMethod.Post, $"/api/v1/change-requests/{request.Id}/reject", With([], field, value), $"/api/v1/change-requests/{request.Id}");
            }

            case "settings-snapshot":
            {
                var server = await CreateServerAsync(api, unique);
                return (HttpMethod.Post, $"/api/v1/servers/{server.Id}/settings-snapshots", With([], field, value), null);
            }

            case "enroll":
                return (HttpMethod.Post, "/api/v1/agents/enroll", With(new JsonObject { ["token"] = "bsce_" + new string('x', 43), ["hostName"] = "mx.example.com", ["connector"] = "postfix", ["agentVersion"] = "1.0.0", ["operatingSystem"] = "linux" }, field, value), null);
            default:
                throw new ArgumentOutOfRangeException(nameof(target), target, "No request for this target.");
        }
    }

    private static JsonObject ChangeRequestBody(Guid serverId, string check) =>
        new() { ["title"] = "Control characters", ["rationale"] = "Checks the input rules.", ["items"] = new JsonArray(new JsonObject { ["serverId"] = serverId, ["checkIds"] = new JsonArray(check) }) };

    private static JsonObject With(JsonObject body, string field, JsonNode value)
    {
        body[field] = value.DeepClone();
        return body;
    }

    private static async Task<ServerDto> CreateServerAsync(HttpClient api, string unique) =>
        (await (await api.PostAsJsonAsync("/api/v1/servers", new { name = "cc-" + unique, hostname = "mx.example.com", platform = "postfix" })).Content.ReadFromJsonAsync<ServerDto>())!;

    private static async Task<(ChangeRequestDto Request, Guid ServerId, string Check)> CreateChangeRequestAsync(HttpClient api)
    {
        var (server, _, check) = await RemediationSetup.ServerWithAgentAsync(api);
        var created = await api.PostAsJsonAsync("/api/v1/change-requests", ChangeRequestBody(server.Id, check));
        created.EnsureSuccessStatusCode();
        var request = (await created.Content.ReadFromJsonAsync<ChangeRequestDto>())!;

        // Reject needs a request in review; the author may submit their own.
        (await api.PostAsync($"/api/v1/change-requests/{request.Id}/submit", null)).EnsureSuccessStatusCode();
        return (request, server.Id, check);
    }

    /// <summary>A read-back without what a read itself may change (an API token's last use).</summary>
    private static string StripVolatile(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node.Remove("lastUsedAt");
        return node.ToJsonString();
    }

    private async Task<string> CountRowsAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var counts = new[]
        {
            await db.Servers.CountAsync(), await db.Users.CountAsync(), await db.ApiTokens.CountAsync(), await db.ChangeRequests.CountAsync(),
            await db.SettingsSnapshots.CountAsync(), await db.Agents.CountAsync(), await db.AuditEntries.CountAsync(),
            await db.Set<ChangeRequestCommentRecord>().CountAsync(),
        };
        return JsonSerializer.Serialize(counts);
    }
}
