using Microsoft.Extensions.Options;

namespace BackscatterConsole.Agent.Configuration;

/// <summary>Checks the configuration at start-up so a mistake stops the agent with a sentence naming the key, not a stack trace later.</summary>
public sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!Uri.TryCreate(options.ServerUrl, UriKind.Absolute, out var server) || server.Scheme is not ("http" or "https"))
        {
            errors.Add($"Agent:ServerUrl must be an absolute http:// or https:// address of the console (got '{options.ServerUrl}').");
        }

        if (string.IsNullOrWhiteSpace(options.StateDirectory))
        {
            errors.Add("Agent:StateDirectory is required: the agent keeps its credential and job journals there.");
        }
        else if (!Path.IsPathFullyQualified(options.StateDirectory))
        {
            errors.Add($"Agent:StateDirectory must be an absolute path (got '{options.StateDirectory}').");
        }

        var kind = AgentOptions.ParseConnector(options.Connector);
        if (kind is null)
        {
            errors.Add($"Agent:Connector must be one of postfix, carbonio, zimbra, mailenable (got '{options.Connector}').");
        }

        if (options.CommandTimeout <= TimeSpan.Zero || options.RestartTimeout <= TimeSpan.Zero)
        {
            errors.Add("Agent:CommandTimeout and Agent:RestartTimeout must be positive.");
        }

        if (options.OutputLimitCharacters < 1024)
        {
            errors.Add("Agent:OutputLimitCharacters must be at least 1024.");
        }

        if (options.HeartbeatInterval < TimeSpan.FromSeconds(1) || options.MaxReconnectDelay < TimeSpan.FromSeconds(1))
        {
            errors.Add("Agent:HeartbeatInterval and Agent:MaxReconnectDelay must be at least one second.");
        }

        if (kind == Shared.Agents.AgentConnectorKind.Postfix && !Path.IsPathFullyQualified(options.Postfix.ConfigDirectory ?? string.Empty))
        {
            errors.Add($"Agent:Postfix:ConfigDirectory must be an absolute path (got '{options.Postfix.ConfigDirectory}').");
        }

        if (kind == Shared.Agents.AgentConnectorKind.Postfix && options.Postfix.DisabledMailboxesTable is { } table && !IsLookupTable(table))
        {
            errors.Add($"Agent:Postfix:DisabledMailboxesTable must be a Postfix lookup table written type:/absolute/path, for example hash:/etc/postfix/disabled_mailboxes (got '{table}').");
        }

        if (options.WindowsService && !OperatingSystem.IsWindows())
        {
            errors.Add("Agent:WindowsService is for Windows only; under systemd use a unit with Type=notify (see src/Agent/README.md).");
        }
        else if (options.WindowsService && !Hosting.ServiceManagers.StartedByWindowsServiceManager())
        {
            errors.Add("Agent:WindowsService is set but the Service Control Manager did not start the agent; install it with sc.exe create (see src/Agent/README.md), or leave the option unset to run it from a console.");
        }

        if (options.Postfix.MailboxLimit is < 1 or > 5000 || options.Carbonio.MailboxLimit is < 1 or > 5000)
        {
            errors.Add("Agent:Postfix:MailboxLimit and Agent:Carbonio:MailboxLimit must be between 1 and 5000.");
        }

        if (options.Carbonio.AliasLookupLimit is < 0 or > 1000)
        {
            errors.Add("Agent:Carbonio:AliasLookupLimit must be between 0 and 1000.");
        }

        if (options.Carbonio.QuotaReportPercent is < 1 or > 100)
        {
            errors.Add("Agent:Carbonio:QuotaReportPercent must be between 1 and 100.");
        }

        if (kind is Shared.Agents.AgentConnectorKind.Carbonio or Shared.Agents.AgentConnectorKind.Zimbra
            && options.Carbonio.Executable is { } executable && string.IsNullOrWhiteSpace(executable))
        {
            errors.Add("Agent:Carbonio:Executable must not be blank; leave it out for the default (carbonio or zmprov).");
        }

        if (kind == Shared.Agents.AgentConnectorKind.MailEnable)
        {
            foreach (var (key, location) in options.MailEnable.Settings)
            {
                if (string.IsNullOrWhiteSpace(location.RegistryKey) || string.IsNullOrWhiteSpace(location.ValueName))
                {
                    errors.Add($"Agent:MailEnable:Settings:{key} needs both RegistryKey and ValueName.");
                }
            }
        }

        if (options.EmissionInterval < TimeSpan.FromMinutes(1) || options.EmissionInterval > TimeSpan.FromHours(24))
        {
            errors.Add("Agent:EmissionInterval must be between 00:01:00 and 1.00:00:00.");
        }

        if (options.Emission.ClockOffset.Duration() > TimeSpan.FromDays(1))
        {
            errors.Add("Agent:Emission:ClockOffset must be within one day either way (it exists for tests; leave it at zero).");
        }

        if (options.Emission.LogPath is { Length: > 0 } log && !Path.IsPathFullyQualified(log))
        {
            errors.Add($"Agent:Emission:LogPath must be an absolute path (got '{log}').");
        }

        if (options.Emission.MaxTableQueries is < 0 or > 10_000)
        {
            errors.Add("Agent:Emission:MaxTableQueries must be between 0 and 10000.");
        }

        if (options.Emission.TimeZone is { Length: > 0 } zone && !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            errors.Add($"Agent:Emission:TimeZone '{zone}' is not a time zone this machine knows.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>True for <c>type:/absolute/path</c> with a plain type name and no white space.</summary>
    internal static bool IsLookupTable(string table)
    {
        var colon = table.IndexOf(':', StringComparison.Ordinal);
        return colon > 0
            && table[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            && !table.Any(char.IsWhiteSpace)
            && Path.IsPathFullyQualified(table[(colon + 1)..]);
    }
}
