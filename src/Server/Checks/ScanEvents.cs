using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace BackscatterConsole.Server.Checks;

/// <summary>The in-process notifier scans publish to; the SignalR implementation fans the events out to browsers and API clients.</summary>
internal interface IScanEvents
{
    Task QueuedAsync(ScanQueuedEvent e);

    Task ProgressAsync(ScanProgressEvent e);

    Task CompletedAsync(ScanCompletedEvent e);
}

/// <summary>
/// Live status hub at <c>/hubs/status</c>. Clients join groups with <c>SubscribeServer</c>, <c>SubscribeScan</c> or
/// <c>SubscribeFleet</c> and receive <c>scanQueued</c>, <c>scanProgress</c> and <c>scanCompleted</c>.
/// </summary>
[Authorize(Policy = Policies.Read)]
internal sealed class StatusHub : Hub
{
    public const string Path = "/hubs/status";
    public const string FleetGroup = "fleet";

    public static string ServerGroup(Guid serverId) => "server:" + serverId.ToString("D");

    public static string ScanGroup(Guid scanId) => "scan:" + scanId.ToString("D");

    public static string JobGroup(Guid jobId) => "job:" + jobId.ToString("D");

    /// <summary>Every change request's state changes: review queues, request pages and in-app notifications.</summary>
    public const string ReviewsGroup = "reviews";

    public Task SubscribeServer(Guid serverId) => Groups.AddToGroupAsync(Context.ConnectionId, ServerGroup(serverId));

    public Task UnsubscribeServer(Guid serverId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, ServerGroup(serverId));

    public Task SubscribeScan(Guid scanId) => Groups.AddToGroupAsync(Context.ConnectionId, ScanGroup(scanId));

    public Task UnsubscribeScan(Guid scanId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, ScanGroup(scanId));

    public Task SubscribeJob(Guid jobId) => Groups.AddToGroupAsync(Context.ConnectionId, JobGroup(jobId));

    public Task UnsubscribeJob(Guid jobId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, JobGroup(jobId));

    public Task SubscribeReviews() => Groups.AddToGroupAsync(Context.ConnectionId, ReviewsGroup);

    public Task UnsubscribeReviews() => Groups.RemoveFromGroupAsync(Context.ConnectionId, ReviewsGroup);

    public Task SubscribeFleet() => Groups.AddToGroupAsync(Context.ConnectionId, FleetGroup);

    public Task UnsubscribeFleet() => Groups.RemoveFromGroupAsync(Context.ConnectionId, FleetGroup);
}

internal sealed class SignalRScanEvents(IHubContext<StatusHub> hub, ILogger<SignalRScanEvents> logger) : IScanEvents
{
    public Task QueuedAsync(ScanQueuedEvent e) => SendAsync("scanQueued", e.ScanId, e.ServerId, e, toFleet: true);

    // Progress carries every result with its evidence; the fleet list only needs to know when scans start and end.
    public Task ProgressAsync(ScanProgressEvent e) => SendAsync("scanProgress", e.ScanId, e.ServerId, e, toFleet: false);

    public Task CompletedAsync(ScanCompletedEvent e) => SendAsync("scanCompleted", e.ScanId, e.ServerId, e, toFleet: true);

    private async Task SendAsync(string method, Guid scanId, Guid serverId, object payload, bool toFleet)
    {
        try
        {
            // SignalR does not de-duplicate across groups: a connection in two matching groups gets the event twice (documented in the README).
            string[] groups = toFleet
                ? [StatusHub.ScanGroup(scanId), StatusHub.ServerGroup(serverId), StatusHub.FleetGroup]
                : [StatusHub.ScanGroup(scanId), StatusHub.ServerGroup(serverId)];
            await hub.Clients.Groups(groups).SendAsync(method, payload);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Live updates are a convenience; a failed fan-out must never fail the scan that reported it.
            logger.LogWarning(ex, "Could not publish {Method} for scan {ScanId}", method, scanId);
        }
    }
}
