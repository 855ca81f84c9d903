using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Domain.Tests.Settings;

public sealed class ZimbraRulesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Evaluate_CarbonioDefaults_FindsProblemsWithCarbonioCommands()
    {
        var results = Evaluate("carbonio-gcf-default.txt", MtaPlatform.Carbonio);

        Assert.Equal(CheckStatus.Fail, Status(results, "smtp.unknown-recipient"));
        Assert.Equal(CheckStatus.Warn, Status(results, "mta.unlisted-sender"));
        Assert.Equal(CheckStatus.Warn, Status(results, "mta.sender-domain"));
        Assert.Equal(CheckStatus.Fail, Status(results, "mta.sender-login-mismatch"));
        Assert.Equal(CheckStatus.Fail, Status(results, "mta.filter-bounce"));
        var unknown = Single(results, "smtp.unknown-recipient");
        Assert.Equal(["carbonio", "prov", "mcf", "zimbraMtaSmtpdRejectUnlistedRecipient", "yes"], unknown.Commands[0].Arguments);
        Assert.Contains("zimbraAmavisFinalBannedDestiny", Check(results, "mta.filter-bounce").Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_PolicydOff_GivesTwoCommandsWithTheValueAsOneArgument()
    {
        var policy = Single(Evaluate("carbonio-gcf-default.txt", MtaPlatform.Carbonio), "mta.policyd");

        Assert.Equal(CheckStatus.Warn, policy.Check.Status);
        Assert.Equal(["carbonio", "prov", "mcf", "zimbraMtaEnableSmtpdPolicyd", "TRUE"], policy.Commands[0].Arguments);
        Assert.Equal(["carbonio", "prov", "mcf", "+zimbraMtaRestriction", "check_policy_service unix:private/policy"], policy.Commands[1].Arguments);
        Assert.Contains("carbonio prov mcf +zimbraMtaRestriction 'check_policy_service unix:private/policy'", policy.Check.Remediation, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_DeferCode250WithoutVerification_Warns() =>
        Assert.Equal(CheckStatus.Warn, Status(Evaluate("carbonio-gcf-default.txt", MtaPlatform.Carbonio), "mta.verify-defer-code"));

    [Fact]
    public void Evaluate_DeferCode250WithVerification_Fails()
    {
        var results = Evaluate("zimbra-gs-server.txt", MtaPlatform.Zimbra);

        var verify = Single(results, "mta.verify-defer-code");
        Assert.Equal(CheckStatus.Fail, verify.Check.Status);
        Assert.Equal(["zmprov", "mcf", "zimbraMtaUnverifiedRecipientDeferCode", "450"], verify.Commands[0].Arguments);
        Assert.Equal(CheckStatus.Fail, Status(results, "mta.filter-bounce"));
    }

    [Fact]
    public void Evaluate_DeferCodeAbsent_UsesZimbraDefault250()
    {
        var snapshot = ZimbraConfigParser.ParseSnapshot("zimbraMtaRestriction: reject_unverified_recipient\n", MtaPlatform.Zimbra, At).Value;

        var verify = Single(MtaRules.Evaluate(snapshot), "mta.verify-defer-code");

        Assert.Equal(CheckStatus.Fail, verify.Check.Status);
        Assert.Contains("default", verify.Check.Evidence[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_BooleanAttributeAbsent_IsUnknownNeverPass()
    {
        var snapshot = ZimbraConfigParser.ParseSnapshot("cn: config\n", MtaPlatform.Carbonio, At).Value;

        var results = MtaRules.Evaluate(snapshot);

        Assert.Equal(CheckStatus.Unknown, Status(results, "smtp.unknown-recipient"));
        Assert.Equal(CheckStatus.Unknown, Status(results, "mta.unlisted-sender"));
        Assert.Equal(CheckStatus.Unknown, Status(results, "mta.filter-bounce"));
        Assert.Equal(CheckStatus.Warn, Status(results, "mta.policyd"));
    }

    [Fact]
    public void Evaluate_ZimbraHardened_PassesWithZmprov()
    {
        var results = Evaluate("zimbra-gacf-hardened.txt", MtaPlatform.Zimbra);

        foreach (var id in new[] { "smtp.unknown-recipient", "mta.verify-defer-code", "mta.sender-login-mismatch", "mta.unlisted-sender", "mta.sender-domain", "mta.policyd", "mta.filter-bounce" })
        {
            Assert.True(Status(results, id) == CheckStatus.Pass, $"{id}: {Check(results, id).Summary}");
        }

        var quota = Single(results, "mta.quota-notification");
        Assert.Equal("zmprov", quota.Commands[0].Arguments[0]);
    }

    private static IReadOnlyList<MtaRuleResult> Evaluate(string sample, MtaPlatform platform) =>
        MtaRules.Evaluate(ZimbraConfigParser.ParseSnapshot(Samples.Read(sample), platform, At).Value);

    private static MtaRuleResult Single(IReadOnlyList<MtaRuleResult> results, string id) => Assert.Single(results, r => r.Check.Id == id);

    private static CheckResult Check(IReadOnlyList<MtaRuleResult> results, string id) => Single(results, id).Check;

    private static CheckStatus Status(IReadOnlyList<MtaRuleResult> results, string id) => Check(results, id).Status;
}
