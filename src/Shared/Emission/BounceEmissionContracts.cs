using System.Text.Json.Serialization;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Common;

namespace BackscatterConsole.Shared.Emission;

/// <summary>One stored hour of a server's notifications, as its agent last reported it (a later report replaces the hour).</summary>
/// <param name="Start">UTC start of the hour.</param>
/// <param name="NonDeliveryNotifications">Non-delivery notifications (bounces) created in the hour.</param>
/// <param name="DeliveryStatusNotifications">Success DSNs created in the hour.</param>
/// <param name="DelayNotifications">Delay notifications created in the hour.</param>
/// <param name="NotificationDeliveries">Delivery attempts of notifications in the hour.</param>
/// <param name="NotificationsToForeign">Notifications of the hour to recipients outside the server's own domains: backscatter when the sender was forged.</param>
/// <param name="RecipientDomains">Top foreign recipient domains of the hour.</param>
/// <param name="UnparsedLines">Log lines the agent could not parse in the hour.</param>
/// <param name="ReportedAt">When the agent collected the report this hour comes from (UTC).</param>
public sealed record BounceEmissionHourDto(
    DateTime Start,
    int NonDeliveryNotifications,
    int DeliveryStatusNotifications,
    int DelayNotifications,
    int NotificationDeliveries,
    int NotificationsToForeign,
    IReadOnlyList<DomainCount> RecipientDomains,
    int UnparsedLines,
    DateTime ReportedAt)
{
    /// <summary>All notifications created in the hour.</summary>
    public int Notifications => NonDeliveryNotifications + DeliveryStatusNotifications + DelayNotifications;
}

/// <summary>Null-sender mail in the server's queue at the latest report.</summary>
/// <param name="CollectedAt">When the agent read the queue (UTC).</param>
/// <param name="Messages">All queued messages.</param>
/// <param name="NullSenderMessages">Queued null-sender messages.</param>
/// <param name="NullSenderToForeign">Queued null-sender messages with a foreign recipient.</param>
/// <param name="OldestNullSenderAgeSeconds">Age of the oldest of those, in seconds (0 when none).</param>
/// <param name="RecipientDomains">Their top foreign recipient domains.</param>
/// <param name="QueueIds">Up to 50 of their queue ids, oldest first.</param>
public sealed record BounceEmissionQueueDto(
    DateTime CollectedAt,
    int Messages,
    int NullSenderMessages,
    int NullSenderToForeign,
    int OldestNullSenderAgeSeconds,
    IReadOnlyList<DomainCount> RecipientDomains,
    IReadOnlyList<string> QueueIds);

/// <summary>The latest emission report of a server: when, from which agent, what could not be read, the queue now.</summary>
/// <param name="ServerId">The server.</param>
/// <param name="AgentId">The agent that sent it.</param>
/// <param name="CollectedAt">When the agent collected it (UTC).</param>
/// <param name="ReceivedAt">When the console stored it (UTC).</param>
/// <param name="LocalDomains">The server's own domains as the agent read them (at most 1,000).</param>
/// <param name="Queue">The queue, or null when it was not read.</param>
/// <param name="QueueError">Why the queue could not be read.</param>
/// <param name="LogError">Why the mail log could not be read.</param>
/// <param name="LogPath">The mail log the agent reads.</param>
/// <param name="LogBytesRead">Bytes the agent's last scan read (the scan is incremental).</param>
/// <param name="LogFilesRead">Files with new bytes in the last scan.</param>
/// <param name="OldestLine">Oldest line in the agent's history (at most 7 days back).</param>
/// <param name="NewestLine">Newest line the agent has read.</param>
/// <param name="Notes">What limits the figures (a domain table the agent cannot list, a source the platform lacks).</param>
public sealed record BounceEmissionStateDto(
    Guid ServerId,
    Guid AgentId,
    DateTime CollectedAt,
    DateTime ReceivedAt,
    IReadOnlyList<string> LocalDomains,
    BounceEmissionQueueDto? Queue,
    string? QueueError,
    string? LogError,
    string? LogPath,
    long? LogBytesRead,
    int? LogFilesRead,
    DateTime? OldestLine,
    DateTime? NewestLine,
    IReadOnlyList<string> Notes);

/// <summary>Sums over the hours of a series.</summary>
/// <param name="NonDeliveryNotifications">Non-delivery notifications.</param>
/// <param name="DeliveryStatusNotifications">Success DSNs.</param>
/// <param name="DelayNotifications">Delay notifications.</param>
/// <param name="NotificationDeliveries">Delivery attempts of notifications.</param>
/// <param name="NotificationsToForeign">Notifications to foreign recipients.</param>
/// <param name="UnparsedLines">Log lines the agent could not parse.</param>
/// <param name="HoursReported">Hours in the range the agent reported (the others are not known, which is not zero).</param>
/// <param name="RecipientDomains">Top 10 foreign recipient domains over the range (summed from each hour's top list).</param>
public sealed record BounceEmissionTotalsDto(
    int NonDeliveryNotifications,
    int DeliveryStatusNotifications,
    int DelayNotifications,
    int NotificationDeliveries,
    int NotificationsToForeign,
    int UnparsedLines,
    int HoursReported,
    IReadOnlyList<DomainCount> RecipientDomains);

