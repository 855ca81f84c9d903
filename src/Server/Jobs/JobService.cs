using BackscatterConsole.Server.Live;
using System.Text.Json;
using BackscatterConsole.Domain.Remediation;
using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Server.Audit;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Jobs;

/// <summary>Job timing.</summary>
public sealed class JobOptions
{
    public const string Section = "Jobs";

    /// <summary>A job the agent has not started by then expires (an offline agent never half-applies a stale plan).</summary>
    public TimeSpan Expiry { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often expired jobs are swept.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>A fix planned for one server: the changes an agent would make, the current values, what stays manual.</summary>
internal sealed record PlannedFix(
    Guid ServerId,
    string ServerName,
    IReadOnlyList<string> CheckIds,
    IReadOnlyList<JobChangeDto> Changes,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Current,
    IReadOnlyList<string> ManualSteps);

internal sealed class JobService(
    AppDbContext db,
    ISettingsSnapshotService snapshots,
    JobDispatcher dispatcher,
    ILiveNotifier events,
    AuditTrail audit,
    IOptions<JobOptions> options,
    IServiceProvider services,
    TimeProvider clock) : IJobService
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<OperationResult<JobDto>> CreateAsync(CreateJobInput input, string? createdBy, CancellationToken cancellationToken)
    {
        var checkIds = (input.CheckIds ?? []).Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => c.Trim()).Distinct(StringComparer.Ordinal).ToList();
        var errors = new Dictionary<string, string[]>();
        if (input.ServerId is null)
        {
            errors["serverId"] = ["The server is required."];
        }

        if (checkIds.Count is 0 or > 50)
        {
            errors["checkIds"] = ["Name from 1 to 50 failed checks to fix."];
        }

        if (errors.Count > 0)
        {
            return Invalid(errors);
        }

        // Four eyes: a job that changes settings comes only from an approved change request (QueueAsync from its apply).
        if (input.DryRun != true)
        {
            return new(OperationStatus.Forbidden, null, "A job that changes settings comes only from an approved change request: create one (POST /api/v1/change-requests), have it reviewed and apply it. Dry runs (dryRun: true) need no review.");
        }

        var plan = await PlanAsync(input.ServerId!.Value, checkIds, cancellationToken);
        return plan.Succeeded
            ? await QueueAsync(plan.Value!, input.DryRun ?? false, createdBy, null, cancellationToken)
            : OperationResult<JobDto>.From(plan);
    }

    /// <summary>Plans the fixes of <paramref name="checkIds"/> from the server's current settings snapshot, changing nothing.</summary>
    internal async Task<OperationResult<PlannedFix>> PlanAsync(Guid serverId, IReadOnlyList<string> checkIds, CancellationToken cancellationToken)
    {
        var server = await db.Servers.AsNoTracking().Where(s => s.Id == serverId).Select(s => new { s.Name }).SingleOrDefaultAsync(cancellationToken);
        if (server is null)
        {
            return new(OperationStatus.NotFound, null, $"No server has the id {serverId}.");
        }

        var latest = await snapshots.GetLatestAsync(serverId, cancellationToken);
        if (!latest.Succeeded)
        {
            return new(OperationStatus.Conflict, null, $"'{server.Name}' has no settings snapshot yet, so there is nothing to plan from: let its agent report one, or upload one.");
        }

        var snapshot = latest.Value!;
        var results = Evaluate(snapshot);
        var unknown = checkIds.Where(id => results.All(r => r.Check.Id != id)).ToList();
        if (unknown.Count > 0)
        {
            return OperationResult<PlannedFix>.From(OperationResult.Invalid(new Dictionary<string, string[]>
            {
                ["checkIds"] = [$"Not settings checks of '{server.Name}': {string.Join(", ", unknown)}. Jobs fix: {string.Join(", ", results.Select(r => r.Check.Id).Distinct())}."],
            }));
        }

        var plan = RemediationPlanner.Plan(results, [.. checkIds]);
        if (plan.Changes.Count == 0)
        {
            var why = plan.ManualSteps.Count > 0 ? " What remains is manual: " + string.Join(" ", plan.ManualSteps.Select(m => m.Step)) : " They pass, or their status is unknown, in the latest snapshot.";
            return new(OperationStatus.Conflict, null, $"There is nothing an agent can change for these checks on '{server.Name}'." + why);
        }

        var changes = plan.Changes.Select(c => new JobChangeDto(c.CheckId, c.Change.Name, c.Change.Operation, c.Change.Value, c.Command.Display)).ToList();
        var current = changes.Select(c => c.Name).Distinct(StringComparer.Ordinal)
            .ToDictionary(n => n, n => snapshot.Values.TryGetValue(n, out var v) ? v : (IReadOnlyList<string>)[], StringComparer.Ordinal);
        return OperationResult<PlannedFix>.Ok(new PlannedFix(serverId, server.Name, [.. checkIds], changes, current, plan.ManualSteps.Select(m => $"{m.CheckId}: {m.Step}").ToList()));
    }

