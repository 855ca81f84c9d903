namespace BackscatterConsole.Shared.Servers;

/// <summary>Mail platforms the inventory knows; the strings are the API values.</summary>
public static class MailPlatforms
{
    public const string Postfix = "postfix";
    public const string Carbonio = "carbonio";
    public const string Zimbra = "zimbra";
    public const string MailEnable = "mailenable";
    public const string Exchange = "exchange";
    public const string Other = "other";

    /// <summary>Every valid value, in display order.</summary>
    public static IReadOnlyList<string> All { get; } = [Postfix, Carbonio, Zimbra, MailEnable, Exchange, Other];

    /// <summary>Human name of a platform value.</summary>
    public static string DisplayName(string platform) => platform switch
    {
        Postfix => "Postfix",
        Carbonio => "Carbonio CE",
        Zimbra => "Zimbra",
        MailEnable => "MailEnable",
        Exchange => "Exchange",
        _ => "Other",
    };
}

/// <summary>A domain hosted on a managed server.</summary>
/// <param name="Name">The domain name, lower-case ASCII.</param>
/// <param name="DkimSelectors">DKIM selectors in use for the domain (DNS cannot list them).</param>
public sealed record HostedDomainDto(string Name, IReadOnlyList<string> DkimSelectors);

/// <summary>A managed mail server as the API returns it.</summary>
public sealed record ServerDto(
    Guid Id,
    string Name,
    string Hostname,
    string Platform,
    string? Version,
    string SmtpHost,
    int SmtpPort,
    bool ProbeEnabled,
    IReadOnlyList<HostedDomainDto> Domains,
    IReadOnlyList<string> Tags,
    string? Notes,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    long Revision,
    string? ControlRecipient = null,
    int ScanIntervalMinutes = 1440,
    int? RiskScore = null,
    string? WorstStatus = null,
    DateTime? LastScannedAt = null,
    IReadOnlyList<string>? EgressAddresses = null);

/// <summary>A domain as submitted in <see cref="ServerInput"/>.</summary>
public sealed class HostedDomainInput
{
    public string? Name { get; set; }

    public List<string>? DkimSelectors { get; set; }
}

/// <summary>What a client sends to create or replace a managed server. Missing optional fields take their defaults.</summary>
public sealed class ServerInput
{
    public string? Name { get; set; }

    public string? Hostname { get; set; }

    public string? Platform { get; set; }

    public string? Version { get; set; }

    /// <summary>Host the SMTP probe connects to; defaults to the hostname.</summary>
    public string? SmtpHost { get; set; }

    /// <summary>Port the SMTP probe connects to; defaults to 25.</summary>
    public int? SmtpPort { get; set; }

    public bool? ProbeEnabled { get; set; }

    public List<HostedDomainInput>? Domains { get; set; }

    public List<string>? Tags { get; set; }

    public string? Notes { get; set; }

    /// <summary>A mailbox known to exist, tried by the SMTP probe as a control recipient; optional.</summary>
    public string? ControlRecipient { get; set; }

    /// <summary>Minutes between scheduled rescans (default a day); 0 turns them off for this server.</summary>
    public int? ScanIntervalMinutes { get; set; }

    /// <summary>
    /// The addresses the server sends mail from, looked up on blocklists (<c>dnsbl.listing</c>); IPv4 or IPv6. Empty: the
    /// A and AAAA records of the hostname at scan time.
    /// </summary>
    public List<string>? EgressAddresses { get; set; }
}

/// <summary>Filters, sort and page of the server list.</summary>
/// <param name="Q">Text searched in name, hostname and hosted domains.</param>
/// <param name="Platform">Only this platform.</param>
/// <param name="Tag">Only servers with this tag.</param>
/// <param name="Sort">
/// One or more sort keys separated by commas, the first deciding first (<c>-risk,name</c>): name, hostname, platform,
/// updatedAt, risk, scannedAt; a leading '-' sorts descending. Servers never scanned sort after scanned ones by risk.
/// </param>
/// <param name="Page">1-based page.</param>
/// <param name="PageSize">Items per page (1–200).</param>
/// <param name="MinRisk">Only servers whose latest completed scan scored at least this (0–100); never-scanned servers drop out.</param>
/// <param name="MaxRisk">Only servers whose latest completed scan scored at most this (0–100).</param>
/// <param name="Status">Only servers whose worst finding has this status (<see cref="ServerStatusFilter"/>).</param>
/// <param name="Check">Only servers whose latest completed scan fails or warns on this check id (for example <c>dnsbl.listing</c>: listed on a blocklist).</param>
/// <param name="Emitting">True: only servers emitting backscatter within the emission window (<c>Emission:Window</c>); false: only those that are not.</param>
public sealed record ServerQuery(
    string? Q = null,
    string? Platform = null,
    string? Tag = null,
    string? Sort = null,
    int Page = 1,
    int PageSize = 25,
    int? MinRisk = null,
    int? MaxRisk = null,
    string? Status = null,
    string? Check = null,
    bool? Emitting = null)
{
    public const int MaxPageSize = 200;

    /// <summary>Accepted sort keys.</summary>
    public static IReadOnlyList<string> SortKeys { get; } = ["name", "hostname", "platform", "updatedAt", "risk", "scannedAt"];
}

/// <summary>Values of the server list's <c>status</c> filter: the status of each server's worst finding in its latest completed scan.</summary>
public static class ServerStatusFilter
{
    public const string Fail = "fail";
    public const string Warn = "warn";
    public const string Error = "error";
    public const string Unknown = "unknown";

    /// <summary>Nothing worse than pass or info.</summary>
    public const string Pass = "pass";

    /// <summary>No completed scan yet.</summary>
    public const string Unscanned = "unscanned";

    /// <summary>Every value, from the most to the least serious.</summary>
    public static IReadOnlyList<string> All { get; } = [Fail, Warn, Error, Unknown, Pass, Unscanned];
}

/// <summary>Body of <c>POST /api/v1/servers/tags</c>: tags to add to and remove from the given servers.</summary>
public sealed class ServerTagsInput
{
    /// <summary>The servers to change (1–1000).</summary>
    public List<Guid>? ServerIds { get; set; }

    /// <summary>Tags to add.</summary>
    public List<string>? Add { get; set; }

    /// <summary>Tags to remove.</summary>
    public List<string>? Remove { get; set; }
}

/// <summary>What a tag change did.</summary>
/// <param name="Changed">Servers whose tags changed.</param>
/// <param name="Unchanged">Servers that already had (or lacked) the tags.</param>
/// <param name="Failed">Servers left as they were, with the reason (for example too many tags).</param>
public sealed record ServerTagsResultDto(IReadOnlyList<Guid> Changed, IReadOnlyList<Guid> Unchanged, IReadOnlyDictionary<Guid, string> Failed);
