namespace BackscatterConsole.Shared.Settings;

/// <summary>
/// Facts about individual mailboxes that settings alone cannot show, collected by the agent: the mailboxes that are
/// disabled (with every address that still routes to them) and, where the platform reports it, quota usage.
/// </summary>
/// <param name="CollectedAt">When they were collected (UTC).</param>
/// <param name="Source">The command or table they came from, for example <c>carbonio prov -l sa -v …</c> or <c>postmap -s hash:/etc/postfix/disabled</c>.</param>
/// <param name="DisabledMailboxes">Disabled mailboxes; empty when none are disabled.</param>
/// <param name="Truncated">True when the platform had more disabled mailboxes than the agent's limit: the list is a prefix.</param>
/// <param name="Quota">Quota usage; null when the platform or the agent's configuration does not report it.</param>
public sealed record MailboxFacts(
    DateTimeOffset CollectedAt,
    string Source,
    IReadOnlyList<DisabledMailboxInfo> DisabledMailboxes,
    bool Truncated,
    QuotaUsage? Quota);

/// <summary>Quota usage on the server: how many mailboxes have a quota, and those at or above the report threshold.</summary>
/// <param name="MailboxesWithQuota">Mailboxes with a quota set (unlimited ones are not counted).</param>
/// <param name="ThresholdPercent">The agent reports mailboxes whose usage is at or above this percentage of their quota.</param>
/// <param name="NearOrOver">Those mailboxes, fullest first.</param>
/// <param name="Truncated">True when more mailboxes were at or above the threshold than the agent's limit.</param>
public sealed record QuotaUsage(int MailboxesWithQuota, int ThresholdPercent, IReadOnlyList<MailboxQuota> NearOrOver, bool Truncated);

/// <summary>A disabled mailbox and the addresses that still lead to it.</summary>
/// <param name="Mailbox">The mailbox (account name).</param>
/// <param name="Status">The platform's status word, for example Zimbra's <c>closed</c>, <c>pending</c> or <c>maintenance</c>, or <c>disabled</c>.</param>
/// <param name="Addresses">Every address that routes to it: the primary address first, then aliases.</param>
public sealed record DisabledMailboxInfo(string Mailbox, string Status, IReadOnlyList<string> Addresses);

/// <summary>Quota and usage of one mailbox.</summary>
/// <param name="Mailbox">The mailbox (account name).</param>
/// <param name="QuotaBytes">The quota in bytes; 0 means unlimited.</param>
/// <param name="UsedBytes">The space used in bytes.</param>
public sealed record MailboxQuota(string Mailbox, long QuotaBytes, long UsedBytes)
{
    /// <summary>True when a quota is set and usage has reached it: new mail to this mailbox fails after acceptance.</summary>
    public bool IsOver => QuotaBytes > 0 && UsedBytes >= QuotaBytes;

    /// <summary>Usage as a percentage of the quota; null when unlimited.</summary>
    public double? Percent => QuotaBytes > 0 ? 100.0 * UsedBytes / QuotaBytes : null;
}
