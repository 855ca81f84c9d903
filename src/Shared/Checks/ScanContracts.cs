using System.Text.Json.Serialization;
using BackscatterConsole.Shared.Checklist;
using BackscatterConsole.Shared.Common;

namespace BackscatterConsole.Shared.Checks;

/// <summary>The lifecycle states of a scan; the strings are the API values.</summary>
public static class ScanStatuses
{
    /// <summary>Waiting for a free runner slot.</summary>
    public const string Queued = "queued";

    /// <summary>Checks are running.</summary>
    public const string Running = "running";

    /// <summary>Every step ran (some checks may still be <c>error</c>).</summary>
    public const string Completed = "completed";

    /// <summary>The scan could not finish: timeout, a console restart, or an unexpected fault; <see cref="ScanDto.Error"/> says which.</summary>
    public const string Failed = "failed";

    /// <summary>Cancelled by a user.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>True for the states a scan never leaves.</summary>
    public static bool IsFinished(string status) => status is Completed or Failed or Cancelled;
}

/// <summary>What produced a check result; the same check id can come from several sources (the probe and the settings rules both judge <c>smtp.unknown-recipient</c>).</summary>
public static class CheckSources
{
    /// <summary>The live SMTP probe against the server.</summary>
    public const string Probe = "probe";

    /// <summary>The settings rules on the latest settings snapshot.</summary>
    public const string Settings = "settings";

    /// <summary>The DNS posture of a hosted domain.</summary>
    public const string Dns = "dns";

    /// <summary>What the server's agent observed on the server: its mail queue and log (<c>smtp.bounce-emission</c>).</summary>
    public const string Agent = "agent";
}

/// <summary>Why a scan was started.</summary>
public static class ScanTriggers
{
    /// <summary>A user asked for this server.</summary>
    public const string Manual = "manual";

    /// <summary>Part of a fleet scan.</summary>
    public const string Fleet = "fleet";

    /// <summary>The scheduled rescan.</summary>
    public const string Schedule = "schedule";

    /// <summary>Re-runs the checks after a remediation job changed the server's settings.</summary>
    public const string JobVerification = "job-verification";
}

/// <summary>One check result inside a scan.</summary>
/// <param name="Id">Stable dotted check id (for example <c>smtp.unknown-recipient</c>).</param>
/// <param name="Source">What produced it (<see cref="CheckSources"/>).</param>
/// <param name="Subject">What it is about: a hosted domain for DNS checks, the probed domains or endpoint for the probe, the snapshot for settings.</param>
/// <param name="Status">Verdict.</param>
/// <param name="Severity">Weight of a non-pass verdict.</param>
/// <param name="Title">Short human title.</param>
/// <param name="Summary">What was found.</param>
/// <param name="Explanation">Why it matters.</param>
/// <param name="Evidence">Transcript lines, records, setting values.</param>
/// <param name="Remediation">The fix as text, when there is something to fix.</param>
/// <param name="Commands">The fix as shell-quoted commands for the server's platform (settings rules); empty otherwise.</param>
/// <param name="CheckedAt">When the result was produced (UTC).</param>
public sealed record ScanResultDto(
    string Id,
    string Source,
    string? Subject,
    CheckStatus Status,
    CheckSeverity Severity,
    string Title,
    string Summary,
    string Explanation,
    IReadOnlyList<string> Evidence,
    string? Remediation,
    IReadOnlyList<string> Commands,
    DateTime CheckedAt)
{
    /// <summary>Identifies the same line across scans: id, source and subject.</summary>
    [JsonIgnore]
    public string Key => $"{Id}|{Source}|{Subject}";
}

