using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Settings;
using static BackscatterConsole.Domain.Settings.MtaCheckCatalog;

namespace BackscatterConsole.Domain.Settings;

/// <summary>
/// The <c>mta.disabled-mailbox</c> and <c>mta.quota-notification</c> rules over the mailbox facts the agent collects
/// (<see cref="MailboxFacts"/>). Without facts both stay <c>unknown</c>: settings alone never make them pass.
/// </summary>
internal static class MailboxRules
{
    /// <summary>How many mailboxes a summary or a remediation lists by name before it says "and N more".</summary>
    private const int Listed = 10;

    /// <summary>Carbonio/Zimbra: closed and pending accounts bounce at once, maintenance ones after the queue lifetime.</summary>
    public static MtaRuleResult ZimbraDisabled(MailboxFacts? facts, Func<string[], RemediationCommand> prov)
    {
        if (facts is null)
        {
            return Result(DisabledMailbox, CheckStatus.Unknown,
                "Account status (zimbraAccountStatus closed, pending, maintenance) is per account: mail to such accounts is accepted by the MTA and then refused by LMTP. Connect the agent: it lists those accounts with prov -l sa.", []);
        }

        // The MTA's recipient lookup only finds accounts whose zimbraMailStatus is enabled; disabled ones are refused at RCPT.
        var refused = facts.DisabledMailboxes.Where(m => m.Status.Contains("zimbraMailStatus disabled", StringComparison.Ordinal)).ToArray();
        var accepted = facts.DisabledMailboxes.Where(m => !refused.Contains(m)).ToArray();
        var bouncing = accepted.Where(m => !m.Status.StartsWith("maintenance", StringComparison.Ordinal)).ToArray();
        var evidence = Evidence(facts, facts.DisabledMailboxes);
        if (accepted.Length == 0)
        {
            var summary = facts.DisabledMailboxes.Count == 0
                ? "No account is closed, pending or in maintenance."
                : $"{Count(refused.Length, "closed, pending or maintenance account")} {(refused.Length == 1 ? "has" : "have")} zimbraMailStatus disabled, so the MTA refuses {(refused.Length == 1 ? "its" : "their")} addresses.";
            return Result(DisabledMailbox, CheckStatus.Pass, summary, evidence);
        }

        var commands = accepted.Take(Listed).Select(m => prov(["ma", m.Mailbox, "zimbraMailStatus", "disabled"])).ToArray();
        var steps = new List<string>
        {
            "Set zimbraMailStatus to disabled on each account that should not receive mail (or remove its addresses), so the MTA's recipient lookup no longer finds it and refuses mail at RCPT; the SMTP probe confirms it.",
        };
        if (accepted.Length > Listed)
        {
            steps.Add($"… and the same for the other {accepted.Length - Listed} accounts listed in the evidence.");
        }

        return bouncing.Length > 0
            ? Result(DisabledMailbox, CheckStatus.Fail,
                $"{Count(bouncing.Length, "closed or pending account")} still {(bouncing.Length == 1 ? "has" : "have")} addresses the MTA accepts; LMTP then refuses the mail and it bounces to the sender: {Names(bouncing)}.",
                evidence, commands, steps)
            : Result(DisabledMailbox, CheckStatus.Warn,
                $"{Count(accepted.Length, "account")} in maintenance {(accepted.Length == 1 ? "has" : "have")} addresses the MTA accepts; LMTP defers the mail and it bounces to the sender when the queue lifetime ends: {Names(accepted)}.",
                evidence, commands, steps);
    }

