using System.Text.Json.Serialization;

namespace BackscatterConsole.Shared.Checks;

/// <summary>Outcome of one check. <see cref="Error"/> means the check could not run; it is never reported as <see cref="Pass"/>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CheckStatus>))]
public enum CheckStatus
{
    [JsonStringEnumMemberName("pass")] Pass,
    [JsonStringEnumMemberName("warn")] Warn,
    [JsonStringEnumMemberName("fail")] Fail,
    [JsonStringEnumMemberName("info")] Info,
    [JsonStringEnumMemberName("error")] Error,
    [JsonStringEnumMemberName("unknown")] Unknown,
}

/// <summary>How much a finding weighs in the risk score.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CheckSeverity>))]
public enum CheckSeverity
{
    [JsonStringEnumMemberName("info")] Info,
    [JsonStringEnumMemberName("low")] Low,
    [JsonStringEnumMemberName("medium")] Medium,
    [JsonStringEnumMemberName("high")] High,
    [JsonStringEnumMemberName("critical")] Critical,
}

/// <summary>
/// One checklist line. Ids are the stable dotted ids of the check catalogue (for example <c>spf.all</c>, <c>smtp.unknown-recipient</c>).
/// </summary>
/// <param name="Id">Stable dotted check id.</param>
/// <param name="Status">Verdict.</param>
/// <param name="Severity">Weight of a non-pass verdict.</param>
/// <param name="Title">Short human title.</param>
/// <param name="Summary">One sentence saying what was found.</param>
/// <param name="Explanation">Why this matters for backscatter or spoofing.</param>
/// <param name="Evidence">What was seen: records, replies, setting values, lookup trace lines.</param>
/// <param name="Remediation">The exact record to publish or command to run, when there is something to fix.</param>
public sealed record CheckResult(
    string Id,
    CheckStatus Status,
    CheckSeverity Severity,
    string Title,
    string Summary,
    string Explanation,
    IReadOnlyList<string> Evidence,
    string? Remediation);
