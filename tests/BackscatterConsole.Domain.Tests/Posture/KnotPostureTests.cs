using System.Net;
using System.Net.Sockets;
using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Domain.Posture;
using BackscatterConsole.Domain.Tests.Fixtures;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Posture;

namespace BackscatterConsole.Domain.Tests.Posture;

/// <summary>Every pass, warn and fail rule of the posture checks, against zones served by a real knotd.</summary>
[Collection(KnotCollection.Name)]
public sealed class KnotPostureTests(KnotFixture knot)
{
    public static TheoryData<string, string, string, string> Rules() => new()
    {
        // domain, selectors (comma separated), check id, expected status
        { "good.test", "sel", PostureCheckIds.SpfRecord, "pass" },
        { "good.test", "sel", PostureCheckIds.SpfAll, "pass" },
        { "good.test", "sel", PostureCheckIds.SpfLookups, "pass" },
        { "good.test", "sel", PostureCheckIds.SpfPtr, "pass" },
        { "good.test", "sel", "dkim.sel", "pass" },
        { "good.test", "sel", PostureCheckIds.DmarcRecord, "pass" },
        { "good.test", "sel", PostureCheckIds.DmarcPolicy, "pass" },
        { "good.test", "sel", PostureCheckIds.DmarcSubdomainPolicy, "pass" },
        { "good.test", "sel", PostureCheckIds.DmarcRua, "pass" },
        { "good.test", "sel", PostureCheckIds.DmarcPct, "pass" },
        { "good.test", "sel", PostureCheckIds.MxRecords, "pass" },
        { "good.test", "sel", PostureCheckIds.MxResolvable, "pass" },
        { "good.test", "", PostureCheckIds.DkimSelectors, "unknown" },
        { "nospf.test", "", PostureCheckIds.SpfRecord, "fail" },
        { "twospf.test", "", PostureCheckIds.SpfRecord, "fail" },
        { "syntax.test", "", PostureCheckIds.SpfRecord, "fail" },
        { "missing.test", "", PostureCheckIds.SpfRecord, "fail" },
        { "plusall.test", "", PostureCheckIds.SpfAll, "fail" },
        { "neutral.test", "", PostureCheckIds.SpfAll, "warn" },
        { "softfail.test", "", PostureCheckIds.SpfAll, "warn" },
        { "softfail-dmarc.test", "", PostureCheckIds.SpfAll, "warn" },
        { "ptr.test", "", PostureCheckIds.SpfPtr, "warn" },
        { "toomany.test", "", PostureCheckIds.SpfLookups, "fail" },
        { "void.test", "", PostureCheckIds.SpfLookups, "fail" },
        { "cname.test", "", PostureCheckIds.SpfRecord, "pass" },
        { "good.test", "weak", "dkim.weak", "warn" },
        { "good.test", "tiny", "dkim.tiny", "fail" },
        { "good.test", "revoked", "dkim.revoked", "fail" },
        { "good.test", "testing", "dkim.testing", "warn" },
        { "good.test", "absent", "dkim.absent", "fail" },
        { "good.test", "garbage", "dkim.garbage", "fail" },
        { "nodmarc.test", "", PostureCheckIds.DmarcRecord, "fail" },
        { "badmarc.test", "", PostureCheckIds.DmarcRecord, "fail" },
        { "multidmarc.test", "", PostureCheckIds.DmarcRecord, "fail" },
        { "pnone.test", "", PostureCheckIds.DmarcPolicy, "warn" },
        { "spweak.test", "", PostureCheckIds.DmarcSubdomainPolicy, "warn" },
        { "npweak.test", "", PostureCheckIds.DmarcSubdomainPolicy, "warn" },
        { "norua.test", "", PostureCheckIds.DmarcRua, "warn" },
        { "extrua.test", "", PostureCheckIds.DmarcRua, "warn" },
        { "extrua-ok.test", "", PostureCheckIds.DmarcRua, "pass" },
        { "pct.test", "", PostureCheckIds.DmarcPct, "warn" },
        { "testing.test", "", PostureCheckIds.DmarcPct, "warn" },
        { "sub.inherit.test", "", PostureCheckIds.DmarcRecord, "pass" },
        { "sub.inherit.test", "", PostureCheckIds.DmarcPolicy, "pass" },
        { "nomx.test", "", PostureCheckIds.MxRecords, "fail" },
        { "nomx.test", "", PostureCheckIds.MxResolvable, "fail" },
        { "mxdead.test", "", PostureCheckIds.MxResolvable, "fail" },
        { "mxpartial.test", "", PostureCheckIds.MxResolvable, "warn" },
        { "nullmx.test", "", PostureCheckIds.MxRecords, "info" },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public async Task CheckAsync_Rule_GivesExpectedStatus(string domain, string selectors, string checkId, string expected)
    {
        using var resolver = knot.CreateResolver();
        var checker = new DomainPostureChecker(resolver);

        var report = await checker.CheckAsync(domain, selectors.Split(',', StringSplitOptions.RemoveEmptyEntries));

        var check = Assert.Single(report.Checks, c => c.Id == checkId);
        Assert.True(
            Status(check.Status) == expected,
            $"{domain} {checkId}: expected {expected}, got {Status(check.Status)}: {check.Summary}\n{string.Join('\n', check.Evidence)}");
        Assert.False(string.IsNullOrWhiteSpace(check.Explanation));
        if (check.Status is CheckStatus.Fail or CheckStatus.Warn)
        {
            Assert.False(string.IsNullOrWhiteSpace(check.Remediation), $"{checkId} has no remediation");
            Assert.NotEqual(CheckSeverity.Info, check.Severity);
        }
    }

    [Fact]
    public async Task CheckAsync_SoftfailBehindEnforcingDmarc_IsLowerSeverity()
    {
        using var resolver = knot.CreateResolver();
        var checker = new DomainPostureChecker(resolver);

        var bare = await checker.CheckAsync("softfail.test");
        var backed = await checker.CheckAsync("softfail-dmarc.test");

        Assert.Equal(CheckSeverity.Medium, bare.Checks.Single(c => c.Id == PostureCheckIds.SpfAll).Severity);
        var tolerated = backed.Checks.Single(c => c.Id == PostureCheckIds.SpfAll);
        Assert.Equal(CheckSeverity.Low, tolerated.Severity);
        Assert.Contains("tolerable", tolerated.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_SubdomainWithoutRecord_ReportsOrganizationalDomainFromTreeWalk()
    {
        using var resolver = knot.CreateResolver();

        var report = await new DomainPostureChecker(resolver).CheckAsync("psd.sub.inherit.test");

        Assert.Equal("inherit.test", report.DmarcPolicyDomain);
        Assert.Equal("inherit.test", report.OrganizationalDomain);
        var record = report.Checks.Single(c => c.Id == PostureCheckIds.DmarcRecord);
        Assert.Contains(record.Evidence, e => e.StartsWith("_dmarc.sub.inherit.test TXT", StringComparison.Ordinal));
        Assert.Contains(record.Evidence, e => e.Contains("organizational domain (RFC 9989 tree walk): inherit.test", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CheckAsync_GoodDomain_ReportsSpfTreeWithLookupCounts()
    {
        using var resolver = knot.CreateResolver();

        var report = await new DomainPostureChecker(resolver).CheckAsync("good.test", ["sel"]);

        var tree = Assert.IsType<SpfTreeNode>(report.SpfTree);
        Assert.Equal("v=spf1 mx include:_spf.good.test -all", tree.Record);
        Assert.Equal(2, tree.TotalLookups);
        var include = Assert.Single(tree.Children);
        Assert.Equal("include:_spf.good.test", include.Term);
        Assert.Equal("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all", include.Record);
        Assert.All(report.Checks, c => Assert.Equal(CheckStatus.Pass, c.Status));
    }

    [Fact]
    public async Task CheckAsync_ServerNeverAnswers_EveryCheckIsError()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var resolver = new DnsResolver(new DnsResolverOptions { Servers = [silent.LocalEndPoint!.ToString()!], Timeout = TimeSpan.FromMilliseconds(200), Attempts = 1 });

        var report = await new DomainPostureChecker(resolver).CheckAsync("good.test", ["sel"]);

        Assert.NotEmpty(report.Checks);
        Assert.All(report.Checks, c => Assert.True(c.Status == CheckStatus.Error, $"{c.Id} is {c.Status}: {c.Summary}"));
        Assert.All(report.Checks, c => Assert.Contains("within", c.Summary, StringComparison.Ordinal));
    }

    private static string Status(CheckStatus status) => status.ToString().ToLowerInvariant();
}
