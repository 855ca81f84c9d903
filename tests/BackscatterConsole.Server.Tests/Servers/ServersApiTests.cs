using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Servers;

namespace BackscatterConsole.Server.Tests.Servers;

public class ServersApiTests(AppFactory factory) : IClassFixture<AppFactory>
{
    private readonly HttpClient _api = factory.CreateApiClient();

    private static object NewServer(string name, string platform = "postfix", params string[] tags) => new
    {
        name,
        hostname = $"{name}.example.com",
        platform,
        version = "3.8.6",
        smtpHost = "127.0.0.1",
        smtpPort = 2525,
        probeEnabled = true,
        domains = new[] { new { name = $"{name}.example.com", dkimSelectors = new[] { "s1", "s2" } } },
        tags,
        notes = "primary inbound",
    };

    private async Task<(ServerDto Server, string ETag)> CreateAsync(object body)
    {
        var response = await _api.PostAsJsonAsync("/api/v1/servers", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return ((await response.Content.ReadFromJsonAsync<ServerDto>())!, response.Headers.ETag!.Tag);
    }

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Create_ValidServer_Returns201WithResourceAndLocation()
    {
        var name = Unique("mx");
        var response = await _api.PostAsJsonAsync("/api/v1/servers", NewServer(name, "carbonio", "eu", "prod"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        foreach (var field in new[] { "id", "name", "hostname", "platform", "version", "smtpHost", "smtpPort", "probeEnabled", "domains", "tags", "notes", "createdAt", "updatedAt" })
        {
            Assert.True(json.TryGetProperty(field, out _), $"missing {field}");
        }

        Assert.Equal("carbonio", json.GetProperty("platform").GetString());
        Assert.Equal(2525, json.GetProperty("smtpPort").GetInt32());
        Assert.Equal("s2", json.GetProperty("domains")[0].GetProperty("dkimSelectors")[1].GetString());
        Assert.EndsWith($"/api/v1/servers/{json.GetProperty("id").GetString()}", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal("\"1\"", response.Headers.ETag!.Tag);
    }

    [Fact]
    public async Task Create_MinimalServer_AppliesDefaults()
    {
        var name = Unique("min");
        var (server, _) = await CreateAsync(new { name, hostname = "Mail.Example.org", platform = "other" });

        Assert.Equal("mail.example.org", server.SmtpHost);
        Assert.Equal(25, server.SmtpPort);
        Assert.False(server.ProbeEnabled);
        Assert.Empty(server.Domains);
    }

    [Fact]
    public async Task Create_InvalidFields_Returns400WithPerFieldErrorsAndStoresNothing()
    {
        var name = Unique("bad");
        var response = await _api.PostAsJsonAsync("/api/v1/servers", new
        {
            name,
            hostname = "not a host",
            platform = "sendmail",
            smtpPort = 70000,
            notes = new string('x', 5000),
            domains = new[] { new { name = "dup.example.com" }, new { name = "DUP.example.com" } },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.Equal(
            ["domains[1].name", "hostname", "notes", "platform", "smtpPort"],
            errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

        var list = await _api.GetFromJsonAsync<PagedResult<ServerDto>>($"/api/v1/servers?q={name}");
        Assert.Equal(0, list!.Total);
    }

    [Fact]
    public async Task Create_OverLongLabel_IsRejected()
    {
        var response = await _api.PostAsJsonAsync("/api/v1/servers", new { name = Unique("long"), hostname = new string('a', 64) + ".example.com", platform = "postfix" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 63", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_DuplicateNameIgnoringCase_Returns409()
    {
        var name = Unique("Dup");
        await CreateAsync(NewServer(name));

        var response = await _api.PostAsJsonAsync("/api/v1/servers", NewServer(name.ToUpperInvariant()));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("already exists", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_MalformedJson_Returns400ProblemSayingWhere()
    {
        var response = await _api.PostAsync("/api/v1/servers", new StringContent("{\"name\": \"x\", ", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("not valid JSON", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WrongJsonType_Returns400()
    {
        var response = await _api.PostAsync("/api/v1/servers", new StringContent("{\"name\":\"x\",\"hostname\":\"a.b\",\"platform\":\"postfix\",\"smtpPort\":\"twenty-five\"}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("smtpPort", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_OversizedBody_Returns413()
    {
        var body = "{\"name\":\"big\",\"notes\":\"" + new string('x', 2 * 1024 * 1024) + "\"}";
        var response = await _api.PostAsync("/api/v1/servers", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Get_UnknownId_Returns404Problem()
    {
        var response = await _api.GetAsync($"/api/v1/servers/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Update_WithCurrentETag_ReplacesAndBumpsRevision()
    {
        var name = Unique("upd");
        var (server, etag) = await CreateAsync(NewServer(name));

        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/servers/{server.Id}")
        {
            Content = JsonContent.Create(new { name = name + "-renamed", hostname = "new.example.com", platform = "zimbra", domains = new[] { new { name = "b.example.com" } }, tags = new[] { "moved" } }),
        };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue(etag));
        var response = await _api.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var updated = (await response.Content.ReadFromJsonAsync<ServerDto>())!;
        Assert.Equal(name + "-renamed", updated.Name);
        Assert.Equal("zimbra", updated.Platform);
        Assert.Equal(["b.example.com"], updated.Domains.Select(d => d.Name));
        Assert.Equal(["moved"], updated.Tags);
        Assert.Equal(2, updated.Revision);
        Assert.Equal("\"2\"", response.Headers.ETag!.Tag);
        Assert.True(updated.UpdatedAt >= server.UpdatedAt);
    }

    [Fact]
    public async Task Update_StaleETag_Returns412AndKeepsTheFirstWrite()
    {
        var name = Unique("race");
        var (server, etag) = await CreateAsync(NewServer(name));
        var first = await PutAsync(server.Id, etag, new { name, hostname = "first.example.com", platform = "postfix" });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        var second = await PutAsync(server.Id, etag, new { name, hostname = "second.example.com", platform = "postfix" });

        Assert.Equal(HttpStatusCode.PreconditionFailed, second.StatusCode);
        var current = await _api.GetFromJsonAsync<ServerDto>($"/api/v1/servers/{server.Id}");
        Assert.Equal("first.example.com", current!.Hostname);
    }

    [Fact]
    public async Task Update_WithoutIfMatch_Returns428()
    {
        var (server, _) = await CreateAsync(NewServer(Unique("nomatch")));

        var response = await _api.PutAsJsonAsync($"/api/v1/servers/{server.Id}", new { name = "x", hostname = "x.example.com", platform = "postfix" });

        Assert.Equal((HttpStatusCode)428, response.StatusCode);
    }

    [Fact]
    public async Task Update_ConcurrentWritersWithSameETag_ExactlyOneWins()
    {
        var name = Unique("para");
        var (server, etag) = await CreateAsync(NewServer(name));

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            PutAsync(server.Id, etag, new { name, hostname = $"w{i}.example.com", platform = "postfix" })));

        Assert.Equal(1, results.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.All(results.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.PreconditionFailed, r.StatusCode));
    }

    [Fact]
    public async Task Delete_ThenGet_Returns404()
    {
        var (server, etag) = await CreateAsync(NewServer(Unique("del")));
        using var stale = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/servers/{server.Id}");
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"99\""));
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await _api.SendAsync(stale)).StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/servers/{server.Id}");
        request.Headers.IfMatch.Add(new EntityTagHeaderValue(etag));
        Assert.Equal(HttpStatusCode.NoContent, (await _api.SendAsync(request)).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetAsync($"/api/v1/servers/{server.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.DeleteAsync($"/api/v1/servers/{server.Id}")).StatusCode);
    }

    [Fact]
    public async Task List_FiltersSortsAndPages()
    {
        var tag = Unique("t");
        foreach (var (name, platform) in new[] { ("c", "postfix"), ("a", "postfix"), ("b", "mailenable"), ("d", "postfix") })
        {
            await CreateAsync(NewServer($"{tag}-{name}", platform, tag));
        }

        var byTag = await _api.GetFromJsonAsync<PagedResult<ServerDto>>($"/api/v1/servers?tag={tag}&pageSize=2&page=2");
        Assert.Equal(4, byTag!.Total);
        Assert.Equal([$"{tag}-c", $"{tag}-d"], byTag.Items.Select(s => s.Name));

        var byPlatform = await _api.GetFromJsonAsync<PagedResult<ServerDto>>($"/api/v1/servers?tag={tag}&platform=mailenable");
        Assert.Equal([$"{tag}-b"], byPlatform!.Items.Select(s => s.Name));

        var descending = await _api.GetFromJsonAsync<PagedResult<ServerDto>>($"/api/v1/servers?tag={tag}&sort=-name");
        Assert.Equal($"{tag}-d", descending!.Items[0].Name);

        var search = await _api.GetFromJsonAsync<PagedResult<ServerDto>>($"/api/v1/servers?q={tag.ToUpperInvariant()}-A");
        Assert.Equal([$"{tag}-a"], search!.Items.Select(s => s.Name));

        var byDomain = await _api.GetFromJsonAsync<PagedResult<ServerDto>>($"/api/v1/servers?q={tag}-b.example");
        Assert.Equal([$"{tag}-b"], byDomain!.Items.Select(s => s.Name));
    }

    [Theory]
    [InlineData("page=0")]
    [InlineData("pageSize=500")]
    [InlineData("sort=color")]
    [InlineData("platform=sendmail")]
    public async Task List_BadQuery_Returns400(string query)
    {
        var response = await _api.GetAsync($"/api/v1/servers?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    private async Task<HttpResponseMessage> PutAsync(Guid id, string etag, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/servers/{id}") { Content = JsonContent.Create(body) };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue(etag));
        return await _api.SendAsync(request);
    }
}