    /// <summary>
    /// Queues a planned fix for the server's agent and sends it when the agent is online. <paramref name="jobId"/> lets a
    /// caller point its own record at the job before the job is saved, so both land in the same commit.
    /// </summary>
    internal async Task<OperationResult<JobDto>> QueueAsync(PlannedFix plan, bool dryRun, string? createdBy, Guid? changeRequestId, CancellationToken cancellationToken, Guid? jobId = null)
    {
        var serverId = plan.ServerId;
        if (!await db.Agents.AnyAsync(a => a.ServerId == serverId && a.RevokedAt == null, cancellationToken))
        {
            return new(OperationStatus.Conflict, null, $"'{plan.ServerName}' has no enrolled agent: create an enrollment token on its Agent page first.");
        }

        if (await db.Jobs.AnyAsync(j => j.ServerId == serverId && !JobStates.Final.Contains(j.State), cancellationToken))
        {
            return new(OperationStatus.Conflict, null, $"'{plan.ServerName}' already has a job in progress; wait for it, or cancel it while it is queued.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var job = new RemediationJob
        {
            Id = jobId ?? Guid.CreateVersion7(),
            ServerId = serverId,
            State = JobStates.Queued,
            DryRun = dryRun,
            CheckIds = [.. plan.CheckIds],
            ChangesJson = JsonSerializer.Serialize(plan.Changes, Json),
            ManualSteps = [.. plan.ManualSteps],
            CreatedAt = now,
            CreatedBy = createdBy,
            ExpiresAt = now + options.Value.Expiry,
            ChangeRequestId = changeRequestId,
        };
        db.Jobs.Add(job);
        await audit.RecordAsync(new AuditEvent(AuditActions.JobCreated, "job", job.Id.ToString(), After: new { job.ServerId, job.DryRun, job.CheckIds, changes = plan.Changes, job.ChangeRequestId }, Detail: $"Queued a {(job.DryRun ? "dry-run " : string.Empty)}job for '{plan.ServerName}' fixing {string.Join(", ", plan.CheckIds)}."), cancellationToken);

        await events.PublishAsync(new JobUpdatedEvent(job.Id, serverId, job.State, null));
        await dispatcher.DispatchPendingAsync(serverId, cancellationToken);
        return OperationResult<JobDto>.Ok((await GetAsync(job.Id, cancellationToken))!);
    }

    public async Task<IReadOnlyList<FixableCheckDto>?> ListFixableAsync(Guid serverId, CancellationToken cancellationToken)
    {
        var latest = await snapshots.GetLatestAsync(serverId, cancellationToken);
        if (!latest.Succeeded)
        {
            return null;
        }

        var results = Evaluate(latest.Value!);
        return results
            .Where(r => r.Check.Status is Shared.Checks.CheckStatus.Fail or Shared.Checks.CheckStatus.Warn)
            .Select(r =>
            {
                var plan = RemediationPlanner.Plan([r], [r.Check.Id]);
                return new FixableCheckDto(
                    r.Check.Id,
                    r.Check.Title,
                    r.Check.Status.ToString().ToLowerInvariant(),
                    plan.Changes.Select(c => new JobChangeDto(c.CheckId, c.Change.Name, c.Change.Operation, c.Change.Value, c.Command.Display)).ToList(),
                    plan.ManualSteps.Select(m => m.Step).ToList());
            })
            .ToList();
    }

    public async Task<JobDto?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var job = await db.Jobs.AsNoTracking().Include(j => j.Steps).SingleOrDefaultAsync(j => j.Id == id, cancellationToken);
        return job is null ? null : ToDto(job);
    }

    public async Task<IReadOnlyList<JobDto>> ListAsync(Guid serverId, CancellationToken cancellationToken)
    {
        var jobs = await db.Jobs.AsNoTracking().Include(j => j.Steps).Where(j => j.ServerId == serverId)
            .OrderByDescending(j => j.CreatedAt).Take(50).ToListAsync(cancellationToken);
        return jobs.Select(ToDto).ToList();
    }

    public async Task<OperationResult<JobDto>> CancelAsync(Guid id, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;

        // Conditional update: a dispatch racing with the cancel leaves exactly one of them effective.
        var cancelled = await db.Jobs.Where(j => j.Id == id && j.State == JobStates.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.State, JobStates.Cancelled).SetProperty(j => j.FinishedAt, now).SetProperty(j => j.Error, "Cancelled before it was sent to the agent."), cancellationToken);
        var job = await GetAsync(id, cancellationToken);
        if (job is null)
        {
            return new(OperationStatus.NotFound, null, $"No job has the id {id}.");
        }

        if (cancelled == 0)
        {
            return new(OperationStatus.Conflict, null, $"The job is {job.State}: only a queued job can be cancelled; once the agent has it, it runs to a definite end (and rolls back on failure).");
        }

        await audit.RecordAsync(new AuditEvent(AuditActions.JobCancelled, "job", id.ToString(), Detail: "Cancelled a queued job."), cancellationToken);
        await events.PublishAsync(new JobUpdatedEvent(id, job.ServerId, job.State, null));
        await services.GetRequiredService<ChangeRequests.ChangeRequestProgress>().JobFinishedAsync(id, cancellationToken);
        return OperationResult<JobDto>.Ok(job);
    }

