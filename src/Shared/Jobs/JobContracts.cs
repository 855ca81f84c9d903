using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Common;

namespace BackscatterConsole.Shared.Jobs;

/// <summary>Remediation job states.</summary>
public static class JobStates
{
    public const string Queued = "queued";
    public const string Dispatched = "dispatched";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string RolledBack = "rolled-back";
    public const string Cancelled = "cancelled";
    public const string Expired = "expired";

    /// <summary>States a job never leaves.</summary>
    public static IReadOnlyList<string> Final { get; } = [Succeeded, Failed, RolledBack, Cancelled, Expired];
}

/// <summary>Body of <c>POST /api/v1/jobs</c>.</summary>
public sealed class CreateJobInput
{
    public Guid? ServerId { get; set; }

    /// <summary>The failed settings checks to fix, for example <c>smtp.unknown-recipient</c> or <c>mta.policyd</c>.</summary>
    public List<string>? CheckIds { get; set; }

    /// <summary>Plan only: read the current values and report the diff, change nothing.</summary>
    public bool? DryRun { get; set; }
}

/// <summary>One planned change of a job.</summary>
/// <param name="CheckId">The check it fixes.</param>
/// <param name="Name">Setting or attribute.</param>
/// <param name="Operation">set, add or remove.</param>
/// <param name="Value">The value (one argument even with spaces).</param>
/// <param name="Command">The equivalent platform command, for people.</param>
public sealed record JobChangeDto(string CheckId, string Name, SettingOperation Operation, string Value, string Command);

/// <summary>One step as the agent reported it.</summary>
public sealed record JobStepDto(int Sequence, string Name, JobStepState State, DateTime StartedAt, DateTime? FinishedAt, string Output, int? ExitCode);

/// <summary>A remediation job.</summary>
/// <param name="Id">Job id.</param>
/// <param name="ServerId">The server.</param>
/// <param name="State">One of <see cref="JobStates"/>.</param>
/// <param name="DryRun">Plan only.</param>
/// <param name="CheckIds">The checks requested.</param>
/// <param name="Changes">The changes the agent applies.</param>
/// <param name="ManualSteps">What the agent cannot do and a person must.</param>
/// <param name="Steps">Steps reported by the agent.</param>
/// <param name="Diff">The plan's diff: current → desired per setting.</param>
/// <param name="Error">Why it failed, expired or was refused.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="CreatedBy">Who created it.</param>
/// <param name="DispatchedAt">When it was last sent to the agent.</param>
/// <param name="FinishedAt">When it reached a final state.</param>
/// <param name="ExpiresAt">A job not started by then expires.</param>
/// <param name="VerificationScanId">The scan that re-ran the checks after the change.</param>
public sealed record JobDto(
    Guid Id,
    Guid ServerId,
    string State,
    bool DryRun,
    IReadOnlyList<string> CheckIds,
    IReadOnlyList<JobChangeDto> Changes,
    IReadOnlyList<string> ManualSteps,
    IReadOnlyList<JobStepDto> Steps,
    IReadOnlyList<SettingDiff> Diff,
    string? Error,
    DateTime CreatedAt,
    string? CreatedBy,
    DateTime? DispatchedAt,
    DateTime? FinishedAt,
    DateTime ExpiresAt,
    Guid? VerificationScanId);

/// <summary>A job changed (state or a step); sent on the status hub to the job's and the server's groups.</summary>
public sealed record JobUpdatedEvent(Guid JobId, Guid ServerId, string State, JobStepDto? Step);

/// <summary>A failed settings check and what a job would change for it.</summary>
/// <param name="CheckId">The check.</param>
/// <param name="Title">Its title.</param>
/// <param name="Status">fail or warn in the latest snapshot.</param>
/// <param name="Changes">What the agent would change.</param>
/// <param name="ManualSteps">What would remain for a person.</param>
public sealed record FixableCheckDto(string CheckId, string Title, string Status, IReadOnlyList<JobChangeDto> Changes, IReadOnlyList<string> ManualSteps);

/// <summary>Remediation jobs, shared by the API and the portal.</summary>
public interface IJobService
{
    /// <summary>Plans the fixes of the checks from the server's latest settings snapshot and queues the job for its agent.</summary>
    Task<OperationResult<JobDto>> CreateAsync(CreateJobInput input, string? createdBy, CancellationToken cancellationToken);

    Task<JobDto?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The failed settings checks of the current snapshot, with what a job would change; null when the server has no snapshot.</summary>
    Task<IReadOnlyList<FixableCheckDto>?> ListFixableAsync(Guid serverId, CancellationToken cancellationToken);

    Task<IReadOnlyList<JobDto>> ListAsync(Guid serverId, CancellationToken cancellationToken);

    /// <summary>Cancels a job that has not been sent to the agent; a dispatched one is the agent's to finish.</summary>
    Task<OperationResult<JobDto>> CancelAsync(Guid id, CancellationToken cancellationToken);
}
