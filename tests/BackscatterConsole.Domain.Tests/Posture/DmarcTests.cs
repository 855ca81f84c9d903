using BackscatterConsole.Domain.Posture;
using BackscatterConsole.Domain.Tests.Fixtures;

namespace BackscatterConsole.Domain.Tests.Posture;

public sealed class DmarcTests
{
    [Fact]
    public void WalkNames_ShortName_QueriesEveryParentDownToTheTld()
    {
        Assert.Equal(["a.b.example.com", "b.example.com", "example.com", "com"], DmarcDiscovery.WalkNames("a.b.example.com"));
    }

    [Fact]
    public void WalkNames_EightLabelsOrMore_JumpsToSevenAndStopsAtEightQueries()
    {
        var names = DmarcDiscovery.WalkNames("1.2.3.4.5.6.7.8.9.example");

        Assert.Equal("1.2.3.4.5.6.7.8.9.example", names[0]);
        Assert.Equal("4.5.6.7.8.9.example", names[1]);
        Assert.Equal(8, names.Count);
        Assert.Equal("example", names[^1]);
    }

    [Fact]
    public async Task DiscoverAsync_PsdYesAbove_OrganizationalDomainIsOneLabelBelow()
    {
        var zone = new InMemoryDnsResolver()
            .Txt("_dmarc.gov.example", "v=DMARC1; p=reject; psd=y")
            .Exists("mail.agency.gov.example");

        var result = await new DmarcDiscovery(zone).DiscoverAsync("mail.agency.gov.example");

        Assert.Equal("gov.example", result.PolicyDomain);
        Assert.Equal("agency.gov.example", result.OrganizationalDomain);
    }

    [Fact]
    public async Task DiscoverAsync_PsdNo_StopsAtThatDomain()
    {
        var zone = new InMemoryDnsResolver()
            .Txt("_dmarc.sub.example.com", "v=DMARC1; p=none; psd=n")
            .Txt("_dmarc.example.com", "v=DMARC1; p=reject");

        var result = await new DmarcDiscovery(zone).DiscoverAsync("a.sub.example.com");

        Assert.Equal("sub.example.com", result.PolicyDomain);
        Assert.Equal("sub.example.com", result.OrganizationalDomain);
    }

    [Fact]
    public async Task DiscoverAsync_NoPsdTags_OrganizationalDomainIsShortestWithRecord()
    {
        var zone = new InMemoryDnsResolver()
            .Txt("_dmarc.sub.example.com", "v=DMARC1; p=none")
            .Txt("_dmarc.example.com", "v=DMARC1; p=reject");

        var result = await new DmarcDiscovery(zone).DiscoverAsync("sub.example.com");

        Assert.Equal("sub.example.com", result.PolicyDomain);
        Assert.Equal("example.com", result.OrganizationalDomain);
    }

    [Fact]
    public async Task DiscoverAsync_Timeout_ReportsTemporaryError()
    {
        var zone = new InMemoryDnsResolver().Timeout("_dmarc.example.com");

        var result = await new DmarcDiscovery(zone).DiscoverAsync("example.com");

        Assert.NotNull(result.TemporaryError);
        Assert.Null(result.Record);
    }

    [Theory]
    [InlineData("v=DMARC1; p=reject; sp=none; np=quarantine; pct=50; rua=mailto:a@x.example,mailto:b@y.example!10m; t=y; psd=n")]
    [InlineData("v=DMARC1;p=reject;rua=mailto:a@x.example;pct=50;sp=none;np=quarantine;t=y;psd=n")]
    public void TryParse_FullRecord_ReadsEveryTag(string text)
    {
        Assert.True(DmarcRecord.TryParse(text, out var record, out var error), error);

        Assert.Equal(DmarcPolicy.Reject, record!.Policy);
        Assert.Equal(DmarcPolicy.None, record.SubdomainPolicy);
        Assert.Equal(DmarcPolicy.Quarantine, record.NonExistentPolicy);
        Assert.Equal(50, record.Percent);
        Assert.True(record.Testing);
        Assert.Equal('n', record.Psd);
        Assert.Equal("x.example", DmarcRecord.MailtoDomain(record.AggregateReportUris[0]));
    }

    [Theory]
    [InlineData("p=reject; v=DMARC1", "start")]
    [InlineData("v=DMARC1; p=block", "p=block")]
    [InlineData("v=DMARC1; p=reject; pct=150", "pct")]
    [InlineData("v=DMARC1; p=reject; p=none", "twice")]
    [InlineData("v=DMARC1; garbage", "tag=value")]
    public void TryParse_InvalidRecord_ExplainsWhy(string text, string fragment)
    {
        Assert.False(DmarcRecord.TryParse(text, out _, out var error));
        Assert.Contains(fragment, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_NoPolicyTag_IsNoneButFlagged()
    {
        Assert.True(DmarcRecord.TryParse("v=DMARC1; rua=mailto:a@example.com", out var record, out _));
        Assert.False(record!.PolicyPresent);
        Assert.Equal(DmarcPolicy.None, record.Policy);
    }

    [Fact]
    public async Task DiscoverAsync_ParentTimesOutAfterOwnRecord_KeepsThePolicy()
    {
        var zone = new InMemoryDnsResolver()
            .Txt("_dmarc.example.com", "v=DMARC1; p=reject")
            .Timeout("_dmarc.com");

        var result = await new DmarcDiscovery(zone).DiscoverAsync("example.com");

        Assert.Null(result.TemporaryError);
        Assert.Equal("example.com", result.PolicyDomain);
        Assert.Contains(result.Queries, q => q.StartsWith("_dmarc.com TXT → Timeout", StringComparison.Ordinal));
    }
}
