using BackscatterConsole.Server.Cluster;
using BackscatterConsole.Server.Live;
using BackscatterConsole.Domain.Checklist;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Checks;

/// <summary>
/// Claims queued scans from the database and runs up to <see cref="ScanOptions.MaxConcurrency"/> at once, each under its
/// own timeout. Claiming is one conditional update that names this instance as the scan's lease owner (on PostgreSQL
/// with <c>FOR UPDATE SKIP LOCKED</c>, so runners on several instances never take the same scan), and every write of the
/// run is conditional on that lease (<see cref="ScanLeases"/>). The runner wakes when a scan is queued on any instance
/// and looks at the queue every <see cref="ClusterOptions.HeartbeatInterval"/> anyway. On SQLite, where this is the only
/// instance, it ends at start-up the scans a previous process left <c>running</c> (as failed, with the reason).
/// </summary>
internal sealed partial class ScanRunner(
    ScanQueue queue,
    RunningScans running,
    ScanExecutor executor,
    ScanLeases leases,
    IServiceScopeFactory scopes,
    ILiveNotifier events,
    ILiveEvents live,
    ClusterInstance instance,
    IOptions<ScanOptions> options,
    IOptions<ClusterOptions> cluster,
    TimeProvider clock,
    ILogger<ScanRunner> logger) : BackgroundService
{
    public const string InterruptedMessage = "The console stopped while this scan was running; start it again.";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var woken = live.Subscribe<ScanQueuedEvent>(_ =>
        {
            queue.Signal();
            return Task.CompletedTask;
        });
        using var cancels = live.Subscribe<ScanCancelRequested>(request =>
        {
            running.Cancel(request.ScanId);
            return Task.CompletedTask;
        });
        await RecoverAsync(stoppingToken);

        var slots = Math.Max(1, options.Value.MaxConcurrency);
        using var free = new SemaphoreSlim(slots, slots);
        try
        {
            while (true)
            {
                await free.WaitAsync(stoppingToken);
                ScanClaim? claim = null;
                try
                {
                    claim = await ClaimAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The database hiccupped; the next look tries again.
                    LogClaimFailed(ex);
                }

                if (claim is null)
                {
                    free.Release();
                    await queue.WaitAsync(cluster.Value.HeartbeatInterval, stoppingToken);
                    continue;
                }

                _ = RunAndReleaseAsync(claim, free, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the scans in flight end (or go back to the queue) in RunOneAsync; wait for them.
            for (var i = 0; i < slots; i++)
            {
                await free.WaitAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>On SQLite, ends orphaned <c>running</c> scans; on both, fills in the servers' latest risk once.</summary>
    internal async Task RecoverAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        if (!instance.SharedDatabase)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var orphaned = await db.Scans
                .Where(s => s.Status == ScanStatuses.Running)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, ScanStatuses.Failed).SetProperty(s => s.FinishedAt, now).SetProperty(s => s.Error, InterruptedMessage), cancellationToken);
            if (orphaned > 0)
            {
                LogOrphaned(orphaned);
            }
        }

        await BackfillServerRiskAsync(db, cancellationToken);
    }

    /// <summary>Claims the oldest queued scan for this instance, or returns null when none waits.</summary>
    internal async Task<ScanClaim?> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now + cluster.Value.LeaseExpiry;
        var me = instance.Id;
        if (db.Database.IsNpgsql())
        {
            var claimed = await db.Database.SqlQuery<ClaimedRow>($"""
                UPDATE "Scans" SET "Status" = 'running', "StartedAt" = {now}, "LeaseOwner" = {me}, "LeaseExpiresAt" = {until}, "Attempts" = "Attempts" + 1
                WHERE "Id" = (SELECT "Id" FROM "Scans" WHERE "Status" = 'queued' ORDER BY "QueuedAt" LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING "Id", "ServerId", "Attempts"
                """).ToListAsync(cancellationToken);
            return claimed.Select(c => new ScanClaim(c.Id, c.ServerId, me, c.Attempts)).FirstOrDefault();
        }

        // SQLite has one instance and one writer at a time: the oldest queued scan and a conditional update suffice.
        while (true)
        {
            var next = await db.Scans.AsNoTracking().Where(s => s.Status == ScanStatuses.Queued).OrderBy(s => s.QueuedAt)
                .Select(s => new { s.Id, s.ServerId, s.Attempts }).FirstOrDefaultAsync(cancellationToken);
            if (next is null)
            {
                return null;
            }

            var attempt = next.Attempts + 1;
            var taken = await db.Scans.Where(s => s.Id == next.Id && s.Status == ScanStatuses.Queued).ExecuteUpdateAsync(
                u => u.SetProperty(s => s.Status, ScanStatuses.Running).SetProperty(s => s.StartedAt, now).SetProperty(s => s.LeaseOwner, me)
                    .SetProperty(s => s.LeaseExpiresAt, until).SetProperty(s => s.Attempts, attempt),
                cancellationToken);
            if (taken == 1)
            {
                return new ScanClaim(next.Id, next.ServerId, me, attempt);
            }

            // Cancelled between the read and the update: look again.
        }
    }

    /// <summary>
    /// Servers scanned before the inventory kept each server's latest risk get it from their latest completed scan once;
    /// afterwards every completed scan keeps it current, and this finds nothing to do.
    /// </summary>
    private static async Task BackfillServerRiskAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        var latest = await db.Scans.AsNoTracking()
            .Where(s => s.Status == ScanStatuses.Completed && db.Servers.Any(m => m.Id == s.ServerId && m.LastScannedAt == null))
            .GroupBy(s => s.ServerId)
            .Select(g => g.OrderByDescending(s => s.FinishedAt).Select(s => new { s.Id, s.ServerId, s.RiskScore, s.FinishedAt }).First())
            .ToListAsync(cancellationToken);
        foreach (var scan in latest)
        {
            var results = (await db.ScanResults.AsNoTracking().Where(r => r.ScanId == scan.Id).ToListAsync(cancellationToken)).Select(ScanMapping.ToDto);
            var worstStatus = ScanMapping.WorstStatus(ScanMapping.Worst(results));
            await db.Servers.Where(m => m.Id == scan.ServerId).ExecuteUpdateAsync(
                u => u.SetProperty(m => m.RiskScore, scan.RiskScore).SetProperty(m => m.WorstStatus, worstStatus).SetProperty(m => m.LastScannedAt, scan.FinishedAt),
                cancellationToken);
        }
    }

    private async Task RunAndReleaseAsync(ScanClaim claim, SemaphoreSlim free, CancellationToken stoppingToken)
    {
        try
        {
            await RunOneAsync(claim, stoppingToken);
        }
        finally
        {
            free.Release();
        }
    }

    private async Task RunOneAsync(ScanClaim claim, CancellationToken stoppingToken)
    {
        var timeout = options.Value.Timeout;
        var scanId = claim.Id;
        var run = running.Register(scanId, stoppingToken, timeout);
        try
        {
            try
            {
                var results = await executor.RunAsync(claim, run.Token);
                var assessment = RiskScore.Assess(results.Select(ScanMapping.ToCheck));
                await FinishAsync(claim, ScanStatuses.Completed, null, 100, assessment.Score, ScanMapping.Worst(results));
            }
            catch (ScanLeaseLostException)
            {
                // Cancelled on another instance, or taken over after this instance missed its renewals: the row has
                // moved on, and whoever moved it announced it.
                LogLeaseLost(scanId);
            }
            catch (OperationCanceledException) when (run.Token.IsCancellationRequested)
            {
                if (!run.CancelledByUser && stoppingToken.IsCancellationRequested && instance.SharedDatabase)
                {
                    // Another instance can finish it: queue it again now rather than after the lease lapses.
                    await leases.ReleaseAsync(scanId, claim.Owner, claim.Attempt, $"The console instance '{claim.Owner}' running this scan was stopped", CancellationToken.None);
                    return;
                }

                var (status, message) = run.CancelledByUser
                    ? (ScanStatuses.Cancelled, ScanService.CancelledMessage)
                    : stoppingToken.IsCancellationRequested
                        ? (ScanStatuses.Failed, InterruptedMessage)
                        : (ScanStatuses.Failed, $"The scan did not finish within {timeout.TotalMinutes:0.##} minutes (Scans:Timeout) and was stopped.");
                await FinishPartialAsync(claim, status, message);
            }
            catch (Exception ex)
            {
                LogScanFault(ex, scanId);
                await FinishPartialAsync(claim, ScanStatuses.Failed, "The scan stopped on an unexpected error: " + ex.Message);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The database itself failed (disk full, read-only); the runner must survive to run the next scan. The lease
            // lapses and another look ends or repeats the scan.
            LogScanFault(ex, scanId);
        }
        finally
        {
            running.Remove(scanId);
        }
    }

    /// <summary>Ends a scan that stopped early, scoring the results it had stored.</summary>
    private async Task FinishPartialAsync(ScanClaim claim, string status, string message)
    {
        var scanId = claim.Id;
        List<ScanResultDto> results;
        int progress;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            results = (await db.ScanResults.AsNoTracking().Where(r => r.ScanId == scanId).ToListAsync(CancellationToken.None)).Select(ScanMapping.ToDto).ToList();
            progress = await db.Scans.Where(s => s.Id == scanId).Select(s => s.Progress).SingleAsync(CancellationToken.None);
        }

        var score = results.Count > 0 ? RiskScore.Score(results.Select(ScanMapping.ToCheck)) : (int?)null;
        await FinishAsync(claim, status, message, progress, score, ScanMapping.Worst(results));
    }

    private async Task FinishAsync(ScanClaim claim, string status, string? error, int progress, int? score, ScanResultDto? worst)
    {
        var (scanId, serverId) = (claim.Id, claim.ServerId);
        int updated;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var now = clock.GetUtcNow().UtcDateTime;

            // Only while it is still this run's: a cancel or a takeover that already moved the scan on must not be overwritten.
            updated = await db.Scans
                .Where(s => s.Id == scanId && s.Status == ScanStatuses.Running && s.LeaseOwner == claim.Owner && s.Attempts == claim.Attempt)
                .ExecuteUpdateAsync(
                    u => u.SetProperty(s => s.Status, status).SetProperty(s => s.FinishedAt, now).SetProperty(s => s.Error, error)
                        .SetProperty(s => s.Progress, progress).SetProperty(s => s.RiskScore, score).SetProperty(s => s.LeaseExpiresAt, (DateTime?)null),
                    CancellationToken.None);
            if (updated == 1 && status == ScanStatuses.Completed)
            {
                // Not an edit of the server: no revision bump, and no concurrency check against someone editing it now.
                var worstStatus = ScanMapping.WorstStatus(worst);
                await db.Servers.Where(s => s.Id == serverId).ExecuteUpdateAsync(
                    u => u.SetProperty(s => s.RiskScore, score).SetProperty(s => s.WorstStatus, worstStatus).SetProperty(s => s.LastScannedAt, now),
                    CancellationToken.None);
            }
        }

        if (updated == 1)
        {
            await events.PublishAsync(new ScanCompletedEvent(scanId, serverId, status, progress, score, error, worst));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} scan(s) were left running by a previous process and are now marked failed")]
    private partial void LogOrphaned(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scan {ScanId} failed")]
    private partial void LogScanFault(Exception exception, Guid scanId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId} stopped here: it was cancelled or taken over by another instance")]
    private partial void LogLeaseLost(Guid scanId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not claim a queued scan; looking again shortly")]
    private partial void LogClaimFailed(Exception exception);

    /// <summary>What the PostgreSQL claim returns.</summary>
    private sealed class ClaimedRow
    {
        public Guid Id { get; set; }

        public Guid ServerId { get; set; }

        public int Attempts { get; set; }
    }
}