    /// <summary>
    /// Postfix: the disabled addresses come from a lookup table the operator keeps (the agent dumps it with <c>postmap -s</c>).
    /// Entries whose value is an access(5) rejection, in a table that a <c>check_recipient_access</c> restriction uses, are
    /// refused at RCPT; the others depend on the recipient maps, which only the SMTP probe can confirm.
    /// </summary>
    public static MtaRuleResult PostfixDisabled(MailboxFacts? facts, PostfixSettings settings)
    {
        if (facts is null)
        {
            return Result(DisabledMailbox, CheckStatus.Unknown,
                "Postfix does not know which mailboxes the mail store has disabled. Set Agent:Postfix:DisabledMailboxesTable to a lookup table that lists them; the agent reads it with postmap -s.", []);
        }

        var evidence = Evidence(facts, facts.DisabledMailboxes);
        if (facts.DisabledMailboxes.Count == 0)
        {
            return Result(DisabledMailbox, CheckStatus.Pass, "The disabled-mailbox table lists no address.", evidence);
        }

        var services = settings.MxServices();
        var enforced = services.All(service =>
            RecipientAccessTables(settings, service).Contains(facts.Source, StringComparer.OrdinalIgnoreCase));
        var notRejected = facts.DisabledMailboxes.Where(m => !IsRejectAction(m.Status)).ToArray();
        var step = $"Give every entry of {facts.Source} a rejection such as '550 5.2.1 Mailbox disabled' (access(5) syntax), run postmap on it, and put check_recipient_access {facts.Source} in smtpd_recipient_restrictions before any permit; or remove the addresses from the recipient maps.";
        if (enforced && notRejected.Length == 0)
        {
            return Result(DisabledMailbox, CheckStatus.Pass,
                $"{Count(facts.DisabledMailboxes.Count, "disabled mailbox")} {(facts.DisabledMailboxes.Count == 1 ? "is" : "are")} refused at RCPT by check_recipient_access {facts.Source}.",
                [.. evidence, $"check_recipient_access {facts.Source} is in the recipient restrictions of {string.Join(", ", services)}"]);
        }

        var why = enforced
            ? $"check_recipient_access {facts.Source} is in the recipient restrictions, but {Count(notRejected.Length, "entry", "entries")} {(notRejected.Length == 1 ? "does" : "do")} not reject: {Names(notRejected)}"
            : $"no check_recipient_access {facts.Source} in the recipient restrictions";
        return Result(DisabledMailbox, CheckStatus.Warn,
            $"{Count(facts.DisabledMailboxes.Count, "disabled mailbox")}, and nothing in the settings refuses {(facts.DisabledMailboxes.Count == 1 ? "it" : "them")} at SMTP time ({why}). If the recipient maps still list them, mail is accepted and bounces; the SMTP probe step tries their addresses.",
            evidence, [], [step]);
    }

    /// <summary>Carbonio/Zimbra: quota is enforced by LMTP after acceptance, so the question is whether any mailbox is full now.</summary>
    public static MtaRuleResult ZimbraQuota(MailboxFacts? facts, IReadOnlyList<string> globalEvidence, Func<string[], RemediationCommand> prov)
    {
        const string structural = "Zimbra enforces quota in LMTP after the MTA has accepted the mail: over-quota mail is deferred (452) and bounced to the sender when the queue lifetime ends, or bounced at once (552) with zimbraLmtpPermanentFailureWhenOverQuota TRUE.";
        IReadOnlyList<RemediationCommand> commands = [prov(["mc", "default", "zimbraQuotaWarnPercent", "90"])];
        IReadOnlyList<string> steps = ["Warn mailbox owners before they fill up (zimbraQuotaWarnPercent is a class-of-service attribute; set it on every COS in use), alert on mailboxes near quota, and watch the deferred queue for over-quota deliveries."];
        if (facts?.Quota is not { } quota)
        {
            return Result(QuotaNotification, CheckStatus.Warn,
                structural + " Which mailboxes are near their quota is not known: set Agent:Carbonio:ServerName so the agent reads prov gqu.",
                globalEvidence, commands, steps);
        }

        var evidence = new List<string>(globalEvidence)
        {
            $"{quota.MailboxesWithQuota} mailboxes have a quota; {quota.NearOrOver.Count}{(quota.Truncated ? "+" : string.Empty)} at or above {quota.ThresholdPercent}% ({facts.Source}, {facts.CollectedAt:yyyy-MM-dd HH:mm} UTC)",
        };
        evidence.AddRange(quota.NearOrOver.Take(50).Select(q => $"{q.Mailbox}: {Size(q.UsedBytes)} of {Size(q.QuotaBytes)} ({q.Percent:0}%)"));
        var over = quota.NearOrOver.Where(q => q.IsOver).ToArray();
        if (over.Length > 0)
        {
            return Result(QuotaNotification, CheckStatus.Fail,
                $"{Count(over.Length, "mailbox", "mailboxes")} {(over.Length == 1 ? "is" : "are")} over quota now, so mail to {(over.Length == 1 ? "it" : "them")} is accepted and then bounced to the (possibly forged) sender: {string.Join(", ", over.Take(Listed).Select(q => q.Mailbox))}{(over.Length > Listed ? ", …" : string.Empty)}.",
                evidence, commands, ["Raise the quota or clean up these mailboxes now.", .. steps]);
        }

        return Result(QuotaNotification, CheckStatus.Warn,
            structural + (quota.NearOrOver.Count == 0
                ? $" No mailbox is at {quota.ThresholdPercent}% of its quota now."
                : $" {Count(quota.NearOrOver.Count, "mailbox", "mailboxes")} {(quota.NearOrOver.Count == 1 ? "is" : "are")} at {quota.ThresholdPercent}% or more."),
            evidence, commands, steps);
    }

