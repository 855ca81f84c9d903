using System.Net;
using System.Net.Http.Json;
using BackscatterConsole.Domain.Tests.Fixtures;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Servers;
using Microsoft.AspNetCore.Mvc;

namespace BackscatterConsole.Server.Tests.Dnsbl;

/// <summary>
/// dnsbl.listing in real scans: the console's resolver aimed at knotd playing the blocklist <c>bl.test</c>, plus a zone
/// whose own resolver is a loopback socket that never answers.
/// </summary>
public sealed class DnsblScanTests(KnotFixture knot) : IClassFixture<KnotFixture>, IDisposable
{
    private readonly System.Net.Sockets.UdpClient _blackHole = new(new IPEndPoint(IPAddress.Loopback, 0));

    [Fact]
    public async Task Scan_EgressAddressesListedCleanAndHostnameDefault_FailPassAndResolveTheHostname()
    {
        using var factory = Factory(withSilentZone: false);
        using var api = factory.CreateApiClient();
        var listed = await CreateAsync(api, "mx.example.com", ["192.0.2.66", "192.0.2.10"]);
        var byHostname = await CreateAsync(api, "listed-mx.test", []);

        var scan = await ScanApi.WaitUntilFinishedAsync(api, await ScanApi.StartAsync(api, listed.Id));
        var hostScan = await ScanApi.WaitUntilFinishedAsync(api, await ScanApi.StartAsync(api, byHostname.Id));

        var fail = Assert.Single(scan.Results, r => r.Id == "dnsbl.listing" && r.Subject == "192.0.2.66");
        Assert.Equal(CheckStatus.Fail, fail.Status);
        Assert.Contains(fail.Evidence, e => e.Contains("127.0.0.2 = listed for backscatter", StringComparison.Ordinal) && e.Contains("reason: Backscatter seen from 192.0.2.66", StringComparison.Ordinal));
        Assert.Contains("ask bl.test to delist", fail.Remediation, StringComparison.Ordinal);
        Assert.Equal(CheckStatus.Pass, Assert.Single(scan.Results, r => r.Id == "dnsbl.listing" && r.Subject == "192.0.2.10").Status);
        Assert.Equal(CheckStatus.Fail, Assert.Single(hostScan.Results, r => r.Id == "dnsbl.listing").Status);
        Assert.Equal("192.0.2.66", Assert.Single(hostScan.Results, r => r.Id == "dnsbl.listing").Subject);

        var inventory = await api.GetFromJsonAsync<Shared.Common.PagedResult<ServerDto>>("/api/v1/servers?check=dnsbl.listing&pageSize=200");
        Assert.Equal(new[] { listed.Id, byHostname.Id }.Order(), inventory!.Items.Select(s => s.Id).Order());
    }

    [Fact]
    public async Task Scan_AZoneTimesOut_TheAddressIsAnErrorNotAPass()
    {
        using var factory = Factory(withSilentZone: true);
        using var api = factory.CreateApiClient();
        var server = await CreateAsync(api, "mx.example.com", ["192.0.2.10"]);

        var scan = await ScanApi.WaitUntilFinishedAsync(api, await ScanApi.StartAsync(api, server.Id));

        var result = Assert.Single(scan.Results, r => r.Id == "dnsbl.listing");
        Assert.Equal(CheckStatus.Error, result.Status);
        Assert.Contains(result.Evidence, e => e.StartsWith("silent.test: no usable answer", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreateServer_EgressAddressNotAnIp_ProblemDetailsOnThatEntryAndCanonicalFormOtherwise()
    {
        using var factory = Factory(withSilentZone: false);
        using var api = factory.CreateApiClient();

        var bad = await api.PostAsJsonAsync("/api/v1/servers", new { name = "bad-egress", hostname = "mx.example.com", platform = "postfix", egressAddresses = new[] { "192.0.2.1", "mx.example.com", "10" } });
        var good = await CreateAsync(api, "mx.example.com", ["2001:DB8::0:25", "::ffff:192.0.2.5", "192.0.2.5"]);

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadFromJsonAsync<ValidationProblemDetails>();
        Assert.Equal(["egressAddresses[1]", "egressAddresses[2]"], problem!.Errors.Keys.Order());
        Assert.Equal(["2001:db8::25", "192.0.2.5"], good.EgressAddresses);
        var read = await api.GetFromJsonAsync<ServerDto>($"/api/v1/servers/{good.Id}");
        Assert.Equal(["2001:db8::25", "192.0.2.5"], read!.EgressAddresses);
    }

    public void Dispose() => _blackHole.Dispose();

    private AppFactory Factory(bool withSilentZone)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Dns:Servers:0"] = knot.Endpoint,
            ["Dns:Timeout"] = "00:00:00.500",
            ["Dns:Attempts"] = "1",
            ["Dnsbl:Enabled"] = "true",
            ["Dnsbl:Zones:0:Zone"] = "bl.test",
            ["Dnsbl:Zones:0:Name"] = "Test backscatter list",
            ["Dnsbl:Zones:0:Codes:127.0.0.2"] = "listed for backscatter",
            ["Dnsbl:Zones:0:DelistingAdvice"] = "Stop bouncing, then ask bl.test to delist.",
        };
        if (withSilentZone)
        {
            settings["Dnsbl:Zones:1:Zone"] = "silent.test";
            settings["Dnsbl:Zones:1:Name"] = "Silent list";
            settings["Dnsbl:Zones:1:Servers:0"] = "127.0.0.1:" + ((IPEndPoint)_blackHole.Client.LocalEndPoint!).Port;
        }

        return new AppFactory { Settings = settings };
    }

    private static async Task<ServerDto> CreateAsync(HttpClient api, string hostname, string[] egress)
    {
        var response = await api.PostAsJsonAsync("/api/v1/servers", new { name = "bl-" + Guid.NewGuid().ToString("N")[..6], hostname, platform = "postfix", egressAddresses = egress });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ServerDto>())!;
    }
}
