using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Domain.Tests.Settings;

public sealed class ParserTests
{
    [Fact]
    public void ParseMain_FoldedPostconfOutput_JoinsContinuationLines()
    {
        var parsed = PostconfParser.ParseMain(Samples.Read("postconf-nf-hardened.txt"));

        Assert.Empty(parsed.IgnoredLines);
        Assert.Equal(
            "reject_non_fqdn_recipient, reject_unknown_recipient_domain, check_policy_service unix:private/policyd-spf, reject_unverified_recipient",
            parsed.Value["smtpd_recipient_restrictions"]);
        Assert.Equal("permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination", parsed.Value["smtpd_relay_restrictions"]);
        Assert.Equal("example.org, example.net", parsed.Value["virtual_mailbox_domains"]);
    }

    [Fact]
    public void ParseMain_EmptyValue_KeepsEmptyString()
    {
        var parsed = PostconfParser.ParseMain(Samples.Read("postconf-n-weak.txt"));

        Assert.Equal(string.Empty, parsed.Value["local_recipient_maps"]);
        Assert.Equal("250", parsed.Value["unverified_recipient_defer_code"]);
        Assert.Equal("127.0.0.0/8 [::1]/128 192.168.1.0/24", parsed.Value["mynetworks"]);
    }

    [Fact]
    public void ParseMain_PastedWarningsAndPrompt_AreReportedAsIgnored()
    {
        const string text = """
            root@mx:~# postconf -n
            postconf: warning: /etc/postfix/main.cf: unused parameter: smtpd_bogus=1
            soft_bounce = yes
            # a comment
            myhostname = mx.example.com
            """;

        var parsed = PostconfParser.ParseMain(text);

        Assert.Equal(2, parsed.Value.Count);
        Assert.Equal(2, parsed.IgnoredLines.Count);
    }

    [Fact]
    public void ParseServiceOverrides_ServiceNameWithColon_SplitsOnLastTwoSlashes()
    {
        var parsed = PostconfParser.ParseServiceOverrides(Samples.Read("postconf-P-test-instance.txt"));

        var accepting = Assert.Single(parsed.Value, o => o.Name == "local_recipient_maps");
        Assert.Equal(new ServiceOverride("127.0.0.1:25251", "inet", "local_recipient_maps", string.Empty), accepting);
        Assert.Equal(3, parsed.Value.Count);
    }

    [Fact]
    public void ParseServiceOverrides_SubmissionOverrides_KeepsCommaValues()
    {
        var parsed = PostconfParser.ParseServiceOverrides(Samples.Read("postconf-P-hardened.txt"));

        Assert.Contains(new ServiceOverride("submission", "inet", "smtpd_client_restrictions", "permit_sasl_authenticated,reject"), parsed.Value);
        Assert.Contains(new ServiceOverride("relay", "unix", "syslog_name", "postfix/$service_name"), parsed.Value);
    }

    [Fact]
    public void ParseSnapshot_TestInstance_HasPlatformSourceAndOverrides()
    {
        var at = new DateTimeOffset(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);

        var parsed = PostconfParser.ParseSnapshot(Samples.Read("postconf-n-test-instance.txt"), Samples.Read("postconf-P-test-instance.txt"), at);

        Assert.Equal(MtaPlatform.Postfix, parsed.Value.Platform);
        Assert.Equal(SettingsSources.PostconfN, parsed.Value.Source);
        Assert.Equal(at, parsed.Value.CollectedAt);
        Assert.Equal(["192.0.2.0/24"], parsed.Value.Values["mynetworks"]);
        Assert.Equal(3, parsed.Value.ServiceOverrides.Count);
    }

    [Fact]
    public void Parse_CarbonioGcf_KeepsMultiValuedAttributesInOrder()
    {
        var parsed = ZimbraConfigParser.Parse(Samples.Read("carbonio-gcf-default.txt"));

        Assert.Equal(["reject_invalid_helo_hostname", "reject_non_fqdn_sender"], parsed.Value["zimbraMtaRestriction"]);
        Assert.Equal(["asd", "bat", "exe"], parsed.Value["zimbraMtaCommonBlockedExtension"]);
        Assert.Empty(parsed.IgnoredLines);
    }

    [Fact]
    public void Parse_ValueWithColons_KeepsWholeValue()
    {
        var parsed = ZimbraConfigParser.Parse(Samples.Read("zimbra-gacf-hardened.txt"));

        Assert.Contains("check_policy_service unix:private/policy", parsed.Value["zimbraMtaRestriction"]);
        Assert.Equal(["proxy:ldap:/opt/zimbra/conf/ldap-slm.cf"], parsed.Value["zimbraMtaSmtpdSenderLoginMaps"]);
    }

    [Fact]
    public void Parse_MultiLineCertificate_JoinsLinesIntoOneValue()
    {
        var parsed = ZimbraConfigParser.Parse(Samples.Read("carbonio-gcf-default.txt"));

        var certificate = Assert.Single(parsed.Value["zimbraSSLCertificate"]);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----\nMIID", certificate, StringComparison.Ordinal);
        Assert.EndsWith("-----END CERTIFICATE-----", certificate, StringComparison.Ordinal);
        Assert.Equal(["75"], parsed.Value["zimbraSpamKillPercent"]);
    }

    [Fact]
    public void Parse_GetServerOutput_SkipsNameHeader()
    {
        var parsed = ZimbraConfigParser.Parse(Samples.Read("zimbra-gs-server.txt"));

        Assert.Equal(["mail.example.org"], parsed.Value["cn"]);
        Assert.Empty(parsed.IgnoredLines);
        Assert.DoesNotContain("# name mail.example.org", parsed.Value.Keys);
    }

    [Fact]
    public void Parse_EmptyValue_IsEmptyString()
    {
        var parsed = ZimbraConfigParser.Parse("zimbraMtaRestriction:\nzimbraMtaMyNetworks: 127.0.0.0/8\n");

        Assert.Equal([string.Empty], parsed.Value["zimbraMtaRestriction"]);
        Assert.Equal(["127.0.0.0/8"], parsed.Value["zimbraMtaMyNetworks"]);
    }
}
