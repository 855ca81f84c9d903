using BackscatterConsole.Server.Agents;
using BackscatterConsole.Server.Checks;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Cluster;

/// <summary>
/// The instance's heartbeat. Every <see cref="ClusterOptions.HeartbeatInterval"/> it renews what this instance holds
/// (its agents' presence, the leases of its running scans); then the instance holding the sweep lease ends what other
/// instances stopped renewing: their agents go offline and their scans are taken over. So an instance that dies takes
/// its agents' presence and its scans' claims with it within <see cref="ClusterOptions.LeaseExpiry"/> plus one heartbeat.
/// </summary>
internal sealed partial class ClusterMaintenance(
    IServiceScopeFactory scopes,
    ScanLeases scans,
    IOptions<ClusterOptions> options,
    TimeProvider clock,
    ILogger<ClusterMaintenance> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.HeartbeatInterval;
        using var timer = new PeriodicTimer(interval, clock);
        var failing = false;
        do
        {
            try
            {
                await BeatAsync(stoppingToken);
                if (failing)
                {
                    LogRecovered();
                    failing = false;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The database is unreachable: others will take this instance's work over if it stays so; keep trying.
                if (!failing)
                {
                    LogBeatFailed(ex);
                    failing = true;
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One heartbeat: renew, then sweep when this instance holds the sweep lease.</summary>
    internal async Task BeatAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var presence = scope.ServiceProvider.GetRequiredService<AgentPresence>();
        await presence.RenewAsync(cancellationToken);
        await scans.RenewAsync(cancellationToken);

        var leases = scope.ServiceProvider.GetRequiredService<BackgroundLeases>();
        if (!await leases.TryAcquireAsync(BackgroundLeases.ClusterSweep, options.Value.HeartbeatInterval * 1.5, cancellationToken))
        {
            return;
        }

        await presence.ExpireAsync(cancellationToken);
        await scans.TakeOverExpiredAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The cluster heartbeat failed (database unreachable?); this instance's leases and agent presence lapse if it stays so")]
    private partial void LogBeatFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "The cluster heartbeat works again")]
    private partial void LogRecovered();
}