    private static IReadOnlyList<string> RecipientAccessTables(PostfixSettings settings, string service)
    {
        var tokens = PostfixSettings.Tokens(settings.Get("smtpd_recipient_restrictions", service).Value)
            .Concat(PostfixSettings.Tokens(settings.Get("smtpd_relay_restrictions", service).Value))
            .ToArray();
        var tables = new List<string>();
        for (var i = 0; i + 1 < tokens.Length; i++)
        {
            if (string.Equals(tokens[i], "check_recipient_access", StringComparison.OrdinalIgnoreCase))
            {
                tables.Add(tokens[i + 1]);
            }
        }

        return tables;
    }

    /// <summary>access(5) actions that refuse the recipient for good: REJECT, a 5xx code, or 4xx would only defer.</summary>
    private static bool IsRejectAction(string value)
    {
        var trimmed = value.TrimStart();
        return trimmed.StartsWith("REJECT", StringComparison.OrdinalIgnoreCase)
            || (trimmed.Length >= 3 && trimmed[0] == '5' && char.IsAsciiDigit(trimmed[1]) && char.IsAsciiDigit(trimmed[2]));
    }

    private static List<string> Evidence(MailboxFacts facts, IReadOnlyList<DisabledMailboxInfo> mailboxes)
    {
        var evidence = new List<string>
        {
            $"{Count(mailboxes.Count, "disabled mailbox")}{(facts.Truncated ? " (the agent's limit was reached: there are more)" : string.Empty)} from {facts.Source}, collected {facts.CollectedAt:yyyy-MM-dd HH:mm} UTC",
        };
        evidence.AddRange(mailboxes.Take(100).Select(m => $"{m.Mailbox} ({m.Status}): {string.Join(", ", m.Addresses)}"));
        if (mailboxes.Count > 100)
        {
            evidence.Add($"… {mailboxes.Count - 100} more");
        }

        return evidence;
    }

    private static string Names(IReadOnlyList<DisabledMailboxInfo> mailboxes) =>
        string.Join(", ", mailboxes.Take(Listed).Select(m => m.Mailbox)) + (mailboxes.Count > Listed ? $" and {mailboxes.Count - Listed} more" : string.Empty);

    private static string Count(int n, string singular, string? plural = null) => $"{n} {(n == 1 ? singular : plural ?? singular + "s")}";

    private static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.#} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.#} MiB",
        _ => $"{bytes / 1024.0:0.#} KiB",
    };
}
