using BackscatterConsole.Domain.Checklist;
using BackscatterConsole.Server.Cluster;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Live;
using BackscatterConsole.Shared.Checks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Checks;

/// <summary>
/// The leases of running scans. A runner claims a queued scan by naming itself in <see cref="Scan.LeaseOwner"/> with an
/// expiry; it renews the expiry with every step and every heartbeat. A scan whose lease lapsed (its instance died, or
/// lost the database) is queued again for another runner once, and fails with the reason if its second run is lost too,
/// so no scan stays <c>running</c> for ever.
/// </summary>
internal sealed partial class ScanLeases(
    IServiceScopeFactory scopes,
    RunningScans running,
    ClusterInstance instance,
    ILiveNotifier events,
    IOptions<ClusterOptions> cluster,
    TimeProvider clock,
    ILogger<ScanLeases> logger)
{
    /// <summary>Runs a scan may get: the first, and one more on another instance after the first was lost.</summary>
    public const int MaxAttempts = 2;

    /// <summary>Extends the leases of the scans running in this process.</summary>
    public async Task RenewAsync(CancellationToken cancellationToken)
    {
        var ids = running.Ids;
        if (ids.Count == 0)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var until = clock.GetUtcNow().UtcDateTime + cluster.Value.LeaseExpiry;
        var me = instance.Id;
        await db.Scans.Where(s => ids.Contains(s.Id) && s.Status == ScanStatuses.Running && s.LeaseOwner == me)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.LeaseExpiresAt, until), cancellationToken);
    }

    /// <summary>Takes over every running scan whose lease lapsed; returns how many.</summary>
    public async Task<int> TakeOverExpiredAsync(CancellationToken cancellationToken)
    {
        List<(Guid Id, string? Owner, int Attempts)> expired;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var now = clock.GetUtcNow().UtcDateTime;
            expired = (await db.Scans.AsNoTracking()
                .Where(s => s.Status == ScanStatuses.Running && (s.LeaseExpiresAt == null || s.LeaseExpiresAt <= now))
                .Select(s => new { s.Id, s.LeaseOwner, s.Attempts })
                .ToListAsync(cancellationToken)).Select(s => (s.Id, s.LeaseOwner, s.Attempts)).ToList();
        }

        var count = 0;
        foreach (var (id, owner, attempts) in expired)
        {
            var reason = $"The console instance '{owner ?? "unknown"}' running this scan stopped renewing its lease (it stopped or lost the database)";
            if (await ReleaseAsync(id, owner, attempts, reason, cancellationToken))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// Gives a scan back: queued again for any runner (results so far dropped) while it has runs left, else failed with
    /// the reason. Conditional on the owner and attempt, so only one instance does it, and never to a scan that moved on.
    /// </summary>
    public async Task<bool> ReleaseAsync(Guid scanId, string? owner, int attempt, string reason, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var scan = await db.Scans.AsNoTracking().Where(s => s.Id == scanId).Select(s => new { s.ServerId, s.Trigger, s.Progress }).SingleOrDefaultAsync(cancellationToken);
        if (scan is null)
        {
            return false;
        }

        var ours = db.Scans.Where(s => s.Id == scanId && s.Status == ScanStatuses.Running && s.LeaseOwner == owner && s.Attempts == attempt);
        var now = clock.GetUtcNow().UtcDateTime;
        if (attempt < MaxAttempts)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var requeued = await ours.ExecuteUpdateAsync(
                u => u.SetProperty(s => s.Status, ScanStatuses.Queued).SetProperty(s => s.StartedAt, (DateTime?)null).SetProperty(s => s.Progress, 0)
                    .SetProperty(s => s.LeaseOwner, (string?)null).SetProperty(s => s.LeaseExpiresAt, (DateTime?)null),
                cancellationToken);
            if (requeued == 0)
            {
                return false;
            }

            await db.ScanResults.Where(r => r.ScanId == scanId).ExecuteDeleteAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            LogRequeued(scanId, reason);
            await events.PublishAsync(new ScanQueuedEvent(scanId, scan.ServerId, scan.Trigger));
            return true;
        }

        var results = (await db.ScanResults.AsNoTracking().Where(r => r.ScanId == scanId).ToListAsync(cancellationToken)).Select(ScanMapping.ToDto).ToList();
        var score = results.Count > 0 ? RiskScore.Score(results.Select(ScanMapping.ToCheck)) : (int?)null;
        var error = $"{reason}, and this was already its run {attempt} of {MaxAttempts}; start it again.";
        var failed = await ours.ExecuteUpdateAsync(
            u => u.SetProperty(s => s.Status, ScanStatuses.Failed).SetProperty(s => s.FinishedAt, now).SetProperty(s => s.Error, error).SetProperty(s => s.RiskScore, score),
            cancellationToken);
        if (failed == 0)
        {
            return false;
        }

        LogGivenUp(scanId, error);
        await events.PublishAsync(new ScanCompletedEvent(scanId, scan.ServerId, ScanStatuses.Failed, scan.Progress, score, error, ScanMapping.Worst(results)));
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId} is queued again for another runner: {Reason}")]
    private partial void LogRequeued(Guid scanId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId} failed: {Reason}")]
    private partial void LogGivenUp(Guid scanId, string reason);
}
