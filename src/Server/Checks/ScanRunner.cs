using BackscatterConsole.Server.Live;
using BackscatterConsole.Domain.Checklist;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Checks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Checks;

/// <summary>
/// Takes queued scans off the channel and runs up to <see cref="ScanOptions.MaxConcurrency"/> at once, each under its
/// own timeout. At start-up it ends scans a previous process left <c>running</c> (as failed, with the reason) and
/// queues again the ones that never started, so no scan stays running forever.
/// </summary>
internal sealed partial class ScanRunner(
    ScanQueue queue,
    RunningScans running,
    ScanExecutor executor,
    IServiceScopeFactory scopes,
    ILiveNotifier events,
    IOptions<ScanOptions> options,
    TimeProvider clock,
    ILogger<ScanRunner> logger) : BackgroundService
{
    public const string InterruptedMessage = "The console stopped while this scan was running; start it again.";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RecoverAsync(stoppingToken);
        var workers = Enumerable.Range(0, Math.Max(1, options.Value.MaxConcurrency)).Select(_ => WorkAsync(stoppingToken)).ToArray();
        await Task.WhenAll(workers);
    }

    /// <summary>Ends orphaned <c>running</c> scans and re-queues <c>queued</c> ones.</summary>
    internal async Task RecoverAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var orphaned = await db.Scans
            .Where(s => s.Status == ScanStatuses.Running)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, ScanStatuses.Failed).SetProperty(s => s.FinishedAt, now).SetProperty(s => s.Error, InterruptedMessage), cancellationToken);
        if (orphaned > 0)
        {
            LogOrphaned(orphaned);
        }

        await BackfillServerRiskAsync(db, cancellationToken);
        var waiting = await db.Scans.AsNoTracking().Where(s => s.Status == ScanStatuses.Queued).OrderBy(s => s.QueuedAt).Select(s => s.Id).ToListAsync(cancellationToken);
        foreach (var id in waiting)
        {
            queue.Enqueue(id);
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

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var scanId in queue.ReadAllAsync(stoppingToken))
            {
                await RunOneAsync(scanId, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; scans in flight were marked failed by RunOneAsync.
        }
    }

    private async Task RunOneAsync(Guid scanId, CancellationToken stoppingToken)
    {
        var timeout = options.Value.Timeout;

        // Registered before the scan turns running, so a cancel that sees "running" always finds the token.
        var run = running.Register(scanId, stoppingToken, timeout);
        try
        {
            Guid serverId;
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
                var now = clock.GetUtcNow().UtcDateTime;
                var started = await db.Scans
                    .Where(s => s.Id == scanId && s.Status == ScanStatuses.Queued)
                    .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, ScanStatuses.Running).SetProperty(s => s.StartedAt, now), CancellationToken.None);
                if (started == 0)
                {
                    // Cancelled while queued, or already taken: nothing to do.
                    return;
                }

                serverId = await db.Scans.Where(s => s.Id == scanId).Select(s => s.ServerId).SingleAsync(CancellationToken.None);
            }

            try
            {
                var results = await executor.RunAsync(scanId, run.Token);
                var assessment = RiskScore.Assess(results.Select(ScanMapping.ToCheck));
                await FinishAsync(scanId, serverId, ScanStatuses.Completed, null, 100, assessment.Score, ScanMapping.Worst(results));
            }
            catch (OperationCanceledException) when (run.Token.IsCancellationRequested)
            {
                var (status, message) = run.CancelledByUser
                    ? (ScanStatuses.Cancelled, "Cancelled by a user.")
                    : stoppingToken.IsCancellationRequested
                        ? (ScanStatuses.Failed, InterruptedMessage)
                        : (ScanStatuses.Failed, $"The scan did not finish within {timeout.TotalMinutes:0.##} minutes (Scans:Timeout) and was stopped.");
                await FinishPartialAsync(scanId, serverId, status, message);
            }
            catch (Exception ex)
            {
                LogScanFault(ex, scanId);
                await FinishPartialAsync(scanId, serverId, ScanStatuses.Failed, "The scan stopped on an unexpected error: " + ex.Message);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The database itself failed (disk full, read-only); the worker must survive to run the next scan.
            LogScanFault(ex, scanId);
        }
        finally
        {
            running.Remove(scanId);
        }
    }

    /// <summary>Ends a scan that stopped early, scoring the results it had stored.</summary>
    private async Task FinishPartialAsync(Guid scanId, Guid serverId, string status, string message)
    {
        List<ScanResultDto> results;
        int progress;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            results = (await db.ScanResults.AsNoTracking().Where(r => r.ScanId == scanId).ToListAsync(CancellationToken.None)).Select(ScanMapping.ToDto).ToList();
            progress = await db.Scans.Where(s => s.Id == scanId).Select(s => s.Progress).SingleAsync(CancellationToken.None);
        }

        var score = results.Count > 0 ? RiskScore.Score(results.Select(ScanMapping.ToCheck)) : (int?)null;
        await FinishAsync(scanId, serverId, status, message, progress, score, ScanMapping.Worst(results));
    }

    private async Task FinishAsync(Guid scanId, Guid serverId, string status, string? error, int progress, int? score, ScanResultDto? worst)
    {
        int updated;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var now = clock.GetUtcNow().UtcDateTime;

            // Only from running: a cancel that already ended the scan must not be overwritten.
            updated = await db.Scans
                .Where(s => s.Id == scanId && s.Status == ScanStatuses.Running)
                .ExecuteUpdateAsync(
                    u => u.SetProperty(s => s.Status, status).SetProperty(s => s.FinishedAt, now).SetProperty(s => s.Error, error)
                        .SetProperty(s => s.Progress, progress).SetProperty(s => s.RiskScore, score),
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
}
