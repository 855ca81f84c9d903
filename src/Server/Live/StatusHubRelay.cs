using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.ChangeRequests;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Emission;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Live;
using Microsoft.AspNetCore.SignalR;

namespace BackscatterConsole.Server.Live;

/// <summary>
/// Relays the notifier's events to the status hub's groups under the documented method names. SignalR does not
/// de-duplicate across groups: a connection in two matching groups gets an event twice (the README says so).
/// </summary>
internal sealed class StatusHubRelay(ILiveEvents live, IHubContext<StatusHub> hub, ILogger<StatusHubRelay> logger) : IHostedService
{
    private readonly Lock _gate = new();
    private List<IDisposable> _subscriptions = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Relay<ScanQueuedEvent>("scanQueued", e => [StatusHub.ScanGroup(e.ScanId), StatusHub.ServerGroup(e.ServerId), StatusHub.FleetGroup]);
        // Progress carries every result with its evidence; the fleet only needs to know when scans start and end.
        Relay<ScanProgressEvent>("scanProgress", e => [StatusHub.ScanGroup(e.ScanId), StatusHub.ServerGroup(e.ServerId)]);
        Relay<ScanCompletedEvent>("scanCompleted", e => [StatusHub.ScanGroup(e.ScanId), StatusHub.ServerGroup(e.ServerId), StatusHub.FleetGroup]);
        Relay<JobUpdatedEvent>("jobUpdated", e => [StatusHub.JobGroup(e.JobId), StatusHub.ServerGroup(e.ServerId)]);
        Relay<AgentPresenceEvent>("agentPresence", e => [StatusHub.ServerGroup(e.ServerId), StatusHub.FleetGroup]);
        Relay<ChangeRequestUpdatedEvent>("changeRequestUpdated", _ => [StatusHub.ReviewsGroup]);
        Relay<BounceEmissionUpdatedEvent>("bounceEmissionUpdated", e => [StatusHub.ServerGroup(e.ServerId), StatusHub.FleetGroup]);
        return Task.CompletedTask;
    }

    // A host disposed while still starting (test factories do it) can stop the relay while StartAsync adds to the list.
    public Task StopAsync(CancellationToken cancellationToken)
    {
        List<IDisposable> subscriptions;
        lock (_gate)
        {
            subscriptions = _subscriptions;
            _subscriptions = [];
        }

        subscriptions.ForEach(s => s.Dispose());
        return Task.CompletedTask;
    }

    private void Relay<TEvent>(string method, Func<TEvent, string[]> groups)
        where TEvent : class
    {
        var subscription = live.Subscribe<TEvent>(async e =>
        {
            try
            {
                await hub.Clients.Groups(groups(e)).SendAsync(method, e);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Live status is a convenience: the state is in the database and the API whatever happens to a broadcast.
                logger.LogWarning(ex, "Could not relay {Method} to the status hub", method);
            }
        });
        lock (_gate)
        {
            _subscriptions.Add(subscription);
        }
    }
}
