using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BackscatterConsole.Shared.Servers;

namespace BackscatterConsole.Server.Tests.Posture;

/// <summary>The DNS posture API against a real knotd serving the test zones (the pages have bUnit tests).</summary>
public sealed class PostureApiTests(PostureFixture fixture) : IClassFixture<PostureFixture>
{
    private readonly HttpClient _api = fixture.App.CreateApiClient();

    [Fact]
    public async Task DnsChecks_GoodDomain_PassesEveryFamilyWithEvidence()
    {
        var response = await _api.PostAsJsonAsync("/api/v1/dns-checks", new { domain = "good.test", dkimSelectors = new[] { "sel" } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("good.test", json.GetProperty("domain").GetString());
        Assert.True(json.TryGetProperty("checkedAt", out _));
        var checks = json.GetProperty("checks").EnumerateArray().ToList();
        foreach (var family in new[] { "spf.", "dkim.", "dmarc.", "mx." })
        {
            Assert.Contains(checks, c => c.GetProperty("id").GetString()!.StartsWith(family, StringComparison.Ordinal));
        }

        Assert.All(checks, c =>
        {
            Assert.NotEqual("fail", c.GetProperty("status").GetString());
            Assert.NotEqual("error", c.GetProperty("status").GetString());
            foreach (var field in new[] { "id", "status", "severity", "title", "evidence", "remediation" })
            {
                Assert.True(c.TryGetProperty(field, out _), field);
            }
        });
        Assert.Contains(checks, c => c.GetProperty("id").GetString() == "spf.record" && c.GetProperty("evidence").ToString().Contains("v=spf1", StringComparison.Ordinal));
        Assert.True(json.GetProperty("spfTree").GetProperty("totalLookups").GetInt32() > 0);
    }

    [Fact]
    public async Task DnsChecks_PlusAll_FailsWithTheRecordToPublish()
    {
        var json = JsonDocument.Parse(await (await _api.PostAsJsonAsync("/api/v1/dns-checks", new { domain = "plusall.test" })).Content.ReadAsStringAsync()).RootElement;

        var all = json.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "spf.all");
        Assert.Equal("fail", all.GetProperty("status").GetString());
        Assert.Contains("-all", all.GetProperty("remediation").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a domain")]
    [InlineData("")]
    public async Task DnsChecks_InvalidDomain_Returns400(string domain)
    {
        var response = await _api.PostAsJsonAsync("/api/v1/dns-checks", new { domain });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("domain", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DnsChecks_LabelOver63Octets_Returns400()
    {
        var response = await _api.PostAsJsonAsync("/api/v1/dns-checks", new { domain = new string('a', 64) + ".test" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task SpfEvaluate_AuthorizedAddress_PassesWithTrace()
    {
        var response = await _api.PostAsJsonAsync("/api/v1/spf/evaluate", new { domain = "good.test", ip = "192.0.2.10" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("pass", json.GetProperty("result").GetString());
        Assert.True(json.GetProperty("lookups").GetInt32() >= 1);
        Assert.Equal(0, json.GetProperty("voidLookups").GetInt32());
        Assert.NotEmpty(json.GetProperty("trace").EnumerateArray());
        Assert.True(json.TryGetProperty("explanation", out _));
    }

    [Fact]
    public async Task SpfEvaluate_StrangerAddress_FailsWithExplanation()
    {
        var json = JsonDocument.Parse(await (await _api.PostAsJsonAsync("/api/v1/spf/evaluate", new { domain = "good.test", ip = "198.51.100.7", sender = "someone@good.test" })).Content.ReadAsStringAsync()).RootElement;

        Assert.Equal("fail", json.GetProperty("result").GetString());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("explanation").GetString()));
    }

    [Theory]
    [InlineData("good.test", "300.1.1.1", "ip")]
    [InlineData("good.test", "not-an-ip", "ip")]
    [InlineData("bad domain", "192.0.2.1", "domain")]
    public async Task SpfEvaluate_BadInput_Returns400NamingTheField(string domain, string ip, string field)
    {
        var response = await _api.PostAsJsonAsync("/api/v1/spf/evaluate", new { domain, ip });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _));
    }

    [Fact]
    public async Task ServerPosture_ChecksEveryHostedDomainWithItsSelectors()
    {
        var created = await _api.PostAsJsonAsync("/api/v1/servers", new
        {
            name = "posture-" + Guid.NewGuid().ToString("N")[..6],
            hostname = "mx.good.test",
            platform = "postfix",
            domains = new object[] { new { name = "good.test", dkimSelectors = new[] { "sel", "revoked" } }, new { name = "nospf.test" } },
        });
        var server = await created.Content.ReadFromJsonAsync<ServerDto>();

        var json = JsonDocument.Parse(await _api.GetStringAsync($"/api/v1/servers/{server!.Id}/posture")).RootElement;

        Assert.Equal(["good.test", "nospf.test"], json.EnumerateArray().Select(r => r.GetProperty("domain").GetString()));
        var good = json[0].GetProperty("checks").EnumerateArray().ToList();
        Assert.Contains(good, c => c.GetProperty("id").GetString() == "dkim.revoked" && c.GetProperty("status").GetString() == "fail");
        Assert.Contains(json[1].GetProperty("checks").EnumerateArray(), c => c.GetProperty("id").GetString() == "spf.record" && c.GetProperty("status").GetString() == "fail");
        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetAsync($"/api/v1/servers/{Guid.NewGuid()}/posture")).StatusCode);
    }
}
