using System.Globalization;
using BackscatterConsole.Shared.Servers;

namespace BackscatterConsole.Client.Features.Servers;

/// <summary>
/// The edit form's model: plain strings, so whatever the user typed is shown back with the error
/// (a port of "abc" stays "abc"), and domains as one line each: <c>example.com: selector1, selector2</c>.
/// </summary>
public sealed class ServerForm
{
    public string? Name { get; set; }

    public string? Hostname { get; set; }

    public string? Platform { get; set; } = MailPlatforms.Postfix;

    public string? Version { get; set; }

    public string? SmtpHost { get; set; }

    public string? SmtpPort { get; set; }

    public bool ProbeEnabled { get; set; }

    public string? Domains { get; set; }

    public string? Tags { get; set; }

    public string? Notes { get; set; }

    public string? ControlRecipient { get; set; }

    /// <summary>Minutes between scheduled rescans, as typed; empty means the default (a day).</summary>
    public string? ScanIntervalMinutes { get; set; }

    /// <summary>The revision the user started editing from; a different current revision is a conflict.</summary>
    public long Revision { get; set; }

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
            Domains = string.Join('\n', server.Domains.Select(d => d.DkimSelectors.Count == 0 ? d.Name : $"{d.Name}: {string.Join(", ", d.DkimSelectors)}")),
            Tags = string.Join(", ", server.Tags),
            Notes = server.Notes,
            ControlRecipient = server.ControlRecipient,
            ScanIntervalMinutes = server.ScanIntervalMinutes.ToString(CultureInfo.InvariantCulture),
            Revision = server.Revision,
        };
    }

    /// <summary>Turns the form into API input; <paramref name="formErrors"/> holds what cannot even be parsed (a non-numeric port).</summary>
    public ServerInput ToInput(out Dictionary<string, string[]> formErrors)
    {
        formErrors = [];
        int? port = null;
        if (!string.IsNullOrWhiteSpace(SmtpPort))
        {
            if (int.TryParse(SmtpPort.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
            {
                port = parsed;
            }
            else
            {
                formErrors[nameof(SmtpPort)] = [$"'{SmtpPort}' is not a port number: use a whole number from 1 to 65535."];
            }
        }

        int? interval = null;
        if (!string.IsNullOrWhiteSpace(ScanIntervalMinutes))
        {
            if (int.TryParse(ScanIntervalMinutes.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var minutes))
            {
                interval = minutes;
            }
            else
            {
                formErrors[nameof(ScanIntervalMinutes)] = [$"'{ScanIntervalMinutes}' is not a number of minutes: use a whole number, or 0 to turn scheduled rescans off."];
            }
        }

        return new ServerInput
        {
            Name = Name,
            Hostname = Hostname,
            Platform = Platform,
            Version = Version,
            SmtpHost = SmtpHost,
            SmtpPort = port,
            ProbeEnabled = ProbeEnabled,
            Domains = DomainLines().Select(ParseDomainLine).ToList(),
            Tags = (Tags ?? string.Empty).Split([',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).ToList(),
            Notes = Notes,
            ControlRecipient = ControlRecipient,
            ScanIntervalMinutes = interval,
        };
    }

    /// <summary>The form field an API error key belongs to, and for domain errors the line it is about.</summary>
    public string Describe(string key, string message, out string field)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.StartsWith("domains", StringComparison.Ordinal))
        {
            field = nameof(Domains);
            var open = key.IndexOf('[', StringComparison.Ordinal);
            var close = key.IndexOf(']', StringComparison.Ordinal);
            return open >= 0 && close > open && int.TryParse(key[(open + 1)..close], NumberStyles.Integer, CultureInfo.InvariantCulture, out var index)
                ? $"Line {index + 1}: {message}"
                : message;
        }

        field = key switch
        {
            "name" => nameof(Name),
            "hostname" => nameof(Hostname),
            "platform" => nameof(Platform),
            "version" => nameof(Version),
            "smtpHost" => nameof(SmtpHost),
            "smtpPort" => nameof(SmtpPort),
            "tags" => nameof(Tags),
            "notes" => nameof(Notes),
            "controlRecipient" => nameof(ControlRecipient),
            "scanIntervalMinutes" => nameof(ScanIntervalMinutes),
            _ => nameof(Name),
        };
        return message;
    }

    private IEnumerable<string> DomainLines() =>
        (Domains ?? string.Empty).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0);

    private static HostedDomainInput ParseDomainLine(string line)
    {
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return new HostedDomainInput { Name = line };
        }

        return new HostedDomainInput
        {
            Name = line[..colon].Trim(),
            DkimSelectors = line[(colon + 1)..].Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries).ToList(),
        };
    }
}
