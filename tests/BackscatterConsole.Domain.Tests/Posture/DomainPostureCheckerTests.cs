using BackscatterConsole.Domain.Posture;
using BackscatterConsole.Domain.Tests.Fixtures;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Posture;

namespace BackscatterConsole.Domain.Tests.Posture;

public sealed class DomainPostureCheckerTests
{
    private static InMemoryDnsResolver GoodZone(string domain = "example.com", string spf = "v=spf1 mx -all") => new InMemoryDnsResolver()
        .Txt(domain, spf)
        .Mx(domain, 10, "mx." + domain)
        .A("mx." + domain, "192.0.2.25")
        .Txt("_dmarc." + domain, "v=DMARC1; p=reject; rua=mailto:dmarc@" + domain);

    [Fact]
    public async Task CheckAsync_RedirectToSoftfail_PointsRemediationAtRedirectTarget()
    {
        var zone = GoodZone(spf: "v=spf1 redirect=_spf.example.net")
            .Txt("_spf.example.net", "v=spf1 ip4:192.0.2.0/24 ~all");

        var report = await new DomainPostureChecker(zone).CheckAsync("example.com");

        var all = report.Checks.Single(c => c.Id == PostureCheckIds.SpfAll);
        Assert.Equal(CheckStatus.Warn, all.Status);
        Assert.Contains("_spf.example.net. IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"", all.Remediation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_SpfLookupTimesOut_SpfChecksAreErrorOthersStillRun()
    {
        var zone = new InMemoryDnsResolver()
            .Timeout("example.com")
            .Txt("_dmarc.example.com", "v=DMARC1; p=reject; rua=mailto:d@example.com");

        var report = await new DomainPostureChecker(zone).CheckAsync("example.com");

        Assert.All(report.Checks.Where(c => c.Id.StartsWith("spf.", StringComparison.Ordinal)), c => Assert.Equal(CheckStatus.Error, c.Status));
        Assert.Equal(4, report.Checks.Count(c => c.Id.StartsWith("spf.", StringComparison.Ordinal)));
        Assert.Equal(CheckStatus.Pass, report.Checks.Single(c => c.Id == PostureCheckIds.DmarcPolicy).Status);
        Assert.Equal(CheckStatus.Error, report.Checks.Single(c => c.Id == PostureCheckIds.MxRecords).Status);
    }

    [Fact]
    public async Task CheckAsync_UnicodeDomain_IsCheckedInALabelForm()
    {
        var zone = GoodZone("xn--bcher-kva.example");

        var report = await new DomainPostureChecker(zone).CheckAsync("Bücher.example");

        Assert.Equal("xn--bcher-kva.example", report.Domain);
        Assert.Equal(CheckStatus.Pass, report.Checks.Single(c => c.Id == PostureCheckIds.SpfRecord).Status);
    }

    [Theory]
    [InlineData("not a domain")]
    [InlineData("-bad.example")]
    [InlineData("")]
    public async Task CheckAsync_InvalidDomain_ThrowsArgumentException(string domain)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => new DomainPostureChecker(new InMemoryDnsResolver()).CheckAsync(domain));
    }

    [Fact]
    public async Task CheckAsync_InvalidSelector_ThrowsArgumentException()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => new DomainPostureChecker(GoodZone()).CheckAsync("example.com", ["bad selector"]));
    }

    [Fact]
    public async Task CheckAsync_NoSpfRecord_OnlyRecordCheckWithSuggestedRecord()
    {
        var zone = new InMemoryDnsResolver()
            .Txt("example.com", "google-site-verification=abc")
            .Mx("example.com", 10, "mx.example.com")
            .A("mx.example.com", "192.0.2.25");

        var report = await new DomainPostureChecker(zone).CheckAsync("example.com");

        var spf = Assert.Single(report.Checks, c => c.Id.StartsWith("spf.", StringComparison.Ordinal));
        Assert.Equal(CheckStatus.Fail, spf.Status);
        Assert.Contains("example.com. IN TXT \"v=spf1 mx -all\"", spf.Remediation, StringComparison.Ordinal);
        Assert.Null(report.SpfTree);
    }

    [Fact]
    public async Task CheckAsync_IncludedPlusAll_FailsAsEveryonePasses()
    {
        var zone = GoodZone(spf: "v=spf1 include:lax.example.net -all")
            .Txt("lax.example.net", "v=spf1 +all");

        var report = await new DomainPostureChecker(zone).CheckAsync("example.com");

        var all = report.Checks.Single(c => c.Id == PostureCheckIds.SpfAll);
        Assert.Equal(CheckStatus.Fail, all.Status);
        Assert.Equal(CheckSeverity.Critical, all.Severity);
        Assert.Contains("include:lax.example.net", all.Summary, StringComparison.Ordinal);
    }
}
