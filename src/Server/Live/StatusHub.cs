using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace BackscatterConsole.Server.Live;

/// <summary>
/// Live status hub at <c>/hubs/status</c> for API clients. Clients join groups with <c>SubscribeServer</c>,
/// <c>SubscribeScan</c>, <c>SubscribeJob</c>, <c>SubscribeReviews</c> or <c>SubscribeFleet</c>; the events come from the
/// in-process notifier through <see cref="StatusHubRelay"/>.
/// </summary>
[Authorize(Policy = Policies.Read)]
internal sealed class StatusHub : Hub
{
    public const string Path = "/hubs/status";
    public const string FleetGroup = "fleet";

    /// <summary>Every change request's state changes: review queues, request pages and in-app notifications.</summary>
    public const string ReviewsGroup = "reviews";

    public static string ServerGroup(Guid serverId) => "server:" + serverId.ToString("D");

    public static string ScanGroup(Guid scanId) => "scan:" + scanId.ToString("D");

    public static string JobGroup(Guid jobId) => "job:" + jobId.ToString("D");

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
