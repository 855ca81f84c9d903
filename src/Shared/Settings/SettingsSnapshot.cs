using System.Text.Json.Serialization;

namespace BackscatterConsole.Shared.Settings;

/// <summary>The mail server software whose settings a snapshot holds.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MtaPlatform>))]
public enum MtaPlatform
{
    /// <summary>Postfix configured through main.cf and master.cf.</summary>
    [JsonStringEnumMemberName("postfix")] Postfix,

    /// <summary>Carbonio CE: Postfix configured through <c>carbonio prov</c> attributes.</summary>
    [JsonStringEnumMemberName("carbonio")] Carbonio,

    /// <summary>Zimbra: Postfix configured through <c>zmprov</c> attributes.</summary>
    [JsonStringEnumMemberName("zimbra")] Zimbra,

    /// <summary>MailEnable on Windows.</summary>
    [JsonStringEnumMemberName("mailenable")] MailEnable,
}

/// <summary>Where the values of a snapshot came from.</summary>
public static class SettingsSources
{
    /// <summary>Pasted or collected output of <c>postconf -n</c> (optionally with <c>postconf -P</c> for master.cf overrides).</summary>
    public const string PostconfN = "postconf-n";

    /// <summary>Output of <c>carbonio prov gcf</c> / <c>zmprov gacf</c>.</summary>
    public const string CarbonioGcf = "carbonio-gcf";

    /// <summary>The MailEnable settings form in the console.</summary>
    public const string MailEnableForm = "mailenable-form";

    /// <summary>Values reported by the agent on the server.</summary>
    public const string Agent = "agent";
}

/// <summary>A per-service override from master.cf (<c>-o name=value</c>), as listed by <c>postconf -P</c>.</summary>
/// <param name="Service">Service name, for example <c>smtp</c>, <c>submission</c> or <c>127.0.0.1:2525</c>.</param>
/// <param name="Type">Service type, for example <c>inet</c> or <c>unix</c>.</param>
/// <param name="Name">Parameter name.</param>
/// <param name="Value">Parameter value.</param>
public sealed record ServiceOverride(string Service, string Type, string Name, string Value);

/// <summary>
/// The normalized MTA settings of one server at one time. Postfix parameters and Zimbra attributes both map a name to
/// values; Zimbra multi-valued attributes have several, everything else one. Names compare case-insensitively.
/// </summary>
/// <param name="Platform">The MTA software.</param>
/// <param name="Source">Where the values came from (<see cref="SettingsSources"/>).</param>
/// <param name="CollectedAt">When they were collected (UTC).</param>
/// <param name="Values">Setting name to its values. A missing name means "not set explicitly".</param>
/// <param name="ServiceOverrides">Postfix master.cf overrides; empty for other platforms.</param>
/// <param name="Mailboxes">Disabled mailboxes and quota usage the agent collected; null when not collected (pasted snapshots, or collection not configured).</param>
/// <param name="ReportedDefaults">
/// Postfix: the values <c>postconf -h</c> reports for the parameters the rules read that are not in <see cref="Values"/>,
/// that is this Postfix's own defaults (they depend on its version and <c>compatibility_level</c>); null when not collected.
/// </param>
public sealed record SettingsSnapshot(
    MtaPlatform Platform,
    string Source,
    DateTimeOffset CollectedAt,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Values,
    IReadOnlyList<ServiceOverride> ServiceOverrides,
    MailboxFacts? Mailboxes = null,
    IReadOnlyDictionary<string, string>? ReportedDefaults = null);
