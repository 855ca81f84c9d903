using BackscatterConsole.Domain.Names;
using BackscatterConsole.Domain.Smtp;
using BackscatterConsole.Domain.Text;
using BackscatterConsole.Shared.Servers;

namespace BackscatterConsole.Domain.Servers;

/// <summary>A validated, normalized managed-server definition, ready to store.</summary>
public sealed record ServerDefinition(
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
    string? ControlRecipient = null,
    int ScanIntervalMinutes = ServerRules.DefaultScanIntervalMinutes,
    IReadOnlyList<string>? EgressAddresses = null);

/// <summary>
/// The inventory's input rules. One place decides what a valid server is, so the API's problem details
/// and the UI's inline messages say the same thing.
/// </summary>
public static class ServerRules
{
    public const int MaxNameLength = 100;
    public const int MaxVersionLength = 50;
    public const int MaxNotesLength = 4000;
    public const int MaxDomains = 500;
    public const int MaxSelectorsPerDomain = 20;
    public const int MaxTags = 20;
    public const int MaxTagLength = 40;
    public const int DefaultSmtpPort = 25;

    /// <summary>Most sending addresses one server may list for the blocklist check.</summary>
    public const int MaxEgressAddresses = 32;

    /// <summary>Scheduled rescans run daily unless the server says otherwise.</summary>
    public const int DefaultScanIntervalMinutes = 24 * 60;

    /// <summary>Longest rescan interval: 30 days.</summary>
    public const int MaxScanIntervalMinutes = 30 * 24 * 60;

    /// <summary>Shortest rescan interval: probing more often than every 15 minutes would look like abuse to the server.</summary>
    public const int MinScanIntervalMinutes = 15;

    /// <summary>
    /// Validates <paramref name="input"/>. On success <paramref name="definition"/> is the normalized form;
    /// otherwise the returned dictionary maps camelCase field paths to messages.
    /// </summary>
    public static IReadOnlyDictionary<string, string[]> Validate(ServerInput input, out ServerDefinition? definition)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        var name = input.Name?.Trim() ?? string.Empty;
        if (name.Length == 0)
        {
            Add("name", "Name is required.");
        }
        else if (name.Length > MaxNameLength)
        {
            Add("name", $"Name is {name.Length} characters long; at most {MaxNameLength} are allowed.");
        }
        else if (TextRules.ControlCharacterError(name, "Name") is { } nameError)
        {
            Add("name", nameError);
        }

        var hostname = string.Empty;
        if (string.IsNullOrWhiteSpace(input.Hostname))
        {
            Add("hostname", "Hostname is required.");
        }
        else if (!HostName.TryNormalize(input.Hostname, out hostname, out var hostError))
        {
            Add("hostname", $"'{Clip(input.Hostname)}' is not a valid hostname: {hostError}");
        }

        var platform = input.Platform?.Trim().ToLowerInvariant() ?? string.Empty;
        if (platform.Length == 0)
        {
            Add("platform", $"Platform is required: one of {string.Join(", ", MailPlatforms.All)}.");
        }
        else if (!MailPlatforms.All.Contains(platform))
        {
            Add("platform", $"'{Clip(input.Platform!)}' is not a known platform: use one of {string.Join(", ", MailPlatforms.All)}.");
        }

        var version = NullIfBlank(input.Version);
        if (version is { Length: > MaxVersionLength })
        {
            Add("version", $"Version is {version.Length} characters long; at most {MaxVersionLength} are allowed.");
        }
        else if (TextRules.ControlCharacterError(version, "Version") is { } versionError)
        {
            Add("version", versionError);
        }

        var smtpHost = hostname;
        if (!string.IsNullOrWhiteSpace(input.SmtpHost))
        {
            if (HostName.IsIpAddress(input.SmtpHost))
            {
                smtpHost = input.SmtpHost.Trim();
            }
            else if (HostName.TryNormalize(input.SmtpHost, out var normalizedSmtpHost, out var smtpError))
            {
                smtpHost = normalizedSmtpHost;
            }
            else
            {
                Add("smtpHost", $"'{Clip(input.SmtpHost)}' is not a valid host name or IP address: {smtpError}");
            }
        }

        var smtpPort = input.SmtpPort ?? DefaultSmtpPort;
        if (smtpPort is < 1 or > 65535)
        {
            Add("smtpPort", $"Port {smtpPort} is outside 1–65535.");
        }

        var domains = ValidateDomains(input.Domains, Add);
        var tags = ValidateTags(input.Tags, Add);

        var controlRecipient = NullIfBlank(input.ControlRecipient);
        if (controlRecipient is not null && !SmtpProbeOptions.IsSafeMailbox(controlRecipient))
        {
            Add("controlRecipient", $"'{Clip(controlRecipient)}' is not a plain local@domain address the probe can send.");
        }

        var scanInterval = input.ScanIntervalMinutes ?? DefaultScanIntervalMinutes;
        if (scanInterval != 0 && scanInterval is < MinScanIntervalMinutes or > MaxScanIntervalMinutes)
        {
            Add("scanIntervalMinutes", $"{scanInterval} minutes is outside {MinScanIntervalMinutes}–{MaxScanIntervalMinutes}; use 0 to turn scheduled rescans off.");
        }

        var egress = ValidateEgressAddresses(input.EgressAddresses, Add);

