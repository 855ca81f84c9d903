using System.Net;
using System.Net.Sockets;
using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Domain.Spf;
using BackscatterConsole.Domain.Tests.Fixtures;

namespace BackscatterConsole.Domain.Tests.Dns;

/// <summary>
/// The resolver against a real authoritative server (knotd): TCP when the UDP answer is truncated, CNAME chains across zones,
/// TXT strings joined, NXDOMAIN, NODATA and REFUSED told apart.
/// </summary>
[Collection(KnotCollection.Name)]
public sealed class KnotResolverTests(KnotFixture knot)
{
    [Fact]
    public async Task QueryAsync_AnswerOver1232Bytes_FallsBackToTcp()
    {
        using var resolver = knot.CreateResolver();

        var answer = await resolver.QueryAsync("big.test", DnsRecordType.TXT);

        Assert.Equal(DnsResponseStatus.Success, answer.Status);
        Assert.Equal(knot.Zones.BigTxt.Order(StringComparer.Ordinal), answer.RecordsOf<TxtRecord>().Select(r => r.Text).Order(StringComparer.Ordinal));
        Assert.True(knot.Zones.BigTxt.Sum(t => t.Length) > 1232);

        // One UDP message came back truncated, one TCP exchange carried the answer.
        Assert.Equal(2, answer.WireQueries);
    }

    [Fact]
    public async Task QueryAsync_CnameChainAcrossZones_ReturnsFinalRecords()
    {
        using var resolver = knot.CreateResolver();

        var answer = await resolver.QueryAsync("chain1.test", DnsRecordType.TXT);

        Assert.Equal(DnsResponseStatus.Success, answer.Status);
        Assert.Equal(["chain1.test → chain2.test", "chain2.test → spf.example", "spf.example → spf-final.test"], answer.CnameChain.Select(c => $"{c.Name} → {c.Target}"));
        Assert.Equal("v=spf1 ip4:198.51.100.0/24 -all", Assert.IsType<TxtRecord>(Assert.Single(answer.Records)).Text);
    }

    [Fact]
    public async Task QueryAsync_SplitTxtStrings_AreJoined()
    {
        using var resolver = knot.CreateResolver();

        var answer = await resolver.QueryAsync("split.test", DnsRecordType.TXT);

        var txt = Assert.IsType<TxtRecord>(Assert.Single(answer.Records));
        Assert.Equal(["v=spf1 ip4:192.0.2.1", " -all"], txt.Strings);
        Assert.Equal("v=spf1 ip4:192.0.2.1 -all", txt.Text);
    }

    [Fact]
    public async Task QueryAsync_2048BitDkimKey_ArrivesInOnePieceFromSplitStrings()
    {
        using var resolver = knot.CreateResolver();

        var answer = await resolver.QueryAsync("sel._domainkey.good.test", DnsRecordType.TXT);

        var txt = Assert.IsType<TxtRecord>(Assert.Single(answer.Records));
        Assert.True(txt.Strings.Count > 1);
        Assert.EndsWith(knot.Zones.Key2048, txt.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryAsync_MissingName_ReturnsNxDomain()
    {
        using var resolver = knot.CreateResolver();

        var answer = await resolver.QueryAsync("nothere.test", DnsRecordType.A);

        Assert.Equal(DnsResponseStatus.NxDomain, answer.Status);
    }

    [Fact]
    public async Task QueryAsync_ExistingNameOtherType_ReturnsNoData()
    {
        using var resolver = knot.CreateResolver();

        var answer = await resolver.QueryAsync("good.test", DnsRecordType.AAAA);

        Assert.Equal(DnsResponseStatus.NoData, answer.Status);
    }

    [Fact]
    public async Task QueryAsync_MxAndAddresses_AreParsed()
    {
        using var resolver = knot.CreateResolver();

        var mx = await resolver.QueryAsync("good.test", DnsRecordType.MX);
        var a = await resolver.QueryAsync("mx.good.test", DnsRecordType.A);
        var aaaa = await resolver.QueryAsync("mx.good.test", DnsRecordType.AAAA);

        Assert.Equal("mx.good.test", Assert.Single(mx.RecordsOf<MxRecord>()).Exchange);
        Assert.Equal(IPAddress.Parse("192.0.2.10"), Assert.Single(a.RecordsOf<AddressRecord>()).Address);
        Assert.Equal(IPAddress.Parse("2001:db8::10"), Assert.Single(aaaa.RecordsOf<AddressRecord>()).Address);
    }

    [Fact]
    public async Task QueryAsync_ZoneOutsideServer_ReturnsRefused()
    {
        using var resolver = knot.CreateResolver();

        var answer = await resolver.QueryAsync("example.org", DnsRecordType.A);

        Assert.Equal(DnsResponseStatus.Refused, answer.Status);
        Assert.True(answer.IsTemporaryFailure);
    }

    [Fact]
    public async Task CheckHostAsync_IncludeThroughCnameAcrossZones_Passes()
    {
        using var resolver = knot.CreateResolver();
        var spf = new SpfEvaluator(resolver);

        var evaluation = await spf.CheckHostAsync(IPAddress.Parse("198.51.100.7"), "cname.test", "user@cname.test");

        Assert.Equal(SpfResult.Pass, evaluation.Result);
        Assert.Equal("include:_spf.cname.test", evaluation.MatchedTerm);
        Assert.Equal(1, evaluation.Lookups);
    }

    [Fact]
    public async Task CheckHostAsync_SilentServer_IsTempError()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var resolver = new DnsResolver(new DnsResolverOptions { Servers = [silent.LocalEndPoint!.ToString()!], Timeout = TimeSpan.FromMilliseconds(200), Attempts = 1 });

        var evaluation = await new SpfEvaluator(resolver).CheckHostAsync(IPAddress.Parse("192.0.2.1"), "good.test", "a@good.test");

        Assert.Equal(SpfResult.TempError, evaluation.Result);
    }
}
