using System.Text.Json;
using BackscatterConsole.Server.Agents;
using BackscatterConsole.Server.Live;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Jobs;
using Microsoft.EntityFrameworkCore;

namespace BackscatterConsole.Server.Jobs;

/// <summary>
/// Sends a server's pending jobs to its agent when the agent is online: on creation, and again on every (re)connect, so a job
/// queued while the agent was offline, or dispatched just before it dropped, reaches it. The agent's journal makes a
/// repeated dispatch of the same job id harmless.
/// </summary>
internal sealed class JobDispatcher(AppDbContext db, AgentPresence presence, ILiveNotifier events, TimeProvider clock, ILogger<JobDispatcher> logger)
{
    public async Task DispatchPendingAsync(Guid serverId, CancellationToken cancellationToken)
    {
        var agent = await db.Agents.AsNoTracking().CurrentFor(serverId).Select(a => new { a.Id }).FirstOrDefaultAsync(cancellationToken);
        if (agent is null || !await presence.IsOnlineAsync(agent.Id, cancellationToken))
        {
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var pending = await db.Jobs.AsNoTracking().Where(j => j.ServerId == serverId && j.ExpiresAt > now
                && (j.State == JobStates.Queued || j.State == JobStates.Dispatched || j.State == JobStates.Running))
            .OrderBy(j => j.CreatedAt).ToListAsync(cancellationToken);
        foreach (var job in pending)
        {
            var changes = JsonSerializer.Deserialize<List<JobChangeDto>>(job.ChangesJson, JobService.Json) ?? [];
            var dispatch = new JobDispatch(job.Id, job.ServerId, changes.Select(c => new SettingChange(c.Name, c.Operation, c.Value)).ToList(), job.DryRun, new DateTimeOffset(job.ExpiresAt, TimeSpan.Zero));
            try
            {
                if (!await presence.SendAsync(agent.Id, client => client.DispatchJob(dispatch, cancellationToken), cancellationToken))
                {
                    return;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not send job {JobId} to agent {AgentId}; it is sent again when the agent reconnects", job.Id, agent.Id);
                return;
            }

            // The agent may already have reported steps or the end by now: only a job still queued becomes dispatched,
            // so this update can never overwrite what the agent said.
            var dispatched = await db.Jobs.Where(j => j.Id == job.Id && j.State == JobStates.Queued)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.State, JobStates.Dispatched).SetProperty(j => j.DispatchedAt, now), cancellationToken);
            if (dispatched == 0)
            {
                await db.Jobs.Where(j => j.Id == job.Id && (j.State == JobStates.Dispatched || j.State == JobStates.Running))
                    .ExecuteUpdateAsync(s => s.SetProperty(j => j.DispatchedAt, now), cancellationToken);
            }
            else
            {
                await events.PublishAsync(new JobUpdatedEvent(job.Id, job.ServerId, JobStates.Dispatched, null));
            }
        }
    }
}

/// <summary>
/// Expires jobs an agent did not start in time, so an offline agent never leaves a job pending for ever. With several
/// instances the sweep runs on the one holding its lease; each expiry is a conditional update, so it happens once anyway.
/// </summary>
internal sealed class JobExpiryService(IServiceScopeFactory scopes, Microsoft.Extensions.Options.IOptions<JobOptions> options, TimeProvider clock, ILogger<JobExpiryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, clock);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Expiring jobs failed; trying again at the next sweep");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        if (!await scope.ServiceProvider.GetRequiredService<Cluster.BackgroundLeases>().TryAcquireAsync(Cluster.BackgroundLeases.JobExpiry, options.Value.SweepInterval * 1.5, cancellationToken))
        {
            return;
        }

        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var candidates = await db.Jobs.AsNoTracking().Where(j => (j.State == JobStates.Queued || j.State == JobStates.Dispatched) && j.ExpiresAt <= now)
            .Select(j => new { j.Id, j.ServerId }).ToListAsync(cancellationToken);
        if (candidates.Count == 0)
        {
            return;
        }

        var audit = scope.ServiceProvider.GetRequiredService<Audit.AuditTrail>();
        var events = scope.ServiceProvider.GetRequiredService<ILiveNotifier>();
        const string why = "The agent did not start the job before it expired (it was offline, or never picked it up). Nothing was changed.";
        foreach (var job in candidates)
        {
            int expired;
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await using (await audit.StageAsync(new Audit.AuditEvent(Shared.Audit.AuditActions.JobFinished, "job", job.Id.ToString(), After: new { State = JobStates.Expired }, Detail: "The job expired before the agent started it.", ActorName: "system"), cancellationToken))
            {
                // Conditional, so a job the agent started a moment ago keeps its state instead of turning expired.
                expired = await db.Jobs.Where(j => j.Id == job.Id && (j.State == JobStates.Queued || j.State == JobStates.Dispatched))
                    .ExecuteUpdateAsync(s => s.SetProperty(j => j.State, JobStates.Expired).SetProperty(j => j.FinishedAt, now).SetProperty(j => j.Error, why), cancellationToken);
                if (expired > 0)
                {
                    await db.SaveChangesAsync(cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                }
            }

            if (expired > 0)
            {
                await events.PublishAsync(new JobUpdatedEvent(job.Id, job.ServerId, JobStates.Expired, null));
                await scope.ServiceProvider.GetRequiredService<ChangeRequests.ChangeRequestProgress>().JobFinishedAsync(job.Id, cancellationToken);
            }
        }
    }
}
