using System.Globalization;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Domain.Settings;

/// <summary>
/// Parses what the agent reads about individual mailboxes: Zimbra/Carbonio account searches (<c>prov -l sa -v QUERY</c>),
/// Zimbra quota usage (<c>prov gqu SERVER</c>), and a Postfix lookup table of disabled addresses (<c>postmap -s TABLE</c>).
/// </summary>
public static class MailboxFactsParser
{
    /// <summary>
    /// Account statuses whose mail the Zimbra MTA still accepts and LMTP then refuses: <c>closed</c> and <c>pending</c>
    /// permanently (the mail bounces at once), <c>maintenance</c> temporarily (it waits in the queue, then bounces).
    /// <c>locked</c> and <c>lockout</c> stop logins, not delivery, so they are not listed.
    /// </summary>
    public static readonly IReadOnlyList<string> ZimbraUndeliverableStatuses = ["closed", "pending", "maintenance"];

    /// <summary>The LDAP filter that finds accounts in <see cref="ZimbraUndeliverableStatuses"/>.</summary>
    public static string ZimbraDisabledAccountFilter { get; } =
        "(|" + string.Concat(ZimbraUndeliverableStatuses.Select(s => $"(zimbraAccountStatus={s})")) + ")";

    /// <summary>
    /// Parses <c>prov -l sa -v FILTER</c>: one block per account, headed by <c>#&#160;name ACCOUNT</c>, with
    /// <c>attribute: value</c> lines as <c>prov ga</c> prints them. Accounts whose <c>zimbraMailStatus</c> is
    /// <c>disabled</c> keep that status word so the rules can tell the MTA refuses them.
    /// </summary>
    public static IReadOnlyList<DisabledMailboxInfo> ParseZimbraAccounts(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var accounts = new List<DisabledMailboxInfo>();
        string? name = null;
        var block = new List<string>();

        void Flush()
        {
            if (name is null)
            {
                return;
            }

            var values = ZimbraConfigParser.Parse(string.Join('\n', block)).Value;
            IReadOnlyList<string> Get(string attribute) => values.TryGetValue(attribute, out var v) ? v : [];
            var status = Get("zimbraAccountStatus").LastOrDefault()?.Trim().ToLowerInvariant() ?? "unknown";
            if (string.Equals(Get("zimbraMailStatus").LastOrDefault()?.Trim(), "disabled", StringComparison.OrdinalIgnoreCase))
            {
                status += ", zimbraMailStatus disabled";
            }

            var addresses = new[] { name }
                .Concat(Get("zimbraMailDeliveryAddress"))
                .Concat(Get("zimbraMailAlias"))
                .Select(a => a.Trim())
                .Where(a => a.Contains('@', StringComparison.Ordinal))
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .ToArray();
            accounts.Add(new DisabledMailboxInfo(name, status, addresses));
        }

        foreach (var rawLine in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = rawLine.TrimEnd();
            if (line.StartsWith("# name ", StringComparison.Ordinal))
            {
                Flush();
                name = line["# name ".Length..].Trim();
                block.Clear();
            }
            else if (name is not null)
            {
                block.Add(line);
            }
        }

        Flush();
        return accounts;
    }

    /// <summary>
    /// Parses <c>prov gqu SERVER</c>: one <c>account quota used</c> line per mailbox, sizes in bytes, quota 0 for unlimited.
    /// Lines that do not have that shape are skipped.
    /// </summary>
    public static IReadOnlyList<MailboxQuota> ParseZimbraQuotaUsage(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var quotas = new List<MailboxQuota>();
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 3 && parts[0].Contains('@', StringComparison.Ordinal)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var quota)
                && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var used))
            {
                quotas.Add(new MailboxQuota(parts[0], quota, used));
            }
        }

        return quotas;
    }

    /// <summary>
    /// Summarizes quota usage: counts the mailboxes with a quota and keeps those at or above <paramref name="thresholdPercent"/>,
    /// fullest first, at most <paramref name="limit"/>.
    /// </summary>
    public static QuotaUsage SummarizeQuota(IReadOnlyList<MailboxQuota> quotas, int thresholdPercent, int limit)
    {
        ArgumentNullException.ThrowIfNull(quotas);
        var limited = quotas.Where(q => q.QuotaBytes > 0).ToArray();
        var near = limited.Where(q => q.Percent >= thresholdPercent).OrderByDescending(q => q.Percent).ToArray();
        return new QuotaUsage(limited.Length, thresholdPercent, near.Take(limit).ToArray(), near.Length > limit);
    }

    /// <summary>
    /// Parses <c>postmap -s TABLE</c> output of a table that lists disabled addresses: <c>address whitespace value</c>
    /// per line. When the value is an address, the key is an alias of that mailbox; otherwise the key is the mailbox
    /// itself and the value (for example <c>disabled</c> or a reason) is its status. Keys without <c>@</c> (Postfix
    /// table comments never reach <c>postmap -s</c>) are skipped.
    /// </summary>
    public static IReadOnlyList<DisabledMailboxInfo> ParsePostfixDisabledTable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var mailboxes = new Dictionary<string, (string Status, List<string> Addresses)>(StringComparer.OrdinalIgnoreCase);
        var order = new List<string>();
        foreach (var rawLine in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var split = line.IndexOfAny([' ', '\t']);
            var key = split < 0 ? line : line[..split];
            var value = split < 0 ? string.Empty : line[split..].Trim();
            if (!key.Contains('@', StringComparison.Ordinal))
            {
                continue;
            }

            var isAlias = value.Contains('@', StringComparison.Ordinal) && !value.Contains(' ', StringComparison.Ordinal)
                && !string.Equals(value, key, StringComparison.OrdinalIgnoreCase);
            var mailbox = isAlias ? value : key;
            if (!mailboxes.TryGetValue(mailbox, out var entry))
            {
                entry = ("disabled", [mailbox]);
                mailboxes[mailbox] = entry;
                order.Add(mailbox);
            }

            if (!isAlias && value.Length > 0 && !value.Contains('@', StringComparison.Ordinal))
            {
                mailboxes[mailbox] = entry = (value, entry.Addresses);
            }

            if (!entry.Addresses.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                entry.Addresses.Add(key);
            }
        }

        return order.Select(m => new DisabledMailboxInfo(m, mailboxes[m].Status, mailboxes[m].Addresses.ToArray())).ToArray();
    }
}
