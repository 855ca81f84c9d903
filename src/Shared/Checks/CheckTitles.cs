namespace BackscatterConsole.Shared.Checks;

/// <summary>
/// What a check's title says for each status. A title states the finding, not the goal: a passing
/// <c>smtp.unknown-recipient</c> reads "Unknown recipients are rejected at RCPT", a failing one "Unknown recipients are
/// accepted, then bounced". Statuses that are not a verdict (<c>error</c>: the check could not run, <c>unknown</c>: no data)
/// get neutral titles that claim neither.
/// </summary>
/// <param name="Pass">The finding when the check passes.</param>
/// <param name="Problem">The finding when it fails (and when it warns, unless <paramref name="Warn"/> is given).</param>
/// <param name="Error">Neutral: the check could not run.</param>
/// <param name="Warn">The finding when it warns, where that differs from a failure (inconclusive, or "may").</param>
/// <param name="Unknown">Neutral: nothing to judge yet; <paramref name="Error"/> when not given.</param>
/// <param name="Info">A fact that is neither good nor bad (the check does not apply); <paramref name="Pass"/> when not given.</param>
public sealed record CheckTitles(string Pass, string Problem, string Error, string? Warn = null, string? Unknown = null, string? Info = null)
{
    /// <summary>The title for a result with <paramref name="status"/>.</summary>
    public string For(CheckStatus status) => status switch
    {
        CheckStatus.Pass => Pass,
        CheckStatus.Fail => Problem,
        CheckStatus.Warn => Warn ?? Problem,
        CheckStatus.Unknown => Unknown ?? Error,
        CheckStatus.Info => Info ?? Pass,
        _ => Error,
    };
}

