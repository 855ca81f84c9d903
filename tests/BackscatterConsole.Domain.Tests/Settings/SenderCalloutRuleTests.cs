using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Domain.Tests.Settings;

/// <summary><c>mta.sender-callout</c>: reject_unverified_sender in main.cf, master.cf overrides and Zimbra/Carbonio attributes.</summary>
public sealed class SenderCalloutRuleTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 4, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Evaluate_PostfixDefaults_Passes()
    {
        var check = Postfix("", null);

        Assert.Equal(CheckStatus.Pass, check.Check.Status);
        Assert.Equal("No sender callouts (reject_unverified_sender is off)", check.Check.Title);
        Assert.Empty(check.Commands);
        Assert.Null(check.Check.Remediation);
    }

    [Fact]
    public void Evaluate_SenderRestrictionsInMainCf_WarnsWithEvidenceAndACommandThatKeepsTheRest()
    {
        var check = Postfix("smtpd_sender_restrictions = reject_non_fqdn_sender, reject_unverified_sender, permit", null);

        Assert.Equal(CheckStatus.Warn, check.Check.Status);
        Assert.Equal("Sender callouts probe forged senders' servers", check.Check.Title);
        Assert.Contains(check.Check.Evidence, e => e.Contains("smtpd_sender_restrictions = reject_non_fqdn_sender, reject_unverified_sender, permit", StringComparison.Ordinal));
        Assert.Contains("smtpd_sender_restrictions of smtp/inet", check.Check.Summary, StringComparison.Ordinal);
        Assert.Contains("backscatterer.org", check.Check.Summary, StringComparison.Ordinal);
        Assert.Equal(["postconf", "-e", "smtpd_sender_restrictions=reject_non_fqdn_sender, permit"], check.Commands[0].Arguments);
        Assert.Equal(["postfix", "reload"], check.Commands[^1].Arguments);
        Assert.Contains("postconf -e", check.Check.Remediation, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_RecipientRestrictionsInMainCf_Warns()
    {
        var check = Postfix("smtpd_recipient_restrictions = permit_mynetworks reject_unauth_destination reject_unverified_sender", null);

        Assert.Equal(CheckStatus.Warn, check.Check.Status);
        Assert.Equal(["postconf", "-e", "smtpd_recipient_restrictions=permit_mynetworks, reject_unauth_destination"], check.Commands[0].Arguments);
    }

    [Fact]
    public void Evaluate_MasterCfOverrideOnly_WarnsAndFixesTheOverrideWithPostconfP()
    {
        var check = Postfix("smtpd_sender_restrictions = reject_unknown_sender_domain", "smtp/inet/smtpd_sender_restrictions = reject_unverified_sender");

        Assert.Equal(CheckStatus.Warn, check.Check.Status);
        Assert.Contains(check.Check.Evidence, e => e.StartsWith("[smtp/inet] smtpd_sender_restrictions = reject_unverified_sender", StringComparison.Ordinal));
        Assert.Equal(["postconf", "-P", "smtp/inet/smtpd_sender_restrictions="], check.Commands[0].Arguments);
    }

    [Fact]
    public void Evaluate_SubmissionOverride_WarnsToo()
    {
        var check = Postfix("", "submission/inet/smtpd_client_restrictions = permit_sasl_authenticated, reject_unverified_sender, reject");

        Assert.Equal(CheckStatus.Warn, check.Check.Status);
        Assert.Contains("smtpd_client_restrictions of submission/inet", check.Check.Summary, StringComparison.Ordinal);
        Assert.Equal(["postconf", "-P", "submission/inet/smtpd_client_restrictions=permit_sasl_authenticated, reject"], check.Commands[0].Arguments);
    }

    [Fact]
    public void Evaluate_MainCfListInheritedByTwoServices_GetsOneCommand()
    {
        var check = Postfix("smtpd_sender_restrictions = reject_unverified_sender", "smtpd/pass/smtpd_tls_security_level = may");

        Assert.Equal(CheckStatus.Warn, check.Check.Status);
        Assert.Equal(2, check.Check.Evidence.Count);
        Assert.Equal(2, check.Commands.Count);
    }

    [Fact]
    public void Evaluate_SimilarKeywordOnly_DoesNotWarn() =>
        Assert.Equal(CheckStatus.Pass, Postfix("smtpd_recipient_restrictions = reject_unverified_recipient, reject_unknown_sender_domain", null).Check.Status);

    [Fact]
    public void Evaluate_ZimbraRestriction_WarnsWithAMinusCommandPerValue()
    {
        var check = Zimbra("zimbraMtaRestriction: reject_invalid_helo_hostname\nzimbraMtaRestriction: reject_unverified_sender\nzimbraMtaSmtpdRejectUnlistedRecipient: yes\n", MtaPlatform.Zimbra);

        Assert.Equal(CheckStatus.Warn, check.Check.Status);
        Assert.Equal(["zimbraMtaRestriction = reject_unverified_sender"], check.Check.Evidence);
        Assert.Equal(["zmprov", "mcf", "-zimbraMtaRestriction", "reject_unverified_sender"], check.Commands[0].Arguments);
        Assert.Contains(check.ManualSteps, s => s.Contains("zmmtactl", StringComparison.Ordinal) || s.Contains("restart", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Evaluate_CarbonioSample_Passes()
    {
        var check = Single(MtaRules.Evaluate(ZimbraConfigParser.ParseSnapshot(Samples.Read("carbonio-gcf-default.txt"), MtaPlatform.Carbonio, At).Value));

        Assert.Equal(CheckStatus.Pass, check.Check.Status);
    }

    [Fact]
    public void Evaluate_CarbonioValueWithTwoWords_RemovesTheWholeValueAsOneArgument()
    {
        var check = Zimbra("zimbraMtaRestriction: check_sender_access lmdb:/opt/zextras/conf/senders reject_unverified_sender\n", MtaPlatform.Carbonio);

        Assert.Equal(["carbonio", "prov", "mcf", "-zimbraMtaRestriction", "check_sender_access lmdb:/opt/zextras/conf/senders reject_unverified_sender"], check.Commands[0].Arguments);
    }

    private static MtaRuleResult Postfix(string postconfN, string? postconfP) =>
        Single(MtaRules.Evaluate(PostconfParser.ParseSnapshot(postconfN, postconfP, At).Value!));

    private static MtaRuleResult Zimbra(string gcf, MtaPlatform platform) =>
        Single(MtaRules.Evaluate(ZimbraConfigParser.ParseSnapshot(gcf, platform, At).Value));

    private static MtaRuleResult Single(IReadOnlyList<MtaRuleResult> results) => Assert.Single(results, r => r.Check.Id == MtaCheckCatalog.SenderCallout);
}
