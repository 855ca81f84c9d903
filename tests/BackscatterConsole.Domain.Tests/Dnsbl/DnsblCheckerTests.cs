using System.Net;
using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Domain.Dnsbl;
using BackscatterConsole.Domain.Tests.Fixtures;
using BackscatterConsole.Shared.Checks;

namespace BackscatterConsole.Domain.Tests.Dnsbl;

/// <summary>
/// dnsbl.listing against a real knotd on loopback playing a blocklist (<c>bl.test</c>), and a zone whose resolver times
/// out (a loopback UDP socket that receives queries and never answers).
/// </summary>
[Collection(KnotCollection.Name)]
public sealed class DnsblCheckerTests(KnotFixture knot) : IDisposable
{
    private static readonly DnsblZone Listing = new()
    {
        Zone = "bl.test",
        Name = "Test backscatter list",
        Codes = new() { ["127.0.0.2"] = "listed for backscatter" },
        ErrorCodes = new() { ["127.255.255.254"] = "query through a public resolver refused" },
        DelistingAdvice = "Stop bouncing, then ask bl.test to delist.",
    };

    private readonly DnsResolver _resolver = knot.CreateResolver(cache: false);
    private readonly System.Net.Sockets.UdpClient _blackHole = new(new IPEndPoint(IPAddress.Loopback, 0));
    private DnsResolver? _silent;

    [Fact]
    public async Task CheckAsync_ListedAddress_FailsWithTheCodeMeaningTheTxtReasonAndTheDelistingAdvice()
    {
        var result = await Checker().CheckAsync(IPAddress.Parse("192.0.2.66"), [Listing], CancellationToken.None);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Equal(CheckCatalog.Title(DnsblChecker.Id, CheckStatus.Fail), result.Title);
        var evidence = Assert.Single(result.Evidence);
        Assert.Contains("LISTED 66.2.0.192.bl.test → 127.0.0.2 = listed for backscatter", evidence, StringComparison.Ordinal);
        Assert.Contains("reason: Backscatter seen from 192.0.2.66", evidence, StringComparison.Ordinal);
        Assert.Contains("Stop bouncing, then ask bl.test to delist.", result.Remediation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_ListedIpv6Address_IsLookedUpByNibbles()
    {
        var result = await Checker().CheckAsync(IPAddress.Parse("2001:db8::66"), [Listing], CancellationToken.None);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("no TXT reason", result.Evidence[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_AddressNotInTheZone_PassesOnNxdomain()
    {
        var result = await Checker().CheckAsync(IPAddress.Parse("192.0.2.10"), [Listing], CancellationToken.None);

        Assert.Equal(CheckStatus.Pass, result.Status);
        Assert.Contains("NXDOMAIN", result.Evidence[0], StringComparison.Ordinal);
        Assert.Null(result.Remediation);
    }

    [Fact]
    public async Task CheckAsync_ZoneThatTimesOut_IsAnErrorNeverNotListed()
    {
        var silentZone = new DnsblZone { Zone = "silent.test", Name = "Silent list", Servers = [BlackHole] };

        var result = await Checker().CheckAsync(IPAddress.Parse("192.0.2.10"), [Listing, silentZone], CancellationToken.None);

        Assert.Equal(CheckStatus.Error, result.Status);
        Assert.Contains("Silent list", result.Summary, StringComparison.Ordinal);
        Assert.Contains(result.Evidence, e => e.StartsWith("silent.test: no usable answer", StringComparison.Ordinal) && e.Contains("Timeout", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CheckAsync_ListedOnOneZoneWhileAnotherTimesOut_StillFails()
    {
        var silentZone = new DnsblZone { Zone = "silent.test", Name = "Silent list", Servers = [BlackHole] };

        var result = await Checker().CheckAsync(IPAddress.Parse("192.0.2.66"), [Listing, silentZone], CancellationToken.None);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("1 other zone(s) did not answer", result.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("192.0.2.77", "refused to judge")]
    [InlineData("192.0.2.88", "outside 127.0.0.0/8")]
    public async Task CheckAsync_RefusalCodeOrRewrittenAnswer_IsAnError(string address, string expected)
    {
        var result = await Checker().CheckAsync(IPAddress.Parse(address), [Listing], CancellationToken.None);

        Assert.Equal(CheckStatus.Error, result.Status);
        Assert.Contains(expected, result.Evidence[0], StringComparison.Ordinal);
    }

    [Fact]
    public void QueryName_Ipv4AndIpv6_ReverseOctetsAndNibbles()
    {
        Assert.Equal("4.3.2.1.zen.spamhaus.org", DnsblChecker.QueryName(IPAddress.Parse("1.2.3.4"), "zen.spamhaus.org."));
        Assert.Equal("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test", DnsblChecker.QueryName(IPAddress.Parse("2001:db8::1"), "bl.test"));
        Assert.Equal("4.3.2.1.bl.test", DnsblChecker.QueryName(IPAddress.Parse("::ffff:1.2.3.4"), "bl.test"));
    }

    public void Dispose()
    {
        _resolver.Dispose();
        _silent?.Dispose();
        _blackHole.Dispose();
    }

    private string BlackHole => "127.0.0.1:" + ((IPEndPoint)_blackHole.Client.LocalEndPoint!).Port;

    private DnsblChecker Checker() => new(_resolver, zone =>
        _silent ??= new DnsResolver(new DnsResolverOptions { Servers = zone.Servers, Timeout = TimeSpan.FromMilliseconds(300), Attempts = 1, CacheEnabled = false }));
}