/// <summary>A server's hourly emission between two times, with the latest report's state (<c>GET /api/v1/servers/{id}/bounce-emission</c>).</summary>
/// <param name="ServerId">The server.</param>
/// <param name="From">Start of the range (UTC, inclusive, rounded down to the hour).</param>
/// <param name="To">End of the range (UTC, exclusive).</param>
/// <param name="Hours">The reported hours in the range, oldest first. An hour that is missing was not reported (no agent, log not covering it): it is unknown, not zero.</param>
/// <param name="Totals">Sums over <paramref name="Hours"/>.</param>
/// <param name="Latest">The latest report, or null when the server's agent never sent one.</param>
public sealed record BounceEmissionSeriesDto(
    Guid ServerId,
    DateTime From,
    DateTime To,
    IReadOnlyList<BounceEmissionHourDto> Hours,
    BounceEmissionTotalsDto Totals,
    BounceEmissionStateDto? Latest);

/// <summary>A server that sent null-sender mail to foreign recipients in the window (the fleet's "emitting now").</summary>
/// <param name="ServerId">The server.</param>
/// <param name="ServerName">Its name.</param>
/// <param name="NotificationsToForeign">Notifications to foreign recipients in the window, from the log.</param>
/// <param name="QueuedToForeign">Null-sender messages to foreign recipients in the queue at the latest report.</param>
/// <param name="Emission">The figure the check judges: the larger of the two (a deferred notification is in both).</param>
/// <param name="LastReportAt">When the latest report was collected.</param>
/// <param name="RecipientDomains">Top foreign recipient domains in the window.</param>
public sealed record EmittingServerDto(
    Guid ServerId,
    string ServerName,
    int NotificationsToForeign,
    int QueuedToForeign,
    int Emission,
    DateTime? LastReportAt,
    IReadOnlyList<DomainCount> RecipientDomains);

/// <summary>Bucket size of a fleet series.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EmissionGranularity>))]
public enum EmissionGranularity
{
    /// <summary>One point per UTC hour.</summary>
    [JsonStringEnumMemberName("hour")] Hour,

    /// <summary>One point per UTC day.</summary>
    [JsonStringEnumMemberName("day")] Day,
}

/// <summary>The fleet's notifications in one hour or day.</summary>
/// <param name="Start">UTC start of the bucket.</param>
/// <param name="Notifications">Notifications created (all kinds), over every server.</param>
/// <param name="NotificationsToForeign">Of those, notifications to foreign recipients.</param>
/// <param name="ServersReporting">Servers that reported at least one hour of the bucket.</param>
/// <param name="ServersEmitting">Servers with at least one notification to a foreign recipient in the bucket.</param>
public sealed record FleetEmissionPointDto(DateTime Start, int Notifications, int NotificationsToForeign, int ServersReporting, int ServersEmitting);

/// <summary>A change request that names a check (the newest one that was not withdrawn or rejected).</summary>
/// <param name="Id">The request.</param>
/// <param name="Title">Its title.</param>
/// <param name="State">One of <c>ChangeRequestStates</c>.</param>
/// <param name="UpdatedAt">When it last changed (UTC).</param>
public sealed record EmissionChangeRequestRefDto(Guid Id, string Title, string State, DateTime UpdatedAt);

/// <summary>A failing or warning check of the server's latest scan that makes it accept mail and bounce it later (or probe forged senders).</summary>
/// <param name="CheckId">The check (smtp.unknown-recipient, smtp.catch-all, mta.disabled-mailbox, mta.quota-notification, mta.filter-bounce, mta.sender-callout, ...).</param>
/// <param name="Title">Its finding.</param>
/// <param name="Status">Fail or warn.</param>
/// <param name="AgentCanFix">True when the server's agent can apply the fix (the remediation planner has setting changes for it), so a change request fixes it.</param>
/// <param name="ChangeRequest">The newest change request that names this check for this server, or null.</param>
/// <param name="FixPath">Where the fix is, relative to the portal: the change request, a new change request for this server and check, or the scan's finding for manual steps.</param>
public sealed record EmissionCauseDto(string CheckId, string Title, CheckStatus Status, bool AgentCanFix, EmissionChangeRequestRefDto? ChangeRequest, string FixPath);