/// <summary>A scan with its results.</summary>
/// <param name="Id">Scan id.</param>
/// <param name="ServerId">The server scanned.</param>
/// <param name="ServerName">The server's name at read time.</param>
/// <param name="Status">One of <see cref="ScanStatuses"/>.</param>
/// <param name="Progress">0–100: share of the scan's steps done.</param>
/// <param name="Trigger">One of <see cref="ScanTriggers"/>.</param>
/// <param name="RequestedBy">User name of whoever started it; null for the scheduler.</param>
/// <param name="QueuedAt">When it was requested (UTC).</param>
/// <param name="StartedAt">When a runner picked it up (UTC).</param>
/// <param name="FinishedAt">When it ended (UTC).</param>
/// <param name="Error">Why it failed or was cancelled.</param>
/// <param name="RiskScore">0–100 risk of the results so far (see the README for the formula).</param>
/// <param name="Results">Check results in the order they finished.</param>
public sealed record ScanDto(
    Guid Id,
    Guid ServerId,
    string ServerName,
    string Status,
    int Progress,
    string Trigger,
    string? RequestedBy,
    DateTime QueuedAt,
    DateTime? StartedAt,
    DateTime? FinishedAt,
    string? Error,
    int? RiskScore,
    IReadOnlyList<ScanResultDto> Results);

/// <summary>A scan in a history list, without results.</summary>
/// <param name="Id">Scan id.</param>
/// <param name="ServerId">The server scanned.</param>
/// <param name="Status">One of <see cref="ScanStatuses"/>.</param>
/// <param name="Progress">0–100.</param>
/// <param name="Trigger">One of <see cref="ScanTriggers"/>.</param>
/// <param name="RequestedBy">Who started it.</param>
/// <param name="QueuedAt">Requested (UTC).</param>
/// <param name="StartedAt">Started (UTC).</param>
/// <param name="FinishedAt">Ended (UTC).</param>
/// <param name="Error">Why it failed or was cancelled.</param>
/// <param name="RiskScore">0–100 risk of its results.</param>
/// <param name="Counts">Number of results per status.</param>
public sealed record ScanSummaryDto(
    Guid Id,
    Guid ServerId,
    string Status,
    int Progress,
    string Trigger,
    string? RequestedBy,
    DateTime QueuedAt,
    DateTime? StartedAt,
    DateTime? FinishedAt,
    string? Error,
    int? RiskScore,
    IReadOnlyDictionary<CheckStatus, int> Counts);

/// <summary>How one checklist line differs from the previous completed scan.</summary>
/// <param name="Id">Check id.</param>
/// <param name="Source">Check source.</param>
/// <param name="Subject">Check subject.</param>
/// <param name="Title">Check title.</param>
/// <param name="Before">Status in the previous scan; null when the line is new.</param>
/// <param name="After">Status now; null when the line disappeared.</param>
public sealed record CheckChangeDto(string Id, string Source, string? Subject, string Title, CheckStatus? Before, CheckStatus? After);

/// <summary>A server's checklist: the latest result of every check, the risk score and a summary per family.</summary>
/// <param name="ServerId">The server.</param>
/// <param name="Platform">Its platform (remediation commands are for this platform).</param>
/// <param name="ScanId">The completed scan the results come from; null when the server was never scanned.</param>
/// <param name="ScannedAt">When that scan finished.</param>
/// <param name="RiskScore">0–100 (see the README for the formula).</param>
/// <param name="Families">Per family (smtp, mta, spf, dkim, dmarc, mx): score, worst status, counts.</param>
/// <param name="Results">The results.</param>
/// <param name="Worst">The most serious finding (highest contribution to the score), or null when nothing is wrong.</param>
/// <param name="Changes">What changed since the previous completed scan.</param>
/// <param name="ActiveScanId">A scan that is queued or running now, if any.</param>
public sealed record ChecklistDto(
    Guid ServerId,
    string Platform,
    Guid? ScanId,
    DateTime? ScannedAt,
    int RiskScore,
    IReadOnlyList<FamilyRiskSummary> Families,
    IReadOnlyList<ScanResultDto> Results,
    ScanResultDto? Worst,
    IReadOnlyList<CheckChangeDto> Changes,
    Guid? ActiveScanId);

/// <summary>Risk at a glance for the fleet list.</summary>
/// <param name="ServerId">The server.</param>
/// <param name="RiskScore">Score of its latest completed scan.</param>
/// <param name="Worst">Its most serious finding.</param>
/// <param name="ScannedAt">When that scan finished.</param>
/// <param name="ActiveScanId">A queued or running scan, if any.</param>
public sealed record ServerRiskDto(Guid ServerId, int? RiskScore, ScanResultDto? Worst, DateTime? ScannedAt, Guid? ActiveScanId);