    internal static JobDto ToDto(RemediationJob job) => new(
        job.Id,
        job.ServerId,
        job.State,
        job.DryRun,
        job.CheckIds,
        JsonSerializer.Deserialize<List<JobChangeDto>>(job.ChangesJson, Json) ?? [],
        job.ManualSteps,
        job.Steps.OrderBy(s => s.Sequence).Select(ToDto).ToList(),
        job.DiffJson is null ? [] : JsonSerializer.Deserialize<List<SettingDiff>>(job.DiffJson, Json) ?? [],
        job.Error,
        job.CreatedAt,
        job.CreatedBy,
        job.DispatchedAt,
        job.FinishedAt,
        job.ExpiresAt,
        job.VerificationScanId);

    internal static JobStepDto ToDto(JobStepRecord s) =>
        new(s.Sequence, s.Name, Enum.Parse<JobStepState>(s.State, ignoreCase: true), s.StartedAt, s.FinishedAt, s.Output, s.ExitCode);

    private static IReadOnlyList<MtaRuleResult> Evaluate(SettingsSnapshotDto snapshot) =>
        MtaRules.Evaluate(new SettingsSnapshot(snapshot.Platform, snapshot.Source, new DateTimeOffset(snapshot.CollectedAt, TimeSpan.Zero), snapshot.Values, snapshot.ServiceOverrides));

    private static OperationResult<JobDto> Invalid(Dictionary<string, string[]> errors) => OperationResult<JobDto>.From(OperationResult.Invalid(errors));
}
