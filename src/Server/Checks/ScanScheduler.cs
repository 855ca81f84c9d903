using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Checks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Checks;

/// <summary>
/// Scheduled rescans: every <see cref="ScanOptions.ScheduleCheckInterval"/> it queues a scan of each server whose
/// latest scan was requested longer ago than the server's <see cref="ManagedServer.ScanIntervalMinutes"/> (or that was
/// never scanned). Off when <see cref="ScanOptions.ScheduleEnabled"/> is false; 0 minutes turns it off per server.
/// With several instances each tick runs on the one holding the scheduler's lease, which it renews every tick; another
/// instance takes it over once it lapses.
/// </summary>
internal sealed partial class ScanScheduler(
    IServiceScopeFactory scopes,
    IOptions<ScanOptions> options,
    TimeProvider clock,
    ILogger<ScanScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ScheduleEnabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.ScheduleCheckInterval, clock);
        do
        {
            try
            {
                if (await HoldsLeaseAsync(stoppingToken))
                {
                    await QueueDueScansAsync(stoppingToken);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A database hiccup must not end the schedule; the next tick tries again.
                LogTickFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<bool> HoldsLeaseAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var leases = scope.ServiceProvider.GetRequiredService<Cluster.BackgroundLeases>();
        return await leases.TryAcquireAsync(Cluster.BackgroundLeases.ScanScheduler, options.Value.ScheduleCheckInterval * 1.5, cancellationToken);
    }

    /// <summary>Queues a scan for every server that is due now; returns the scan ids.</summary>
    internal async Task<IReadOnlyList<Guid>> QueueDueScansAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var scans = scope.ServiceProvider.GetRequiredService<IScanService>();
        var now = clock.GetUtcNow().UtcDateTime;
        var servers = await db.Servers.AsNoTracking()
            .Where(s => s.ScanIntervalMinutes > 0)
            .Select(s => new
            {
                s.Id,
                s.ScanIntervalMinutes,
                Last = db.Scans.Where(x => x.ServerId == s.Id).OrderByDescending(x => x.QueuedAt).Select(x => (DateTime?)x.QueuedAt).FirstOrDefault(),
            })
            .ToListAsync(cancellationToken);
        var queued = new List<Guid>();
        foreach (var server in servers.Where(s => s.Last is null || s.Last.Value.AddMinutes(s.ScanIntervalMinutes) <= now))
        {
            var result = await scans.StartAsync(server.Id, ScanTriggers.Schedule, null, cancellationToken);
            if (result.Succeeded)
            {
                queued.Add(result.Value);
            }
        }

        return queued;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled rescan check failed")]
    private partial void LogTickFailed(Exception exception);
}
