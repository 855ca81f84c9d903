using System.Globalization;
using BackscatterConsole.Shared.Servers;

namespace BackscatterConsole.Client.Features.Servers;

/// <summary>
/// The server editor's model. Numbers stay strings, so whatever the user typed is shown back with its error (a port of
/// "abc" stays "abc"); hosted domains are rows, each with its own DKIM selectors; errors are kept per field.
/// </summary>
public sealed class ServerForm
{
    public string? Name { get; set; }

    public string? Hostname { get; set; }

    public string Platform { get; set; } = MailPlatforms.Postfix;

    public string? Version { get; set; }

    public string? SmtpHost { get; set; }

    public string? SmtpPort { get; set; }

    public bool ProbeEnabled { get; set; }

    public List<DomainRow> Domains { get; set; } = [];

    public List<string> Tags { get; set; } = [];

    /// <summary>Text typed into the tag field and not yet turned into a tag; saved with the rest.</summary>
    public string? PendingTag { get; set; }

    public string? Notes { get; set; }

    public string? ControlRecipient { get; set; }

    /// <summary>Egress addresses as typed: one per line, or separated by commas or spaces; empty means the hostname's addresses.</summary>
    public string? EgressAddresses { get; set; }

    /// <summary>Minutes between scheduled rescans, as typed; empty means the default (a day).</summary>
    public string? ScanIntervalMinutes { get; set; }

    /// <summary>The revision the user started editing from; a different current revision is a conflict.</summary>
    public long Revision { get; set; }

    /// <summary>Messages per field (<see cref="ServerInput"/> property names in camelCase, as the service keys them) that are not about one domain row.</summary>
    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    /// <summary>Messages the form has no field for; shown above the form.</summary>
    public List<string> OtherErrors { get; } = [];

    public static ServerForm From(ServerDto server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return new ServerForm
        {
            Name = server.Name,
            Hostname = server.Hostname,
            Platform = server.Platform,
            Version = server.Version,
            SmtpHost = server.SmtpHost == server.Hostname ? null : server.SmtpHost,
            SmtpPort = server.SmtpPort.ToString(CultureInfo.InvariantCulture),
            ProbeEnabled = server.ProbeEnabled,
            Domains = server.Domains.Select(d => new DomainRow { Name = d.Name, Selectors = string.Join(", ", d.DkimSelectors) }).ToList(),
            Tags = [.. server.Tags],
            Notes = server.Notes,
            ControlRecipient = server.ControlRecipient,
            EgressAddresses = string.Join(Environment.NewLine, server.EgressAddresses ?? []),
            ScanIntervalMinutes = server.ScanIntervalMinutes.ToString(CultureInfo.InvariantCulture),
            Revision = server.Revision,
        };
    }

    /// <summary>Adds the tags typed into the tag field (separated by commas or spaces) and empties it.</summary>
    public void CommitPendingTag()
    {
        foreach (var tag in Split(PendingTag, [',', ' ', ';', '\t']))
        {
            if (!Tags.Contains(tag, StringComparer.OrdinalIgnoreCase))
            {
                Tags.Add(tag);
            }
        }

        PendingTag = null;
    }

    public void ClearErrors()
    {
        Errors.Clear();
        OtherErrors.Clear();
        foreach (var row in Domains)
        {
            row.NameError = null;
            row.SelectorsError = null;
        }
    }

    public string? Error(string field) => Errors.GetValueOrDefault(field);

    public bool HasErrors => Errors.Count > 0 || OtherErrors.Count > 0 || Domains.Any(d => d.NameError is not null || d.SelectorsError is not null);

