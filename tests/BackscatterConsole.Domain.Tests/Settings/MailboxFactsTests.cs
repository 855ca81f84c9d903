using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Domain.Tests.Settings;

public sealed class MailboxFactsTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ParseZimbraAccounts_GaOutput_PrimaryAddressFirstThenDeliveryAddressesAndAliases()
    {
        const string ga = """
            # name gone@example.org
            zimbraMailAlias: old.name@example.org
            zimbraMailAlias: sales@example.org
            zimbraMailDeliveryAddress: gone@example.org

            # name quiet@example.org
            zimbraAccountStatus: closed
            zimbraMailStatus: disabled
            """;

        var accounts = MailboxFactsParser.ParseZimbraAccounts(ga);

        Assert.Equal(2, accounts.Count);
        Assert.Equal(["gone@example.org", "old.name@example.org", "sales@example.org"], accounts[0].Addresses);
        Assert.Equal("unknown", accounts[0].Status);
        Assert.Equal("closed, zimbraMailStatus disabled", accounts[1].Status);
    }

    [Fact]
    public void ParseZimbraQuotaUsage_SkipsLinesThatAreNotAccountQuotaUsed()
    {
        const string gqu = "a@example.org 1048576 1048576\nb@example.org 0 5000\nWarning: something\nc@example.org 1000 950\n";

        var quotas = MailboxFactsParser.ParseZimbraQuotaUsage(gqu);
        var usage = MailboxFactsParser.SummarizeQuota(quotas, thresholdPercent: 90, limit: 10);

        Assert.Equal(3, quotas.Count);
        Assert.Equal(2, usage.MailboxesWithQuota);
        Assert.Equal(["a@example.org", "c@example.org"], usage.NearOrOver.Select(q => q.Mailbox));
        Assert.True(usage.NearOrOver[0].IsOver);
        Assert.False(usage.NearOrOver[1].IsOver);
        Assert.False(usage.Truncated);
        Assert.True(MailboxFactsParser.SummarizeQuota(quotas, 90, limit: 1).Truncated);
    }

    [Fact]
    public void ParsePostfixDisabledTable_GroupsAliasesUnderTheirMailboxAndKeepsTheAction()
    {
        const string dump = "alias@example.org\tgone@example.org\ngone@example.org\t550 5.2.1 Mailbox disabled\nold@example.org\tdisabled\nnot-an-address\tREJECT\n";

        var mailboxes = MailboxFactsParser.ParsePostfixDisabledTable(dump);

        Assert.Equal(2, mailboxes.Count);
        var gone = Assert.Single(mailboxes, m => m.Mailbox == "gone@example.org");
        Assert.Equal("550 5.2.1 Mailbox disabled", gone.Status);
        Assert.Equal(["gone@example.org", "alias@example.org"], gone.Addresses);
        Assert.Equal("disabled", Assert.Single(mailboxes, m => m.Mailbox == "old@example.org").Status);
    }

    [Fact]
    public void ZimbraRules_NoFacts_DisabledMailboxIsUnknownNeverPass()
    {
        var disabled = Rule(Zimbra(null), MtaCheckCatalog.DisabledMailbox);

        Assert.Equal(CheckStatus.Unknown, disabled.Check.Status);
        Assert.Contains("prov -l sa", disabled.Check.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void ZimbraRules_ClosedAccountStillEnabled_FailsWithPerAccountCommand()
    {
        var facts = Facts(new DisabledMailboxInfo("gone@example.org", "closed", ["gone@example.org", "sales@example.org"]),
            new DisabledMailboxInfo("fixing@example.org", "maintenance", ["fixing@example.org"]));

        var disabled = Rule(Zimbra(facts), MtaCheckCatalog.DisabledMailbox);

        Assert.Equal(CheckStatus.Fail, disabled.Check.Status);
        Assert.Contains("gone@example.org", disabled.Check.Summary, StringComparison.Ordinal);
        Assert.Contains(disabled.Check.Evidence, e => e.Contains("sales@example.org", StringComparison.Ordinal));
        Assert.Equal(["carbonio", "prov", "ma", "gone@example.org", "zimbraMailStatus", "disabled"], disabled.Commands[0].Arguments);
        Assert.Equal(2, disabled.Commands.Count);
    }

    [Fact]
    public void ZimbraRules_OnlyMaintenance_Warns()
    {
        var disabled = Rule(Zimbra(Facts(new DisabledMailboxInfo("fixing@example.org", "maintenance", ["fixing@example.org"]))), MtaCheckCatalog.DisabledMailbox);

        Assert.Equal(CheckStatus.Warn, disabled.Check.Status);
        Assert.Contains("queue lifetime", disabled.Check.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void ZimbraRules_NoDisabledAccount_Passes() =>
        Assert.Equal(CheckStatus.Pass, Rule(Zimbra(Facts()), MtaCheckCatalog.DisabledMailbox).Check.Status);

    [Fact]
    public void ZimbraRules_MailboxOverQuota_FailsAndNamesIt()
    {
        var facts = Facts() with { Quota = new QuotaUsage(40, 90, [new MailboxQuota("full@example.org", 1000, 1200), new MailboxQuota("near@example.org", 1000, 950)], false) };

        var quota = Rule(Zimbra(facts), MtaCheckCatalog.QuotaNotification);

        Assert.Equal(CheckStatus.Fail, quota.Check.Status);
        Assert.Contains("full@example.org", quota.Check.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("near@example.org", quota.Check.Summary, StringComparison.Ordinal);
        Assert.Contains(quota.Check.Evidence, e => e.StartsWith("near@example.org", StringComparison.Ordinal));
        Assert.Equal(["carbonio", "prov", "mc", "default", "zimbraQuotaWarnPercent", "90"], quota.Commands[0].Arguments);
    }

    [Fact]
    public void ZimbraRules_NobodyNearQuota_StillWarnsBecauseQuotaIsEnforcedAfterAcceptance()
    {
        var quota = Rule(Zimbra(Facts() with { Quota = new QuotaUsage(40, 90, [], false) }), MtaCheckCatalog.QuotaNotification);

        Assert.Equal(CheckStatus.Warn, quota.Check.Status);
        Assert.Contains("No mailbox is at 90%", quota.Check.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void PostfixRules_NoTable_DisabledMailboxIsUnknown() =>
        Assert.Equal(CheckStatus.Unknown, Rule(Postfix("", null), MtaCheckCatalog.DisabledMailbox).Check.Status);

    [Fact]
    public void PostfixRules_TableRejectsAndIsInTheRecipientRestrictions_Passes()
    {
        const string table = "hash:/etc/postfix/disabled_mailboxes";
        var facts = Facts(new DisabledMailboxInfo("gone@example.org", "550 5.2.1 Mailbox disabled", ["gone@example.org"])) with { Source = table };

        var disabled = Rule(Postfix($"smtpd_recipient_restrictions = check_recipient_access {table}, permit_mynetworks, reject_unauth_destination", facts), MtaCheckCatalog.DisabledMailbox);

        Assert.Equal(CheckStatus.Pass, disabled.Check.Status);
    }

    [Fact]
    public void PostfixRules_TableNotUsedByAnyRestriction_WarnsAndExplainsTheFix()
    {
        const string table = "hash:/etc/postfix/disabled_mailboxes";
        var facts = Facts(new DisabledMailboxInfo("gone@example.org", "disabled", ["gone@example.org"])) with { Source = table };

        var disabled = Rule(Postfix("smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination", facts), MtaCheckCatalog.DisabledMailbox);

        Assert.Equal(CheckStatus.Warn, disabled.Check.Status);
        Assert.Contains("check_recipient_access " + table, disabled.Check.Remediation, StringComparison.Ordinal);
    }

    [Fact]
    public void PostfixRules_TableUsedButAnEntryDoesNotReject_Warns()
    {
        const string table = "texthash:/etc/postfix/disabled";
        var facts = Facts(new DisabledMailboxInfo("gone@example.org", "OK", ["gone@example.org"])) with { Source = table };

        var disabled = Rule(Postfix($"smtpd_recipient_restrictions = check_recipient_access {table}, reject_unauth_destination", facts), MtaCheckCatalog.DisabledMailbox);

        Assert.Equal(CheckStatus.Warn, disabled.Check.Status);
        Assert.Contains("not reject", disabled.Check.Summary, StringComparison.Ordinal);
    }

    private static MailboxFacts Facts(params DisabledMailboxInfo[] mailboxes) => new(At, "carbonio prov -l sa", mailboxes, false, null);

    private static SettingsSnapshot Zimbra(MailboxFacts? facts) =>
        ZimbraConfigParser.ParseSnapshot("zimbraMtaSmtpdRejectUnlistedRecipient: yes\n", MtaPlatform.Carbonio, At).Value with { Mailboxes = facts };

    private static SettingsSnapshot Postfix(string postconfN, MailboxFacts? facts) =>
        PostconfParser.ParseSnapshot(postconfN, null, At).Value with { Mailboxes = facts };

    private static MtaRuleResult Rule(SettingsSnapshot snapshot, string id) => Assert.Single(MtaRules.Evaluate(snapshot), r => r.Check.Id == id);
}
