using System.Net;
using BackscatterConsole.Domain.Spf;
using BackscatterConsole.Domain.Tests.Fixtures;

namespace BackscatterConsole.Domain.Tests.Spf;

public sealed class SpfEvaluatorTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");

    [Fact]
    public async Task CheckHostAsync_NestedIncludes_BuildsTreeWithLookupCounts()
    {
        var zone = new InMemoryDnsResolver()
            .Txt("example.com", "v=spf1 mx include:_spf.example.com -all")
            .Mx("example.com", 10, "mx.example.com")
            .A("mx.example.com", "198.51.100.1")
            .Txt("_spf.example.com", "v=spf1 include:_a.example.net include:_b.example.net ~all")
            .Txt("_a.example.net", "v=spf1 ip4:203.0.113.0/24 -all")
            .Txt("_b.example.net", "v=spf1 ip4:192.0.2.0/24 -all");

        var evaluation = await new SpfEvaluator(zone).CheckHostAsync(Client, "example.com", "user@example.com");

        Assert.Equal(SpfResult.Pass, evaluation.Result);
        Assert.Equal(4, evaluation.Lookups);
        Assert.Equal("include:_spf.example.com", evaluation.MatchedTerm);
        var tree = evaluation.Tree;
        Assert.Equal(2, tree.Lookups);
        Assert.Equal(4, tree.TotalLookups);
        var spf = Assert.Single(tree.Children);
        Assert.Equal("pass", spf.Result);
        Assert.Equal(["fail", "pass"], spf.Children.Select(c => c.Result));
        Assert.Contains(evaluation.Trace, l => l.Contains("include:_b.example.net → match", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AuditAsync_PolicyEndingInSoftfail_VisitsEveryIncludeAndReportsSoftfail()
    {
        var zone = new InMemoryDnsResolver()
            .Txt("example.com", "v=spf1 ip4:192.0.2.0/24 include:a.example.net include:b.example.net ~all")
            .Txt("a.example.net", "v=spf1 a:host.example.net -all")
            .A("host.example.net", "192.0.2.1")
            .Txt("b.example.net", "v=spf1 -all");

        var evaluation = await new SpfEvaluator(zone).AuditAsync("example.com");

        Assert.Equal(SpfResult.SoftFail, evaluation.Result);
        Assert.Equal(3, evaluation.Lookups);
        Assert.Equal(2, evaluation.Tree.Children.Count);
    }

    [Fact]
    public async Task CheckHostAsync_ElevenLookups_IsPermErrorWithKind()
    {
        var zone = new InMemoryDnsResolver().Txt("example.com", "v=spf1 " + string.Join(' ', Enumerable.Range(0, 11).Select(i => $"a:h{i}.example.com")) + " -all");
        for (var i = 0; i < 11; i++)
        {
            zone.A($"h{i}.example.com", "198.51.100.1");
        }

        var evaluation = await new SpfEvaluator(zone).CheckHostAsync(Client, "example.com", "user@example.com");

        Assert.Equal(SpfResult.PermError, evaluation.Result);
        Assert.Equal(SpfProblemKind.LookupLimit, evaluation.ProblemKind);
        Assert.Equal(11, evaluation.Lookups);
    }

    [Fact]
    public async Task CheckHostAsync_FailWithExp_ExpandsExplanationMacros()
    {
        var zone = new InMemoryDnsResolver()
            .Txt("example.com", "v=spf1 -all exp=why.example.com")
            .Txt("why.example.com", "%{c} may not send for %{d} (%{l})");

        var evaluation = await new SpfEvaluator(zone).CheckHostAsync(Client, "example.com", "joe@example.com");

        Assert.Equal(SpfResult.Fail, evaluation.Result);
        Assert.Equal("192.0.2.10 may not send for example.com (joe)", evaluation.Explanation);
    }

    [Theory]
    [InlineData("%{d}", "email.example.com")]
    [InlineData("%{d4}", "email.example.com")]
    [InlineData("%{d3}", "email.example.com")]
    [InlineData("%{d2}", "example.com")]
    [InlineData("%{d1}", "com")]
    [InlineData("%{dr}", "com.example.email")]
    [InlineData("%{d2r}", "example.email")]
    [InlineData("%{l}", "strong-bad")]
    [InlineData("%{l-}", "strong.bad")]
    [InlineData("%{lr}", "strong-bad")]
    [InlineData("%{lr-}", "bad.strong")]
    [InlineData("%{l1r-}", "strong")]
    [InlineData("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com")]
    [InlineData("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com")]
    [InlineData("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net")]
    public async Task Expand_Rfc7208Examples_MatchSection74(string macro, string expected)
    {
        // The examples of RFC 7208 §7.4, run through an exists: term whose target the zone answers only when the expansion is right.
        var zone = new InMemoryDnsResolver()
            .Txt("email.example.com", $"v=spf1 exists:{macro}.x.test -all")
            .A($"{expected}.x.test", "127.0.0.2");

        var evaluation = await new SpfEvaluator(zone).CheckHostAsync(IPAddress.Parse("192.0.2.3"), "email.example.com", "strong-bad@email.example.com");

        Assert.True(evaluation.Result == SpfResult.Pass, string.Join('\n', evaluation.Trace));
    }

    [Fact]
    public async Task CheckMailFromAsync_NullSender_UsesPostmasterAtHelo()
    {
        var zone = new InMemoryDnsResolver().Txt("mail.example.com", "v=spf1 exists:%{l}.%{d}.x.test -all").A("postmaster.mail.example.com.x.test", "127.0.0.2");

        var evaluation = await new SpfEvaluator(zone).CheckMailFromAsync(Client, string.Empty, "mail.example.com");

        Assert.Equal(SpfResult.Pass, evaluation.Result);
    }

    [Theory]
    [InlineData("v=spf1 -all", 0, 0)]
    [InlineData("v=spf1 a/24//64 mx:example.net/16 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all", 4, 0)]
    [InlineData("v=spf1 include:_spf.example.com redirect=other.example.com foo=%{d}", 1, 2)]
    public void Parse_ValidRecord_ReadsTerms(string text, int mechanismsBeforeAll, int modifiers)
    {
        var record = SpfRecord.Parse(text);

        Assert.Equal(mechanismsBeforeAll, record.Mechanisms.Count(m => m.Kind != SpfMechanismKind.All));
        Assert.Equal(modifiers, record.Modifiers.Count);
    }

    [Theory]
    [InlineData("v=spf1 ip4:1.2.3.4/33")]
    [InlineData("v=spf1 a:foo")]
    [InlineData("v=spf1 include:%{x}.example.com")]
    [InlineData("v=spf1 redirect=a.example.com redirect=b.example.com")]
    [InlineData("v=spf1 -all:foo")]
    [InlineData("v=spf1 moo")]
    public void Parse_InvalidRecord_Throws(string text)
    {
        Assert.Throws<SpfSyntaxException>(() => SpfRecord.Parse(text));
    }
}
