namespace BackscatterConsole.Domain.Dnsbl;

/// <summary>
/// A DNS blocklist zone and how to read its answers. Each list has its own codes: Spamhaus ZEN answers 127.0.0.2 for SBL
/// and 127.0.0.10 for PBL, while backscatter lists answer 127.0.0.2 for any listing; Spamhaus also answers
/// 127.255.255.252–255 when it refuses the query (public resolver, no DQS key), which is not a listing.
/// </summary>
public sealed class DnsblZone
{
    /// <summary>The zone queried (<c>ips.backscatterer.org</c>); an address is looked up as its reversed octets under it.</summary>
    public string Zone { get; set; } = string.Empty;

    /// <summary>A name for people.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Answer address → what a listing with it means. A 127.0.0.0/8 answer not named here is still a listing ("undocumented code").</summary>
    public Dictionary<string, string> Codes { get; set; } = [];

    /// <summary>Answer addresses that mean the zone refused or could not judge the query: the check reports an error, not a listing.</summary>
    public Dictionary<string, string> ErrorCodes { get; set; } = [];

    /// <summary>What a listed operator should do, shown as the remediation.</summary>
    public string DelistingAdvice { get; set; } = string.Empty;

    /// <summary>
    /// Resolvers (<c>host</c> or <c>host:port</c>) for this zone only, for example a local rbldnsd mirror or a paid access
    /// point; empty uses the console's resolver (<c>Dns:Servers</c>). Either way the resolver's timeouts, attempts and limits apply.
    /// </summary>
    public List<string> Servers { get; set; } = [];

    /// <summary>True for zones that refuse (or answer falsely) queries that arrive through large public resolvers.</summary>
    public bool RefusesPublicResolvers { get; set; }

    /// <summary>The zones used when none are configured: two backscatter lists and one general list.</summary>
    public static IReadOnlyList<DnsblZone> Defaults { get; } =
    [
        new()
        {
            Zone = "ips.backscatterer.org",
            Name = "Backscatterer.org",
            Codes = new() { ["127.0.0.2"] = "listed for sending backscatter (bounces or sender callouts to forged senders)" },
            DelistingAdvice = "Stop the backscatter first: reject unknown recipients at RCPT instead of bouncing, and turn off sender callouts (reject_unverified_sender). " +
                "Search the mail log around the listing time for outgoing mail with a null (<>) or postmaster sender. Backscatterer.org expires listings automatically " +
                "four weeks after the last hit; express delisting is offered at https://www.backscatterer.org/?target=express-delisting.",
        },
        new()
        {
            Zone = "backscatter.spameatingmonkey.net",
            Name = "SpamEatingMonkey backscatter",
            Codes = new() { ["127.0.0.2"] = "listed for sending backscatter to SpamEatingMonkey's traps" },
            DelistingAdvice = "Fix the cause (accept-then-bounce, sender callouts, auto-replies to forged senders); listings expire after seven days without new hits. " +
                "Removal can be requested at https://spameatingmonkey.com/lookup.",
        },
        new()
        {
            Zone = "zen.spamhaus.org",
            Name = "Spamhaus ZEN",
            RefusesPublicResolvers = true,
            Codes = new()
            {
                ["127.0.0.2"] = "SBL: a known spam source or spam operation",
                ["127.0.0.3"] = "SBL CSS: snowshoe spam or a compromised host",
                ["127.0.0.4"] = "XBL: an exploited or infected host",
                ["127.0.0.9"] = "SBL DROP: a hijacked or criminal network",
                ["127.0.0.10"] = "PBL (ISP): an address not meant to send mail directly",
                ["127.0.0.11"] = "PBL (Spamhaus): an address not meant to send mail directly",
            },
            ErrorCodes = new()
            {
                ["127.255.255.252"] = "typo in the DNSBL name",
                ["127.255.255.254"] = "query through a public or open resolver refused",
                ["127.255.255.255"] = "excessive number of queries",
            },
            DelistingAdvice = "Look the address up at https://check.spamhaus.org/ for the listing's reason and follow the removal steps shown there; " +
                "a PBL listing of a real mail server is removed by its owner there.",
        },
    ];
}
