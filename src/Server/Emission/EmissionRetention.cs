using BackscatterConsole.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Emission;

/// <summary>Deletes stored emission hours older than <c>Emission:RetentionDays</c>; the latest state per server stays.</summary>
internal sealed class EmissionRetention(IServiceScopeFactory scopes, IOptions<EmissionOptions> options, TimeProvider clock, ILogger<EmissionRetention> logger) : BackgroundService
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
                logger.LogError(e, "Deleting old emission hours failed; trying again at the next sweep");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One sweep; returns the number of hours deleted.</summary>
    internal async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var cutoff = clock.GetUtcNow().UtcDateTime.AddDays(-options.Value.RetentionDays);
        return await db.BounceEmissionHours.Where(h => h.HourStart < cutoff).ExecuteDeleteAsync(cancellationToken);
    }
}
