using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.ChangeRequests;
using Microsoft.EntityFrameworkCore;

namespace BackscatterConsole.Server.ChangeRequests;

/// <summary>
/// Finishes applies that a crash interrupted. Applying a request commits its state change first and then one job per
/// server; a console killed in between left the request <c>applying</c> with no job for good (found by the
/// crash-consistency soak). At start-up and then every half minute this creates the missing jobs, as the apply would have.
/// A request counts as interrupted when it was last changed before this process started, or more than a minute ago: an
/// apply under way in this process takes milliseconds between its two steps.
/// </summary>
internal sealed partial class InterruptedApplyService(IServiceScopeFactory scopes, TimeProvider clock, ILogger<InterruptedApplyService> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    private readonly DateTime _startedAt = clock.GetUtcNow().UtcDateTime;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await ResumeAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database may be down or restarting; the next round tries again.
                LogFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    internal async Task ResumeAsync(CancellationToken cancellationToken)
    {
        var before = clock.GetUtcNow().UtcDateTime - Grace;
        if (_startedAt > before)
        {
            before = _startedAt;
        }

        List<Guid> interrupted;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            interrupted = await db.ChangeRequests.AsNoTracking()
                .Where(c => c.State == ChangeRequestStates.Applying && c.UpdatedAt < before && c.Items.Any(i => i.JobId == null && i.ApplyError == null))
                .Select(c => c.Id)
                .ToListAsync(cancellationToken);
        }

        foreach (var id in interrupted)
        {
            await using var scope = scopes.CreateAsyncScope();
            try
            {
                var created = await scope.ServiceProvider.GetRequiredService<ChangeRequestService>().ResumeApplyAsync(id, cancellationToken);
                LogResumed(id, created);
            }
            catch (DbUpdateConcurrencyException)
            {
                // Another console resumed it at the same moment.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Change request {Id} was left applying by an interrupted apply; created its {Count} missing job(s)")]
    private partial void LogResumed(Guid id, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Resuming interrupted applies failed; trying again at the next round")]
    private partial void LogFailed(Exception exception);
}