/// <summary>
/// The check catalogue's titles: one <see cref="CheckTitles"/> per stable check id (DOMAIN.md's catalogue). The domain
/// rules take their titles from here, and the console maps every stored result's id to its current title when it reads
/// it, so results stored before a title changed read the same as new ones. Ids are never renamed; only titles change.
/// </summary>
public static class CheckCatalog
{
    private static readonly Dictionary<string, CheckTitles> Titles = new(StringComparer.Ordinal)
    {
        ["smtp.unknown-recipient"] = new(
            Pass: "Unknown recipients are rejected at RCPT",
            Problem: "Unknown recipients are accepted, then bounced",
            Error: "Could not test whether unknown recipients are rejected",
            Warn: "Unknown recipients were not clearly rejected",
            Unknown: "Not known whether unknown recipients are rejected"),
        ["smtp.catch-all"] = new(
            Pass: "No catch-all accepts every address",
            Problem: "A catch-all forwards mail for any address off the server",
            Error: "Could not test for a catch-all",
            Warn: "A catch-all may accept every address",
            Unknown: "Not known whether a catch-all accepts every address",
            Info: "No catch-all in the settings (the SMTP probe looks for wildcards)"),
        ["smtp.open-relay"] = new(
            Pass: "Relaying to foreign domains is refused",
            Problem: "The server is an open relay",
            Error: "Could not test whether the server relays",
            Warn: "Relaying was refused only temporarily (4xx)",
            Unknown: "Not known whether the server relays"),
        ["smtp.starttls"] = new(
            Pass: "STARTTLS works with a valid certificate",
            Problem: "STARTTLS is missing or broken",
            Error: "Could not test STARTTLS",
            Warn: "STARTTLS is missing or its certificate has problems",
            Info: "STARTTLS is offered (the handshake was not tried)"),
        ["mta.verify-defer-code"] = new(
            Pass: "Address-verification tempfails are answered with 4xx",
            Problem: "Address-verification tempfails are answered with 250",
            Error: "Could not check the address-verification defer code",
            Warn: "Address verification would answer tempfails with 250",
            Unknown: "The address-verification defer code is not known",
            Info: "Address verification does not apply to this platform"),
        ["mta.disabled-mailbox"] = new(
            Pass: "Disabled mailboxes refuse mail at SMTP time",
            Problem: "Disabled mailboxes accept mail, then bounce it",
            Error: "Could not test whether disabled mailboxes refuse mail",
            Warn: "Disabled mailboxes may accept mail, then bounce it",
            Unknown: "Not known whether disabled mailboxes refuse mail"),
        ["mta.quota-notification"] = new(
            Pass: "Over-quota notices go to the mailbox, not the sender",
            Problem: "Over-quota mail is bounced to the sender",
            Error: "Could not check how over-quota mail is handled",
            Warn: "Over-quota mail may bounce or go to the postmaster",
            Unknown: "Not known how over-quota mail is handled"),
        ["mta.sender-login-mismatch"] = new(
            Pass: "Authenticated users can send only as their own addresses",
            Problem: "Authenticated users can send as any address",
            Error: "Could not check the sender-login rule",
            Warn: "The sender-login check is not enforced everywhere",
            Unknown: "Not known whether authenticated users can send as others",
            Info: "No authenticated sending here: the sender-login check does not apply"),
        ["mta.unlisted-sender"] = new(
            Pass: "Mail claiming a non-existent local sender is refused",
            Problem: "Mail may claim any address at a local domain",
            Error: "Could not check whether unlisted local senders are refused",
            Unknown: "Not known whether unlisted local senders are refused"),
        ["mta.sender-domain"] = new(
            Pass: "Mail from unresolvable sender domains is refused",
            Problem: "Mail from unresolvable sender domains is accepted",
            Error: "Could not check whether bogus sender domains are refused",
            Unknown: "Not known whether bogus sender domains are refused"),
        ["mta.policyd"] = new(
            Pass: "A rate-limit policy service is active",
            Problem: "No rate-limit policy service is active",
            Error: "Could not check for a rate-limit policy service",
            Unknown: "Not known whether a rate-limit policy service runs",
            Info: "This platform has no policy service to check"),
        ["mta.filter-bounce"] = new(
            Pass: "The spam and virus filter does not bounce to senders",
            Problem: "The spam and virus filter bounces to (forged) senders",
            Error: "Could not check whether the filter bounces to senders",
            Unknown: "Not known whether the spam and virus filter bounces to senders"),
        ["mta.bounce-hygiene"] = new(
            Pass: "No testing setting (soft_bounce) is left on",
            Problem: "soft_bounce is on: refusals turn into later bounces",
            Error: "Could not check for testing settings",
            Unknown: "Not known whether testing settings are left on"),
        ["mta.sender-callout"] = new(
            Pass: "No sender callouts (reject_unverified_sender is off)",
            Problem: "Sender callouts probe forged senders' servers",
            Error: "Could not check for sender callouts",
            Unknown: "Not known whether the server makes sender callouts",
            Info: "Sender callouts are not checked on this platform"),
        ["smtp.bounce-emission"] = new(
            Pass: "No null-sender mail to foreign domains",
            Problem: "The server is emitting backscatter",
            Error: "Could not count the server's null-sender mail",
            Warn: "Some null-sender mail went to foreign domains",
            Unknown: "Not known whether the server emits backscatter"),
        ["mta.settings"] = new(
            Pass: "The settings rules ran",
            Problem: "The settings rules could not run",
            Error: "The settings rules could not run"),
        ["dns.posture"] = new(
            Pass: "The DNS posture was checked",
            Problem: "The DNS posture could not be checked",
            Error: "The DNS posture could not be checked"),
        ["spf.record"] = new(
            Pass: "One valid SPF record is published",
            Problem: "The SPF record is missing or broken",
            Error: "Could not read the SPF record"),
        ["spf.all"] = new(
            Pass: "SPF fails senders it does not list (-all)",
            Problem: "SPF does not reject senders it does not list",
            Error: "Could not read the SPF policy",
            Warn: "SPF only softfails or ignores senders it does not list"),
        ["spf.lookups"] = new(
            Pass: "SPF stays within the DNS lookup limits",
            Problem: "SPF exceeds the DNS lookup limits (permerror)",
            Error: "Could not count the SPF lookups"),
        ["spf.ptr"] = new(
            Pass: "SPF does not use the ptr mechanism",
            Problem: "SPF uses the deprecated ptr mechanism",
            Error: "Could not check SPF for the ptr mechanism"),
        ["dkim.selectors"] = new(
            Pass: "DKIM selectors are known",
            Problem: "No DKIM selector is known, so no key was checked",
            Error: "Could not check the DKIM selectors",
            Unknown: "No DKIM selector is known, so no key was checked"),
        ["dmarc.record"] = new(
            Pass: "A valid DMARC record applies",
            Problem: "No valid DMARC record applies",
            Error: "Could not look up the DMARC record"),
        ["dmarc.policy"] = new(
            Pass: "DMARC enforces (quarantine or reject)",
            Problem: "DMARC only monitors (p=none)",
            Error: "Could not read the DMARC policy"),
        ["dmarc.subdomain-policy"] = new(
            Pass: "Subdomains get a DMARC policy as strict as the domain's",
            Problem: "Subdomains get a weaker DMARC policy (sp or np)",
            Error: "Could not check the DMARC subdomain policy"),
        ["dmarc.rua"] = new(
            Pass: "DMARC aggregate reports go to an authorized address",
            Problem: "DMARC aggregate reports reach nobody",
            Error: "Could not verify the DMARC report address"),
        ["dmarc.pct"] = new(
            Pass: "DMARC applies to all failing mail",
            Problem: "DMARC applies to only part of the failing mail (pct or t=y)",
            Error: "Could not check the DMARC coverage"),
        ["mx.records"] = new(
            Pass: "MX records are published",
            Problem: "No MX record is published",
            Error: "Could not look up the MX records",
            Info: "Null MX: the domain accepts no mail"),
        ["mx.resolvable"] = new(
            Pass: "Every MX host resolves to an address",
            Problem: "No MX host resolves to an address",
            Error: "Could not resolve the MX hosts",
            Warn: "Some MX hosts do not resolve",
            Info: "Null MX: there is no exchanger to resolve"),
        ["dnsbl.listing"] = new(
            Pass: "The egress address is on none of the blocklists checked",
            Problem: "The egress address is on a blocklist",
            Error: "Could not check the blocklists",
            Unknown: "The egress addresses are not known"),
    };

