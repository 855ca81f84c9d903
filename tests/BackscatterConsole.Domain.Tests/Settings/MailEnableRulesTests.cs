using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Domain.Tests.Settings;

public sealed class MailEnableRulesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Evaluate_SafeOptions_Passes()
    {
        var options = new MailEnableOptions
        {
            AuthenticatedSendersMustUseValidSenderAddress = true,
            LocalDomainSendersMustAuthenticate = true,
            SenderDomainMustBeLocalOrResolvable = true,
            NdrForDisabledMailboxes = false,
            QuotaNotification = MailEnableQuotaNotification.MailboxOnly,
            LocalDomains = ["example.org"],
            CatchAlls = new Dictionary<string, string>(),
        };

        var results = MtaRules.Evaluate(options.ToSnapshot(At));

        foreach (var id in new[] { "smtp.unknown-recipient", "smtp.catch-all", "mta.disabled-mailbox", "mta.quota-notification", "mta.sender-login-mismatch", "mta.unlisted-sender", "mta.sender-domain" })
        {
            Assert.Equal(CheckStatus.Pass, Single(results, id).Check.Status);
        }

        Assert.Equal(SettingsSources.MailEnableForm, options.ToSnapshot(At).Source);
    }

    [Fact]
    public void Evaluate_RiskyOptions_FailsWithUiSteps()
    {
        var options = new MailEnableOptions
        {
            AuthenticatedSendersMustUseValidSenderAddress = false,
            LocalDomainSendersMustAuthenticate = false,
            SenderDomainMustBeLocalOrResolvable = false,
            NdrForDisabledMailboxes = true,
            QuotaNotification = MailEnableQuotaNotification.BounceToSender,
            LocalDomains = ["example.org"],
            CatchAlls = new Dictionary<string, string> { ["example.org"] = "collector@gmail.example" },
        };

        var results = MtaRules.Evaluate(options.ToSnapshot(At));

        Assert.Equal(CheckStatus.Fail, Single(results, "smtp.unknown-recipient").Check.Status);
        Assert.Equal(CheckStatus.Fail, Single(results, "smtp.catch-all").Check.Status);
        Assert.Equal(CheckStatus.Fail, Single(results, "mta.disabled-mailbox").Check.Status);
        Assert.Equal(CheckStatus.Fail, Single(results, "mta.quota-notification").Check.Status);
        Assert.Equal(CheckStatus.Warn, Single(results, "mta.sender-login-mismatch").Check.Status);
        var login = Single(results, "mta.sender-login-mismatch");
        Assert.Empty(login.Commands);
        Assert.Contains("Authenticated senders must use valid sender address", login.ManualSteps[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_LocalCatchAll_Warns()
    {
        var options = new MailEnableOptions { LocalDomains = ["example.org"], CatchAlls = new Dictionary<string, string> { ["example.org"] = "inbox@example.org" } };

        Assert.Equal(CheckStatus.Warn, Single(MtaRules.Evaluate(options.ToSnapshot(At)), "smtp.catch-all").Check.Status);
    }

    [Fact]
    public void Evaluate_NothingKnown_IsNeverPass()
    {
        var results = MtaRules.Evaluate(new MailEnableOptions().ToSnapshot(At));

        Assert.DoesNotContain(results, r => r.Check.Status == CheckStatus.Pass);
        Assert.Equal(CheckStatus.Unknown, Single(results, "mta.sender-login-mismatch").Check.Status);
    }

    private static MtaRuleResult Single(IReadOnlyList<MtaRuleResult> results, string id) => Assert.Single(results, r => r.Check.Id == id);
}