/// <summary>Body of a fleet scan request: either <see cref="ServerIds"/> or <see cref="All"/>.</summary>
public sealed class FleetScanInput
{
    /// <summary>The servers to scan.</summary>
    public List<Guid>? ServerIds { get; set; }

    /// <summary>Scan every server in the inventory.</summary>
    public bool? All { get; set; }
}

/// <summary>Answer to a scan request.</summary>
/// <param name="Id">The scan id.</param>
public sealed record ScanAcceptedDto(Guid Id);

/// <summary>Answer to a fleet scan request.</summary>
/// <param name="Ids">Scans queued by this request.</param>
/// <param name="AlreadyActive">Scans that were already queued or running for some of the servers; no second scan was queued for them.</param>
public sealed record FleetScanAcceptedDto(IReadOnlyList<Guid> Ids, IReadOnlyList<Guid> AlreadyActive);

/// <summary>Starting, cancelling and reading scans; the API and the portal both go through it.</summary>
public interface IScanService
{
    /// <summary>Queues a scan of one server. NotFound when the server does not exist; Conflict when one is already queued or running.</summary>
    Task<OperationResult<Guid>> StartAsync(Guid serverId, string trigger, string? requestedBy, CancellationToken cancellationToken);

    /// <summary>Queues scans of several servers (or all).</summary>
    Task<OperationResult<FleetScanAcceptedDto>> StartFleetAsync(FleetScanInput input, string? requestedBy, CancellationToken cancellationToken);

    /// <summary>Cancels a queued or running scan. Conflict when it already ended.</summary>
    Task<OperationResult<ScanSummaryDto>> CancelAsync(Guid scanId, CancellationToken cancellationToken);

    /// <summary>One scan with its results, or null.</summary>
    Task<ScanDto?> GetAsync(Guid scanId, CancellationToken cancellationToken);

    /// <summary>A server's scans, newest first.</summary>
    Task<OperationResult<PagedResult<ScanSummaryDto>>> ListAsync(Guid serverId, int page, int pageSize, CancellationToken cancellationToken);

    /// <summary>The server's checklist, or null when the server does not exist.</summary>
    Task<ChecklistDto?> GetChecklistAsync(Guid serverId, CancellationToken cancellationToken);

    /// <summary>Risk at a glance for the given servers.</summary>
    Task<IReadOnlyDictionary<Guid, ServerRiskDto>> GetRiskAsync(IReadOnlyCollection<Guid> serverIds, CancellationToken cancellationToken);

    /// <summary>What changed in <paramref name="scanId"/> compared with the completed scan of the same server before it.</summary>
    Task<IReadOnlyList<CheckChangeDto>> GetChangesAsync(Guid scanId, CancellationToken cancellationToken);
}

/// <summary>
/// SignalR <c>scanProgress</c> payload: sent when a scan starts running and once for every check result as it arrives.
/// </summary>
/// <param name="ScanId">The scan.</param>
/// <param name="ServerId">Its server.</param>
/// <param name="Status">Scan status now.</param>
/// <param name="Progress">0–100.</param>
/// <param name="Check">The result that just arrived; null on the start event.</param>
public sealed record ScanProgressEvent(Guid ScanId, Guid ServerId, string Status, int Progress, ScanResultDto? Check);

/// <summary>SignalR <c>scanQueued</c> payload.</summary>
/// <param name="ScanId">The scan.</param>
/// <param name="ServerId">Its server.</param>
/// <param name="Trigger">Why it was started.</param>
public sealed record ScanQueuedEvent(Guid ScanId, Guid ServerId, string Trigger);

/// <summary>SignalR <c>scanCompleted</c> payload: the scan ended (completed, failed or cancelled).</summary>
/// <param name="ScanId">The scan.</param>
/// <param name="ServerId">Its server.</param>
/// <param name="Status">Final status.</param>
/// <param name="Progress">0–100 (100 when completed).</param>
/// <param name="RiskScore">Risk of its results.</param>
/// <param name="Error">Why it failed or was cancelled.</param>
/// <param name="Worst">Its most serious finding.</param>
public sealed record ScanCompletedEvent(Guid ScanId, Guid ServerId, string Status, int Progress, int? RiskScore, string? Error, ScanResultDto? Worst);