    /// <summary>Every catalogued id with its titles (the per-selector DKIM checks are <see cref="DkimKey"/>).</summary>
    public static IReadOnlyDictionary<string, CheckTitles> All => Titles;

    /// <summary>The titles of the DKIM key check of one selector (<c>dkim.&lt;selector&gt;</c>).</summary>
    public static CheckTitles DkimKey(string selector) => new(
        Pass: $"DKIM key {selector} is published and strong",
        Problem: $"DKIM key {selector} is missing, revoked or unusable",
        Error: $"Could not look up DKIM key {selector}",
        Warn: $"DKIM key {selector} is weak or marked as testing");

    /// <summary>The titles of <paramref name="id"/>, or null when the catalogue does not know it.</summary>
    public static CheckTitles? Find(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (Titles.TryGetValue(id, out var titles))
        {
            return titles;
        }

        return id.StartsWith("dkim.", StringComparison.Ordinal) && id.Length > "dkim.".Length ? DkimKey(id["dkim.".Length..]) : null;
    }

    /// <summary>The title of a result of <paramref name="id"/> with <paramref name="status"/>.</summary>
    /// <exception cref="KeyNotFoundException">The id is not in the catalogue.</exception>
    public static string Title(string id, CheckStatus status) =>
        Find(id)?.For(status) ?? throw new KeyNotFoundException($"'{id}' is not in the check catalogue.");

    /// <summary>The catalogue's title when it knows <paramref name="id"/>, otherwise <paramref name="fallback"/> (a stored title).</summary>
    public static string TitleOr(string id, CheckStatus status, string fallback) => Find(id)?.For(status) ?? fallback;
}
