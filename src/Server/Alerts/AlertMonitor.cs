using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Emission;
using BackscatterConsole.Shared.Live;

namespace BackscatterConsole.Server.Alerts;

/// <summary>
/// Re-evaluates a server's alerts whenever a scan of it completes or its agent reports emission. One evaluation at a time,
/// so two events for the same server cannot both find "no open alert" and race.
/// </summary>
internal sealed partial class AlertMonitor(ILiveEvents live, IServiceScopeFactory scopes, ILogger<AlertMonitor> logger) : IHostedService
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<IDisposable> _subscriptions = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscriptions.Add(live.Subscribe<ScanCompletedEvent>(e => e.Status == ScanStatuses.Completed ? EvaluateAsync(e.ServerId) : Task.CompletedTask));
        _subscriptions.Add(live.Subscribe<BounceEmissionUpdatedEvent>(e => EvaluateAsync(e.ServerId)));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscriptions.ForEach(s => s.Dispose());
        return Task.CompletedTask;
    }

    private async Task EvaluateAsync(Guid serverId)
    {
        await _gate.WaitAsync();
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<AlertEvaluator>().EvaluateAsync(serverId, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogEvaluationFault(ex, serverId);
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Evaluating the alerts of server {ServerId} failed")]
    private partial void LogEvaluationFault(Exception exception, Guid serverId);
}
