using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Settings;
using static BackscatterConsole.Domain.Settings.MtaCheckCatalog;

namespace BackscatterConsole.Domain.Settings;

/// <summary>Settings rules for MailEnable. The fixes are steps in MailEnable Administrator, not commands.</summary>
internal static class MailEnableRules
{
    private const string SmtpProperties = "In MailEnable Administrator open Servers > localhost > Connectors > SMTP > Properties and ";
    private const string PostOfficeProperties = "In MailEnable Administrator open Servers > localhost > Connectors > Post Office > Properties and ";

    public static IReadOnlyList<MtaRuleResult> Evaluate(SettingsSnapshot snapshot)
    {
        var catchAlls = snapshot.Values.TryGetValue(MailEnableSettingKeys.CatchAlls, out var list) ? list : null;
        var domains = snapshot.Values.TryGetValue(MailEnableSettingKeys.LocalDomains, out var d) ? d : null;
        return
        [
            UnknownRecipient(catchAlls),
            CatchAll(catchAlls, domains),
            Result(VerifyDeferCode, CheckStatus.Info, "MailEnable has no Postfix-style address verification; the check does not apply.", []),
            Flag(snapshot, DisabledMailbox, MailEnableSettingKeys.NdrForDisabledMailboxes, expected: false,
                "No NDRs are generated for mail to disabled mailboxes.", "The post-office connector generates NDRs for disabled mailboxes: mail to them is accepted and then bounced.", CheckStatus.Fail,
                PostOfficeProperties + "turn off NDR generation for disabled mailboxes, or remove the address map of each disabled mailbox."),
            Quota(snapshot),
            Flag(snapshot, SenderLoginMismatch, MailEnableSettingKeys.AuthenticatedSendersMustUseValidSenderAddress, expected: true,
                "Authenticated senders must use a valid sender address.", "Authenticated users can send as any address.", CheckStatus.Warn,
                SmtpProperties + "tick \"Authenticated senders must use valid sender address\"."),
            Flag(snapshot, UnlistedSender, MailEnableSettingKeys.LocalDomainSendersMustAuthenticate, expected: true,
                "Senders from local domains must authenticate.", "Unauthenticated mail may claim a local sender.", CheckStatus.Warn,
                SmtpProperties + "tick \"Senders from local domains must authenticate\"."),
            Flag(snapshot, SenderDomain, MailEnableSettingKeys.SenderDomainMustBeLocalOrResolvable, expected: true,
                "Sender domains must be local or resolvable through DNS.", "Mail from sender domains that do not resolve is accepted.", CheckStatus.Warn,
                SmtpProperties + "tick \"Sender email domain must be local or resolvable through DNS\"."),
            Result(Policyd, CheckStatus.Info, "MailEnable has no Postfix policy service; its SMTP connector's own sending limits are not modelled yet.", []),
            Result(FilterBounce, CheckStatus.Unknown, "MailEnable's spam and antivirus actions are not in the snapshot.", []),
            Result(BounceHygiene, CheckStatus.Unknown, "The outgoing queue's null-sender mail needs the agent's queue statistics.", []),
            Result(SenderCallout, CheckStatus.Info, "The connector knows no MailEnable setting that verifies senders by callout; the check does not apply.", []),
        ];
    }

    private static MtaRuleResult UnknownRecipient(IReadOnlyList<string>? catchAlls)
    {
        if (catchAlls is null)
        {
            return Result(MtaCheckCatalog.UnknownRecipient, CheckStatus.Unknown, "The domains' catch-all settings are not known.", []);
        }

        return catchAlls.Count == 0
            ? Result(MtaCheckCatalog.UnknownRecipient, CheckStatus.Pass, "No domain has a catch-all, so MailEnable refuses unmatched addresses.", ["catch-alls: none"])
            : Result(MtaCheckCatalog.UnknownRecipient, CheckStatus.Fail, "Catch-alls make MailEnable accept every address at " + string.Join(", ", catchAlls.Select(DomainOf)) + ".",
                catchAlls.Select(c => "catch-all: " + c).ToArray(), [], ["Remove the catch-all of each listed domain (domain Properties > catch-all off); unmatched addresses are then refused at RCPT time."]);
    }

    private static MtaRuleResult CatchAll(IReadOnlyList<string>? catchAlls, IReadOnlyList<string>? domains)
    {
        if (catchAlls is null)
        {
            return Result(MtaCheckCatalog.CatchAll, CheckStatus.Unknown, "The domains' catch-all settings are not known.", []);
        }

        if (catchAlls.Count == 0)
        {
            return Result(MtaCheckCatalog.CatchAll, CheckStatus.Pass, "No domain has a catch-all.", ["catch-alls: none"]);
        }

        var offBox = domains is null
            ? []
            : catchAlls.Where(c => !domains.Contains(TargetDomainOf(c), StringComparer.OrdinalIgnoreCase)).ToArray();
        var steps = new[] { "Disable the catch-all of each listed domain in MailEnable Administrator (Messaging Manager > Post Offices > the post office > Domains > the domain > Properties)." };
        return offBox.Length > 0
            ? Result(MtaCheckCatalog.CatchAll, CheckStatus.Fail, "A catch-all forwards off the box: " + string.Join(", ", offBox) + ".", catchAlls.Select(c => "catch-all: " + c).ToArray(), [], steps)
            : Result(MtaCheckCatalog.CatchAll, CheckStatus.Warn, "Catch-alls accept every address at " + string.Join(", ", catchAlls.Select(DomainOf)) + ".", catchAlls.Select(c => "catch-all: " + c).ToArray(), [], steps);
    }

    private static MtaRuleResult Quota(SettingsSnapshot snapshot)
    {
        var quota = MailEnableSettingKeys.ReadQuota(snapshot);
        const string step = PostOfficeProperties + "send quota notifications to the mailbox only (not back to the sender, not to the postmaster).";
        return quota switch
        {
            null => Result(QuotaNotification, CheckStatus.Unknown, "The post-office connector's quota handling is not known.", []),
            MailEnableQuotaNotification.MailboxOnly => Result(QuotaNotification, CheckStatus.Pass, "Over-quota notices go to the mailbox only.", ["quota notification: mailbox only"]),
            MailEnableQuotaNotification.BounceToSender => Result(QuotaNotification, CheckStatus.Fail, "Over-quota mail is bounced back to the (possibly forged) sender.", ["quota notification: bounce e-mail back to sender"], [], [step]),
            _ => Result(QuotaNotification, CheckStatus.Warn, "Over-quota mail is sent to the postmaster, who then has to deal with it by hand.", ["quota notification: send incoming mail to postmaster"], [], [step]),
        };
    }

    private static MtaRuleResult Flag(SettingsSnapshot snapshot, string id, string key, bool expected, string passSummary, string failSummary, CheckStatus failStatus, string step)
    {
        var value = MailEnableSettingKeys.ReadBool(snapshot, key);
        if (value is null)
        {
            return Result(id, CheckStatus.Unknown, $"The setting \"{key}\" is not known.", [], [], [step]);
        }

        var evidence = new[] { $"{key} = {(value.Value ? "on" : "off")} ({snapshot.Source})" };
        return value == expected
            ? Result(id, CheckStatus.Pass, passSummary, evidence)
            : Result(id, failStatus, failSummary, evidence, [], [step]);
    }

    private static string DomainOf(string catchAll) => catchAll.Split('=')[0];

    private static string TargetDomainOf(string catchAll)
    {
        var target = catchAll[(catchAll.IndexOf('=', StringComparison.Ordinal) + 1)..];
        return target[(target.LastIndexOf('@') + 1)..];
    }
}
