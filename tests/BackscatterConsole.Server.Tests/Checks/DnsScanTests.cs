using System.Net.Http.Json;
using BackscatterConsole.Domain.Tests.Fixtures;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Checks;

namespace BackscatterConsole.Server.Tests.Checks;

/// <summary>The DNS family of a scan, through the real posture engine against zones served by a real knotd.</summary>
public sealed class DnsScanTests(KnotFixture knot) : IClassFixture<KnotFixture>
{
    [Fact]
    public async Task Scan_DomainsServedByKnot_ReportsPostureOfEachDomainWithTheDomainAsSubject()
    {
        using var factory = new AppFactory { Settings = { ["Dns:Servers:0"] = knot.Endpoint, ["Dns:Timeout"] = "00:00:02", ["Dns:Attempts"] = "2" } };
        using var api = factory.CreateApiClient();
        var response = await api.PostAsJsonAsync("/api/v1/servers", new
        {
            name = "dns-" + Guid.NewGuid().ToString("N")[..6],
            hostname = "mx.good.test",
            platform = "postfix",
            domains = new object[] { new { name = "good.test", dkimSelectors = new[] { "sel" } }, new { name = "nospf.test" } },
        });
        response.EnsureSuccessStatusCode();
        var server = (await response.Content.ReadFromJsonAsync<Shared.Servers.ServerDto>())!;

        var scan = await ScanApi.WaitUntilFinishedAsync(api, await ScanApi.StartAsync(api, server.Id));

        Assert.Equal(ScanStatuses.Completed, scan.Status);
        ScanResultDto Dns(string domain, string id) => Assert.Single(scan.Results, r => r.Source == CheckSources.Dns && r.Subject == domain && r.Id == id);
        Assert.Equal(CheckStatus.Pass, Dns("good.test", "spf.record").Status);
        Assert.Equal(CheckStatus.Pass, Dns("good.test", "dkim.sel").Status);
        Assert.Equal(CheckStatus.Pass, Dns("good.test", "dmarc.record").Status);
        Assert.Equal(CheckStatus.Pass, Dns("good.test", "mx.resolvable").Status);
        var missing = Dns("nospf.test", "spf.record");
        Assert.Equal(CheckStatus.Fail, missing.Status);
        Assert.NotNull(missing.Remediation);

        var checklist = (await api.GetFromJsonAsync<ChecklistDto>($"/api/v1/servers/{server.Id}/checklist"))!;
        Assert.Contains(checklist.Families, f => f.Family == "spf" && f.Worst == CheckStatus.Fail);
        Assert.Contains(checklist.Families, f => f.Family == "dmarc");
    }

    [Fact]
    public async Task Scan_NoDnsServerAnswers_DnsChecksAreErrorsNeverPass()
    {
        using var factory = new AppFactory();
        using var api = factory.CreateApiClient();
        var server = await ScanApi.CreateServerAsync(api, domains: ["good.test"]);

        var scan = await ScanApi.WaitUntilFinishedAsync(api, await ScanApi.StartAsync(api, server.Id));

        var dns = scan.Results.Where(r => r.Source == CheckSources.Dns).ToList();
        Assert.NotEmpty(dns);
        Assert.DoesNotContain(dns, r => r.Status == CheckStatus.Pass);
        Assert.Contains(dns, r => r.Id == "spf.record" && r.Status == CheckStatus.Error);
    }
}
