using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Execution;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Settings;
using Microsoft.Win32;

namespace BackscatterConsole.Agent.Connectors;

/// <summary>
/// MailEnable on Windows, through registry values named in configuration (<c>Agent:MailEnable:Settings</c>): MailEnable does
/// not document the value behind each checkbox, so no name is baked in here. The allow-list is exactly the configured keys.
/// On any other operating system every operation is refused with a clear message and nothing runs.
/// </summary>
public sealed class MailEnableConnector(MailEnableConnectorOptions options, ICommandRunner runner, TimeSpan timeout) : IMailConnector
{
    private static readonly HashSet<string> BooleanKeys = new(
        [
            Domain.Settings.MailEnableSettingKeys.AuthenticatedSendersMustUseValidSenderAddress,
            Domain.Settings.MailEnableSettingKeys.LocalDomainSendersMustAuthenticate,
            Domain.Settings.MailEnableSettingKeys.SenderDomainMustBeLocalOrResolvable,
            Domain.Settings.MailEnableSettingKeys.NdrForDisabledMailboxes,
        ],
        StringComparer.OrdinalIgnoreCase);

    private readonly AllowList _allowed = new(options.Settings.Keys.Select(k => KeyValuePair.Create(k, false)), StringComparer.OrdinalIgnoreCase);

    /// <summary>The message every operation returns on an operating system other than Windows.</summary>
    public static string NotWindowsMessage =>
        $"Refused: the MailEnable connector works only on Windows, where MailEnable runs; this agent runs on {RuntimeInformation.OSDescription}. Set Agent:Connector to the platform of this server.";

    /// <inheritdoc />
    public AgentConnectorKind Kind => AgentConnectorKind.MailEnable;

    /// <inheritdoc />
    public string ActivationStepName => "restart MailEnable services";

    /// <inheritdoc />
    public string? Refusal(SettingChange change) =>
        OperatingSystem.IsWindows() ? _allowed.Refusal(change, "MailEnable") : NotWindowsMessage;

    /// <inheritdoc />
    public Task<ReadResult> ReadAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (!OperatingSystem.IsWindows())
        {
            return Task.FromResult(new ReadResult(StepResult.Refused(NotWindowsMessage), null));
        }

        var unknown = names.Where(n => !_allowed.Contains(n)).ToArray();
        if (unknown.Length > 0)
        {
            return Task.FromResult(new ReadResult(StepResult.Refused($"Refused: not configured under Agent:MailEnable:Settings: {string.Join(", ", unknown)}."), null));
        }

        var values = names.Distinct(StringComparer.OrdinalIgnoreCase).ToDictionary(n => n, ReadValue, StringComparer.OrdinalIgnoreCase);
        var output = string.Join("\n", values.Values.Select(v => $"{Describe(v.Name)} = {(v.Values.Count == 0 ? "(not set)" : v.Values[0])}"));
        return Task.FromResult(new ReadResult(new StepResult(true, output, null), values));
    }

    /// <inheritdoc />
    public async Task<CollectResult> CollectAsync(CancellationToken cancellationToken)
    {
        var read = await ReadAsync([.. options.Settings.Keys], cancellationToken).ConfigureAwait(false);
        if (read.Values is null)
        {
            return new CollectResult(read.Step, null);
        }

        var values = read.Values.Values.Where(v => v.Values.Count > 0).ToDictionary(v => v.Name, v => v.Values, StringComparer.OrdinalIgnoreCase);
        return new CollectResult(read.Step, new SettingsSnapshot(MtaPlatform.MailEnable, SettingsSources.Agent, DateTimeOffset.UtcNow, values, []));
    }

    /// <inheritdoc />
    public Task<StepResult> ApplyAsync(SettingChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (Refusal(change) is { } refusal)
        {
            return Task.FromResult(StepResult.Refused(refusal));
        }

        return Task.FromResult(OperatingSystem.IsWindows() ? WriteValue(change.Name, change.Value) : StepResult.Refused(NotWindowsMessage));
    }

    /// <inheritdoc />
    public Task<StepResult> RestoreAsync(SettingValue original, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(original);
        if (!OperatingSystem.IsWindows())
        {
            return Task.FromResult(StepResult.Refused(NotWindowsMessage));
        }

        return Task.FromResult(_allowed.Contains(original.Name)
            ? WriteValue(original.Name, original.Values.Count > 0 ? original.Values[0] : null)
            : StepResult.Refused($"Refused: '{original.Name}' is not configured under Agent:MailEnable:Settings."));
    }

    /// <inheritdoc />
    public async Task<StepResult> ActivateAsync(CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsWindows())
        {
            return StepResult.Refused(NotWindowsMessage);
        }

        if (options.RestartCommand.Count == 0)
        {
            return new StepResult(true, "No restart command is configured (Agent:MailEnable:RestartCommand); MailEnable reads these options when its services next start.", null);
        }

        return StepResult.From([await runner.RunAsync([.. options.RestartCommand], timeout, cancellationToken).ConfigureAwait(false)]);
    }

    private string Describe(string name) =>
        $@"{name} (HKLM\{options.Settings[name].RegistryKey}\{options.Settings[name].ValueName})";

    [SupportedOSPlatform("windows")]
    private SettingValue ReadValue(string name)
    {
        var location = options.Settings[name];
        using var key = Registry.LocalMachine.OpenSubKey(location.RegistryKey);
        var value = key?.GetValue(location.ValueName);
        var text = value switch
        {
            null => null,
            // The checklist reads its switches as true/false; MailEnable keeps them as DWORD 0/1.
            int flag when BooleanKeys.Contains(name) && flag is 0 or 1 => flag == 1 ? "true" : "false",
            _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
        };
        return new SettingValue(name, text is null ? [] : [text], text is not null);
    }

    [SupportedOSPlatform("windows")]
    private StepResult WriteValue(string name, string? value)
    {
        var location = options.Settings[name];
        try
        {
            using var key = Registry.LocalMachine.CreateSubKey(location.RegistryKey, writable: true);
            if (value is null)
            {
                key.DeleteValue(location.ValueName, throwOnMissingValue: false);
                return new StepResult(true, $"Deleted {Describe(name)}.", null);
            }

            // Keep the kind the value already has: MailEnable's switches are DWORDs, so true/false become 1/0.
            var exists = key.GetValueNames().Contains(location.ValueName, StringComparer.OrdinalIgnoreCase);
            if ((exists && key.GetValueKind(location.ValueName) == RegistryValueKind.DWord) || bool.TryParse(value, out _))
            {
                var number = bool.TryParse(value, out var flag) ? (flag ? 1 : 0) : int.Parse(value, CultureInfo.InvariantCulture);
                key.SetValue(location.ValueName, number, RegistryValueKind.DWord);
            }
            else
            {
                key.SetValue(location.ValueName, value, RegistryValueKind.String);
            }

            return new StepResult(true, $"Set {Describe(name)} = {value}.", null);
        }
        catch (Exception exception) when (exception is UnauthorizedAccessException or System.Security.SecurityException or IOException or FormatException)
        {
            return new StepResult(false, $"Could not write {Describe(name)}: {exception.Message}", null);
        }
    }
}