/// <summary>A change applied to the server by its agent, with the emission before and after it.</summary>
/// <param name="JobId">The agent job that applied it.</param>
/// <param name="ChangeRequestId">The change request it came from, when it did.</param>
/// <param name="Title">The request's title, or the job's checks.</param>
/// <param name="CheckIds">The checks it fixed.</param>
/// <param name="AppliedAt">When the agent finished it (UTC).</param>
/// <param name="HoursBefore">Reported hours in the 24 hours up to and including the hour it was applied in (that hour holds the emission that led to it).</param>
/// <param name="ToForeignBefore">Notifications to foreign recipients in those hours.</param>
/// <param name="HoursAfter">Reported hours from the hour after it was applied until now.</param>
/// <param name="ToForeignAfter">Notifications to foreign recipients in those hours.</param>
/// <param name="Stopped">True when hours after it were reported and none had a notification to a foreign recipient; false when some had; null while no full hour after it was reported.</param>
public sealed record EmissionAppliedChangeDto(
    Guid JobId,
    Guid? ChangeRequestId,
    string Title,
    IReadOnlyList<string> CheckIds,
    DateTime AppliedAt,
    int HoursBefore,
    int ToForeignBefore,
    int HoursAfter,
    int ToForeignAfter,
    bool? Stopped);

/// <summary>
/// Why a server emits and what fixes it (<c>GET /api/v1/servers/{id}/bounce-emission/causes</c>): the likely causes among the
/// latest scan's failing checks with the change request that fixes each, and the changes applied in the last 7 days with
/// the emission before and after each.
/// </summary>
/// <param name="ServerId">The server.</param>
/// <param name="ScanId">The latest completed scan the causes come from, or null before the first.</param>
/// <param name="ScannedAt">When it finished.</param>
/// <param name="Emission">Null-sender mail to foreign domains in the last 24 hours (the figure <c>smtp.bounce-emission</c> judges; 0 without a report).</param>
/// <param name="Causes">Likely causes, in the order the emission check names them.</param>
/// <param name="AppliedChanges">Changes applied in the last 7 days, newest first.</param>
public sealed record BounceEmissionCausesDto(
    Guid ServerId,
    Guid? ScanId,
    DateTime? ScannedAt,
    int Emission,
    IReadOnlyList<EmissionCauseDto> Causes,
    IReadOnlyList<EmissionAppliedChangeDto> AppliedChanges);

/// <summary>
/// Reads the stored emission reports: per server, for the fleet, over time. Shared by the API, the portal and the
/// dashboard. Hours are kept for <c>Emission:RetentionDays</c> (90 by default).
/// </summary>
public interface IBounceEmissionService
{
    /// <summary>
    /// The server's hours in [<paramref name="from"/>, <paramref name="to"/>) (default: the last 24 hours), with the latest
    /// report's state. NotFound for an unknown server; Invalid when the range is reversed or longer than the retention.
    /// </summary>
    Task<OperationResult<BounceEmissionSeriesDto>> GetSeriesAsync(Guid serverId, DateTime? from, DateTime? to, CancellationToken cancellationToken);

    /// <summary>The likely causes of the server's emission among its latest scan's failing checks, and the applied changes with the emission before and after. NotFound for an unknown server.</summary>
    Task<OperationResult<BounceEmissionCausesDto>> GetCausesAsync(Guid serverId, CancellationToken cancellationToken);

    /// <summary>The server's latest report (queue state, errors), or null when none was received.</summary>
    Task<BounceEmissionStateDto?> GetLatestAsync(Guid serverId, CancellationToken cancellationToken);

    /// <summary>Servers whose null-sender mail to foreign recipients in the last <paramref name="window"/> is above zero, most first.</summary>
    Task<IReadOnlyList<EmittingServerDto>> ListEmittingAsync(TimeSpan window, CancellationToken cancellationToken);

    /// <summary>The fleet's notifications per hour or day in [<paramref name="from"/>, <paramref name="to"/>), every bucket present (zeros included), oldest first.</summary>
    Task<IReadOnlyList<FleetEmissionPointDto>> GetFleetSeriesAsync(DateTime from, DateTime to, EmissionGranularity granularity, CancellationToken cancellationToken);
}

/// <summary>A server's agent sent a new emission report; relayed on the status hub to the server's and the fleet's groups as <c>bounceEmissionUpdated</c>.</summary>
/// <param name="ServerId">The server.</param>
/// <param name="CollectedAt">When the agent collected the report.</param>
/// <param name="NotificationsToForeignLast24Hours">Notifications to foreign recipients in the 24 hours before it.</param>
public sealed record BounceEmissionUpdatedEvent(Guid ServerId, DateTimeOffset CollectedAt, int NotificationsToForeignLast24Hours);
