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
    IHubContext<AgentsHub, IAgentClient> agents,
    ChangeRequests.ChangeRequestProgress changeRequests,
    ILogger<JobReports> logger)
{
    private const int MaxOutput = 64 * 1024;

    public async Task StepAsync(Guid serverId, JobStepEvent step, CancellationToken cancellationToken)
    {
        var job = await db.Jobs.Include(j => j.Steps).SingleOrDefaultAsync(j => j.Id == step.JobId && j.ServerId == serverId, cancellationToken)
            ?? throw new HubException($"No job {step.JobId} for this agent's server.");
        if (JobStates.Final.Contains(job.State))
        {
            return;
        }

        var record = job.Steps.SingleOrDefault(s => s.Sequence == step.Sequence);
        if (record is null)
        {
            record = new JobStepRecord { JobId = job.Id, Sequence = step.Sequence, Name = Clip(step.Name, 200), State = StateText(step.State), Output = string.Empty };
            job.Steps.Add(record);
        }

        record.Name = Clip(step.Name, 200);
        record.State = StateText(step.State);
        record.StartedAt = step.StartedAt.UtcDateTime;
        record.FinishedAt = step.FinishedAt?.UtcDateTime;
        var output = TextRules.ReplaceNul(step.Output);
        record.Output = output.Length <= MaxOutput ? output : output[..MaxOutput] + "\n… [truncated by the console]";
        record.ExitCode = step.ExitCode;
        job.State = JobStates.Running;
        var auditWorthy = step.State != JobStepState.Running;
        if (auditWorthy)
        {
            await audit.RecordAsync(new AuditEvent(AuditActions.JobStep, "job", job.Id.ToString(), After: new { step.Sequence, step.Name, state = record.State, step.ExitCode }, Detail: $"Step {step.Sequence} '{record.Name}' {record.State}."), cancellationToken);
        }
        else
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        await events.PublishAsync(new JobUpdatedEvent(job.Id, serverId, job.State, JobService.ToDto(record)));
    }

    public async Task CompletedAsync(Guid serverId, Guid agentId, JobCompletion completion, CancellationToken cancellationToken)
    {
        var job = await db.Jobs.SingleOrDefaultAsync(j => j.Id == completion.JobId && j.ServerId == serverId, cancellationToken)
            ?? throw new HubException($"No job {completion.JobId} for this agent's server.");
        if (JobStates.Final.Contains(job.State))
        {
            return;
        }

        job.State = completion.State switch
        {
            AgentJobState.Succeeded => JobStates.Succeeded,
            AgentJobState.RolledBack => JobStates.RolledBack,
            AgentJobState.Failed => JobStates.Failed,
            _ => JobStates.Running,
        };
        if (job.State == JobStates.Running)
        {
            await db.SaveChangesAsync(cancellationToken);
            return;
        }

        job.DiffJson = JsonSerializer.Serialize(completion.Diff, JobService.Json);
        job.Error = completion.Error is null ? null : TextRules.ReplaceNul(completion.Error is { Length: > 4000 } e ? e[..4000] : completion.Error);
        job.FinishedAt = completion.FinishedAt.UtcDateTime;
        job.AwaitingVerification = job.State == JobStates.Succeeded && !job.DryRun;
        await audit.RecordAsync(new AuditEvent(AuditActions.JobFinished, "job", job.Id.ToString(), After: new { job.State, diff = completion.Diff, job.Error }, Detail: $"The job {job.State}" + (job.Error is null ? "." : $": {job.Error}")), cancellationToken);

        await events.PublishAsync(new JobUpdatedEvent(job.Id, serverId, job.State, null));
        await changeRequests.JobFinishedAsync(job.Id, cancellationToken);
        if (job.AwaitingVerification && presence.Connection(agentId) is { } connection)
        {
            // Verification re-runs the checks on fresh values: ask the agent for them; the scan starts when they arrive.
            await agents.Clients.Client(connection.ConnectionId).RequestSnapshot(cancellationToken);
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

        var waiting = await db.Jobs.Where(j => j.ServerId == serverId && j.AwaitingVerification).ToListAsync(cancellationToken);
        if (waiting.Count == 0)
        {
            return;
        }

        var scan = await scans.StartAsync(serverId, ScanTriggers.JobVerification, agentName, cancellationToken);
        foreach (var job in waiting)
        {
            job.AwaitingVerification = false;
            job.VerificationScanId = scan.Succeeded ? scan.Value : null;
            if (!scan.Succeeded)
            {
                job.Error = "The change was applied and verified on the server, but the verification scan could not start: " + scan.Message;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        foreach (var job in waiting)
        {
            await events.PublishAsync(new JobUpdatedEvent(job.Id, serverId, job.State, null));
        }
    }

    private static string StateText(JobStepState state) => state.ToString().ToLowerInvariant();

    private static string Clip(string value, int max) => value.Length <= max ? value : value[..max];
}
