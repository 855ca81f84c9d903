using BackscatterConsole.Server.Live;
using System.Text.Json;
using BackscatterConsole.Domain.Text;
using BackscatterConsole.Server.Agents;
using BackscatterConsole.Server.Audit;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Settings;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace BackscatterConsole.Server.Jobs;

/// <summary>
/// What agents report about jobs and settings, applied to the console's records: steps, completions, reconciliation after
/// a reconnect, and the fresh snapshot after a change that starts the verification scan.
/// </summary>
internal sealed class JobReports(
    AppDbContext db,
    ILiveNotifier events,
    AuditTrail audit,
    ISettingsSnapshotService snapshots,
    IScanService scans,
    AgentPresence presence,
    ChangeRequests.ChangeRequestProgress changeRequests,
    ILogger<JobReports> logger)
{
    private const int MaxOutput = 64 * 1024;

    public async Task StepAsync(Guid serverId, JobStepEvent step, CancellationToken cancellationToken)
    {
        var jobState = await db.Jobs.AsNoTracking().Where(j => j.Id == step.JobId && j.ServerId == serverId).Select(j => j.State).SingleOrDefaultAsync(cancellationToken)
            ?? throw new HubException($"No job {step.JobId} for this agent's server.");
        if (JobStates.Final.Contains(jobState))
        {
            return;
        }

        var output = TextRules.ReplaceNul(step.Output);
        var record = new JobStepRecord
        {
            JobId = step.JobId,
            Sequence = step.Sequence,
            Name = Clip(step.Name, 200),
            State = StateText(step.State),
            StartedAt = step.StartedAt.UtcDateTime,
            FinishedAt = step.FinishedAt?.UtcDateTime,
            Output = output.Length <= MaxOutput ? output : output[..MaxOutput] + "\n… [truncated by the console]",
            ExitCode = step.ExitCode,
        };

        // The same report can arrive twice (resent after a reconnect, possibly to another instance): a step that already
        // ended is never written again, so each ended step is recorded and audited exactly once.
        var ended = step.State != JobStepState.Running;
        bool stored;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await using var lease = ended
                ? await audit.StageAsync(new AuditEvent(AuditActions.JobStep, "job", record.JobId.ToString(), After: new { step.Sequence, step.Name, state = record.State, step.ExitCode }, Detail: $"Step {step.Sequence} '{record.Name}' {record.State}."), cancellationToken)
                : null;
            stored = await StoreStepAsync(record, transaction, cancellationToken);
            if (stored)
            {
                await db.Jobs.Where(j => j.Id == record.JobId && !JobStates.Final.Contains(j.State) && j.State != JobStates.Running)
                    .ExecuteUpdateAsync(s => s.SetProperty(j => j.State, JobStates.Running), cancellationToken);
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
        }

        if (stored)
        {
            await events.PublishAsync(new JobUpdatedEvent(record.JobId, serverId, JobStates.Running, JobService.ToDto(record)));
        }
    }

    public async Task CompletedAsync(Guid serverId, Guid agentId, JobCompletion completion, CancellationToken cancellationToken)
    {
        var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == completion.JobId && j.ServerId == serverId, cancellationToken)
            ?? throw new HubException($"No job {completion.JobId} for this agent's server.");
        if (JobStates.Final.Contains(job.State))
        {
            return;
        }

        var state = completion.State switch
        {
            AgentJobState.Succeeded => JobStates.Succeeded,
            AgentJobState.RolledBack => JobStates.RolledBack,
            AgentJobState.Failed => JobStates.Failed,
            _ => JobStates.Running,
        };
        if (state == JobStates.Running)
        {
            await db.Jobs.Where(j => j.Id == job.Id && !JobStates.Final.Contains(j.State) && j.State != JobStates.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.State, JobStates.Running), cancellationToken);
            return;
        }

        var diffJson = JsonSerializer.Serialize(completion.Diff, JobService.Json);
        var error = completion.Error is null ? null : TextRules.ReplaceNul(completion.Error is { Length: > 4000 } e ? e[..4000] : completion.Error);
        var finishedAt = completion.FinishedAt.UtcDateTime;
        var awaitingVerification = state == JobStates.Succeeded && !job.DryRun;

        // The end can be reported twice at once (the completion on one instance, the reconciliation after a reconnect on
        // another): only the report whose conditional update moves the job out of a non-final state records, audits and
        // announces it.
        var finished = false;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await using (await audit.StageAsync(new AuditEvent(AuditActions.JobFinished, "job", job.Id.ToString(), After: new { State = state, diff = completion.Diff, Error = error }, Detail: $"The job {state}" + (error is null ? "." : $": {error}")), cancellationToken))
            {
                var updated = await db.Jobs.Where(j => j.Id == job.Id && !JobStates.Final.Contains(j.State)).ExecuteUpdateAsync(
                    s => s.SetProperty(j => j.State, state).SetProperty(j => j.DiffJson, diffJson).SetProperty(j => j.Error, error)
                        .SetProperty(j => j.FinishedAt, finishedAt).SetProperty(j => j.AwaitingVerification, awaitingVerification),
                    cancellationToken);
                if (updated == 1)
                {
                    await db.SaveChangesAsync(cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                    finished = true;
                }
            }
        }

        if (!finished)
        {
            return;
        }

        await events.PublishAsync(new JobUpdatedEvent(job.Id, serverId, state, null));
        await changeRequests.JobFinishedAsync(job.Id, cancellationToken);
        if (awaitingVerification)
        {
            // Verification re-runs the checks on fresh values: ask the agent for them; the scan starts when they arrive.
            await presence.SendAsync(agentId, client => client.RequestSnapshot(cancellationToken), cancellationToken);
        }
    }

    /// <summary>After a reconnect: take the agent's word for the jobs it knows, then send what it is missing.</summary>
    public async Task ReconcileAsync(Guid serverId, Guid agentId, IReadOnlyList<JobCompletion> openJobs, JobDispatcher dispatcher, CancellationToken cancellationToken)
    {
        foreach (var known in openJobs.Where(j => j.State != AgentJobState.Running))
        {
            await CompletedAsync(serverId, agentId, known, cancellationToken);
        }

        await dispatcher.DispatchPendingAsync(serverId, cancellationToken);
    }

    public async Task SnapshotAsync(Guid serverId, string agentName, AgentSnapshotReport report, CancellationToken cancellationToken)
    {
        if (report.Snapshot is null)
        {
            logger.LogWarning("Agent {Agent} could not collect settings: {Error}", agentName, report.Error);
            return;
        }

        var stored = await snapshots.StoreFromAgentAsync(serverId, report.Snapshot, agentName, cancellationToken);
        if (!stored.Succeeded)
        {
            throw new HubException(stored.Describe());
        }

        // Claimed one by one with a conditional update, so two snapshots arriving at two instances start one verification.
        var waiting = await db.Jobs.AsNoTracking().Where(j => j.ServerId == serverId && j.AwaitingVerification).Select(j => new { j.Id, j.State }).ToListAsync(cancellationToken);
        var claimed = new List<(Guid Id, string State)>();
        foreach (var job in waiting)
        {
            if (await db.Jobs.Where(j => j.Id == job.Id && j.AwaitingVerification).ExecuteUpdateAsync(s => s.SetProperty(j => j.AwaitingVerification, false), cancellationToken) == 1)
            {
                claimed.Add((job.Id, job.State));
            }
        }

        if (claimed.Count == 0)
        {
            return;
        }

        var scan = await scans.StartAsync(serverId, ScanTriggers.JobVerification, agentName, cancellationToken);
        foreach (var (id, _) in claimed)
        {
            if (scan.Succeeded)
            {
                await db.Jobs.Where(j => j.Id == id).ExecuteUpdateAsync(s => s.SetProperty(j => j.VerificationScanId, scan.Value), cancellationToken);
            }
            else
            {
                var error = "The change was applied and verified on the server, but the verification scan could not start: " + scan.Message;
                await db.Jobs.Where(j => j.Id == id).ExecuteUpdateAsync(s => s.SetProperty(j => j.Error, error), cancellationToken);
            }
        }

        foreach (var (id, state) in claimed)
        {
            await events.PublishAsync(new JobUpdatedEvent(id, serverId, state, null));
        }
    }

    /// <summary>
    /// Writes the step unless it already ended: an update of a running step, else an insert; an insert that loses to a
    /// concurrent one (the primary key decides) becomes the update. False when nothing was written.
    /// </summary>
    private async Task<bool> StoreStepAsync(JobStepRecord record, Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var updated = await db.Set<JobStepRecord>()
                .Where(s => s.JobId == record.JobId && s.Sequence == record.Sequence && s.State == RunningText)
                .ExecuteUpdateAsync(
                    u => u.SetProperty(s => s.Name, record.Name).SetProperty(s => s.State, record.State).SetProperty(s => s.StartedAt, record.StartedAt)
                        .SetProperty(s => s.FinishedAt, record.FinishedAt).SetProperty(s => s.Output, record.Output).SetProperty(s => s.ExitCode, record.ExitCode),
                    cancellationToken);
            if (updated == 1)
            {
                return true;
            }

            if (attempt > 0 || await db.Set<JobStepRecord>().AnyAsync(s => s.JobId == record.JobId && s.Sequence == record.Sequence, cancellationToken))
            {
                return false;
            }

            // A savepoint, because on PostgreSQL a failed statement would otherwise end the whole transaction.
            await transaction.CreateSavepointAsync("step", cancellationToken);
            db.Set<JobStepRecord>().Add(record);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return true;
            }
            catch (DbUpdateException e) when (StorageFailures.IsUniqueViolation(e))
            {
                await transaction.RollbackToSavepointAsync("step", cancellationToken);
            }
            finally
            {
                db.Entry(record).State = EntityState.Detached;
            }
        }
    }

    private static readonly string RunningText = StateText(JobStepState.Running);

    private static string StateText(JobStepState state) => state.ToString().ToLowerInvariant();

    private static string Clip(string value, int max) => value.Length <= max ? value : value[..max];
}