    /// <summary>
    /// Turns the form into the service's input and records what cannot even be parsed (a port that is not a number).
    /// Blank domain rows are left out; <paramref name="rowOf"/> maps each submitted domain back to its row for the errors.
    /// </summary>
    public ServerInput ToInput(out IReadOnlyList<int> rowOf)
    {
        CommitPendingTag();
        var rows = new List<int>();
        var domains = new List<HostedDomainInput>();
        for (var i = 0; i < Domains.Count; i++)
        {
            var row = Domains[i];
            if (string.IsNullOrWhiteSpace(row.Name) && string.IsNullOrWhiteSpace(row.Selectors))
            {
                continue;
            }

            rows.Add(i);
            domains.Add(new HostedDomainInput { Name = row.Name?.Trim(), DkimSelectors = Split(row.Selectors, [',', ' ', ';', '\t']).ToList() });
        }

        rowOf = rows;
        return new ServerInput
        {
            Name = Name,
            Hostname = Hostname,
            Platform = Platform,
            Version = Version,
            SmtpHost = SmtpHost,
            SmtpPort = ParseNumber(SmtpPort, "smtpPort", $"'{SmtpPort}' is not a port number: use a whole number from 1 to 65535."),
            ProbeEnabled = ProbeEnabled,
            Domains = domains,
            Tags = [.. Tags],
            Notes = Notes,
            ControlRecipient = ControlRecipient,
            EgressAddresses = Split(EgressAddresses, [',', ' ', ';', '\t', '\r', '\n']).ToList(),
            ScanIntervalMinutes = ParseNumber(ScanIntervalMinutes, "scanIntervalMinutes", $"'{ScanIntervalMinutes}' is not a number of minutes: use a whole number, or 0 to turn scheduled rescans off."),
        };
    }

    /// <summary>Puts the service's messages (keyed <c>name</c>, <c>domains[1].name</c>, <c>domains[0].dkimSelectors</c>, ...) on their fields.</summary>
    public void ShowErrors(IReadOnlyDictionary<string, string[]> errors, IReadOnlyList<int> rowOf)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(rowOf);
        foreach (var (key, messages) in errors)
        {
            var text = string.Join(" ", messages);
            if (DomainError(key) is { } domain && domain.Index < rowOf.Count)
            {
                var row = Domains[rowOf[domain.Index]];
                if (domain.Field == "dkimSelectors")
                {
                    row.SelectorsError = Join(row.SelectorsError, text);
                }
                else
                {
                    row.NameError = Join(row.NameError, text);
                }
            }
            else if (key is "name" or "hostname" or "platform" or "version" or "smtpHost" or "smtpPort" or "tags" or "notes" or "controlRecipient" or "scanIntervalMinutes" or "domains" or "egressAddresses")
            {
                // A parse error of the form stays: the service saw no number and cannot say more about it.
                if (!Errors.ContainsKey(key))
                {
                    Errors[key] = text;
                }
            }
            else if (key.StartsWith("egressAddresses[", StringComparison.Ordinal))
            {
                // One field holds every address: each bad one's message goes under it.
                Errors["egressAddresses"] = Join(Errors.GetValueOrDefault("egressAddresses"), text)!;
            }
            else
            {
                OtherErrors.Add(text);
            }
        }
    }

    private static (int Index, string Field)? DomainError(string key)
    {
        if (!key.StartsWith("domains[", StringComparison.Ordinal))
        {
            return null;
        }

        var close = key.IndexOf(']', StringComparison.Ordinal);
        return close > 8 && int.TryParse(key[8..close], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? (index, key[(close + 1)..].TrimStart('.'))
            : null;
    }

    private int? ParseNumber(string? text, string field, string error)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        Errors[field] = error;
        return null;
    }

    private static IEnumerable<string> Split(string? text, char[] separators) =>
        (text ?? string.Empty).Split(separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string Join(string? existing, string text) => existing is null ? text : existing + " " + text;
}

/// <summary>One hosted domain in the editor: its name and its DKIM selectors as typed (separated by commas or spaces).</summary>
public sealed class DomainRow
{
    public string? Name { get; set; }

    public string? Selectors { get; set; }

    public string? NameError { get; set; }

    public string? SelectorsError { get; set; }
}