        var notes = NullIfBlank(input.Notes);
        if (notes is { Length: > MaxNotesLength })
        {
            Add("notes", $"Notes are {notes.Length} characters long; at most {MaxNotesLength} are allowed.");
        }
        else if (TextRules.ControlCharacterError(notes, "Notes", multiLine: true) is { } notesError)
        {
            Add("notes", notesError);
        }

        if (errors.Count > 0)
        {
            definition = null;
            return errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
        }

        definition = new ServerDefinition(name, hostname, platform, version, smtpHost, smtpPort, input.ProbeEnabled ?? false, domains, tags, notes, controlRecipient, scanInterval, egress);
        return new Dictionary<string, string[]>();
    }

    /// <summary>Egress addresses as IP addresses in canonical text (IPv4-mapped IPv6 becomes IPv4), duplicates dropped, order kept.</summary>
    private static List<string> ValidateEgressAddresses(List<string>? inputs, Action<string, string> add)
    {
        var result = new List<string>();
        if (inputs is null)
        {
            return result;
        }

        if (inputs.Count > MaxEgressAddresses)
        {
            add("egressAddresses", $"{inputs.Count} egress addresses are listed; at most {MaxEgressAddresses} are allowed.");
            return result;
        }

        for (var i = 0; i < inputs.Count; i++)
        {
            var text = inputs[i]?.Trim() ?? string.Empty;
            // IPAddress.TryParse also accepts "1" or "0x7f000001"; only dotted quads and IPv6 text are addresses a person writes.
            if (!System.Net.IPAddress.TryParse(text, out var address)
                || (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && text.Count(c => c == '.') != 3)
                || text.Contains('%', StringComparison.Ordinal) || text.Contains('/', StringComparison.Ordinal))
            {
                add($"egressAddresses[{i}]", $"'{Clip(text)}' is not an IPv4 or IPv6 address.");
                continue;
            }

            if (address.IsIPv4MappedToIPv6)
            {
                address = address.MapToIPv4();
            }

            var canonical = address.ToString();
            if (!result.Contains(canonical, StringComparer.Ordinal))
            {
                result.Add(canonical);
            }
        }

        return result;
    }

    private static List<HostedDomainDto> ValidateDomains(List<HostedDomainInput>? inputs, Action<string, string> add)
    {
        var result = new List<HostedDomainDto>();
        if (inputs is null)
        {
            return result;
        }

        if (inputs.Count > MaxDomains)
        {
            add("domains", $"{inputs.Count} domains given; at most {MaxDomains} per server.");
            return result;
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < inputs.Count; i++)
        {
            var field = $"domains[{i}]";
            var domain = inputs[i];
            if (domain is null || string.IsNullOrWhiteSpace(domain.Name))
            {
                add($"{field}.name", "Domain name is required.");
                continue;
            }

            if (!HostName.TryNormalize(domain.Name, out var name, out var error))
            {
                add($"{field}.name", $"'{Clip(domain.Name)}' is not a valid domain name: {error}");
                continue;
            }

            if (!name.Contains('.', StringComparison.Ordinal))
            {
                add($"{field}.name", $"'{name}' is not a domain: it needs at least two labels (for example example.com).");
                continue;
            }

            if (seen.TryGetValue(name, out var first))
            {
                add($"{field}.name", $"'{name}' is listed twice (also at position {first + 1}).");
                continue;
            }

            seen[name] = i;
            var selectors = new List<string>();
            var selectorInputs = domain.DkimSelectors ?? [];
            if (selectorInputs.Count > MaxSelectorsPerDomain)
            {
                add($"{field}.dkimSelectors", $"{selectorInputs.Count} selectors given; at most {MaxSelectorsPerDomain} per domain.");
            }
            else
            {
                foreach (var selector in selectorInputs)
                {
                    if (string.IsNullOrWhiteSpace(selector))
                    {
                        continue;
                    }

                    if (!HostName.TryNormalize(selector, out var normalized, out var selectorError, allowUnderscore: true))
                    {
                        add($"{field}.dkimSelectors", $"'{Clip(selector)}' is not a valid DKIM selector: {selectorError}");
                    }
                    else if (!selectors.Contains(normalized))
                    {
                        selectors.Add(normalized);
                    }
                }
            }

            result.Add(new HostedDomainDto(name, selectors));
        }

        return result;
    }

    private static List<string> ValidateTags(List<string>? inputs, Action<string, string> add)
    {
        var tags = new List<string>();
        foreach (var raw in inputs ?? [])
        {
            var tag = raw?.Trim().ToLowerInvariant() ?? string.Empty;
            if (tag.Length == 0)
            {
                continue;
            }

            if (tag.Length > MaxTagLength || !IsValidTag(tag))
            {
                add("tags", $"'{Clip(raw!)}' is not a valid tag: use up to {MaxTagLength} letters, digits, '-', '_', '.' or ':'.");
            }
            else if (!tags.Contains(tag))
            {
                tags.Add(tag);
            }
        }

        if (tags.Count > MaxTags)
        {
            add("tags", $"{tags.Count} tags given; at most {MaxTags} per server.");
        }

        return tags;
    }

    private static bool IsValidTag(string tag) =>
        char.IsAsciiLetterOrDigit(tag[0]) && tag.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string Clip(string value) => value.Length <= 60 ? value : value[..60] + "…";
}
