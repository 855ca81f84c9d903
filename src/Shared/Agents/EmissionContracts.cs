namespace BackscatterConsole.Shared.Agents;

/// <summary>
/// What an agent saw of the server's null-sender mail (bounces, delivery status and delay notifications): sent through
/// <see cref="IAgentHub.ReportEmission"/> with every settings snapshot and every <c>Agent:EmissionInterval</c>.
/// </summary>
/// <remarks>
/// <para>Privacy: only counts, domain names and queue ids leave the server; never an address's local part, a subject or
/// any content.</para>
/// <para>Nothing is guessed: when the queue could not be read <see cref="Queue"/> is null and <see cref="QueueError"/>
/// says why; when the log could not be read <see cref="Hours"/> is empty and <see cref="LogError"/> says why. Both null
/// without an error means the platform has no such source for the agent (MailEnable's queue), which
/// <see cref="Notes"/> says.</para>
/// </remarks>
/// <param name="AgentId">The agent (the hub checks it against the credential).</param>
/// <param name="CollectedAt">When the agent read the queue and the log (UTC).</param>
/// <param name="LocalDomains">
/// The domains the MTA treats as its own, lower-case (Postfix: <c>mydestination</c>, <c>virtual_mailbox_domains</c>,
/// <c>virtual_alias_domains</c>, <c>relay_domains</c> as <c>postconf -hx</c> expands them, with listable tables listed;
/// Carbonio/Zimbra also <c>prov gad</c>). A recipient outside them is <em>foreign</em>. At most 1,000 are sent;
/// <see cref="Notes"/> says when there were more.
/// </param>
/// <param name="Queue">The queue now, or null when it was not read.</param>
/// <param name="QueueError">Why the queue could not be read (<c>postqueue -j</c> failed), or null.</param>
/// <param name="Hours">
/// Hourly buckets (UTC hour starts, oldest first): every hour of the last 24 that the log covers (zeros included), and
/// older hours of the agent's history (up to 7 days) that have counts.
/// </param>
/// <param name="Log">What the log scan read this time, or null when it did not run.</param>
/// <param name="LogError">Why the log could not be read, or null.</param>
/// <param name="Notes">What limits the figures without making them wrong (a domain table that cannot be listed, a source this platform lacks).</param>
public sealed record EmissionReport(
    Guid AgentId,
    DateTimeOffset CollectedAt,
    IReadOnlyList<string> LocalDomains,
    QueueEmission? Queue,
    string? QueueError,
    IReadOnlyList<EmissionHour> Hours,
    LogScanState? Log,
    string? LogError,
    IReadOnlyList<string>? Notes = null);

/// <summary>Null-sender mail waiting in the queue when the agent looked (<c>postqueue -j</c>).</summary>
/// <param name="Messages">All messages in the queue.</param>
/// <param name="NullSenderMessages">Messages with the null sender (<c>postqueue -j</c> prints it as <c>""</c> or as <c>empty_address_recipient</c>, <c>MAILER-DAEMON</c>).</param>
/// <param name="NullSenderToForeign">Null-sender messages with at least one foreign recipient.</param>
/// <param name="OldestNullSenderAgeSeconds">Age of the oldest null-sender message to a foreign recipient in seconds; 0 when there is none.</param>
/// <param name="RecipientDomains">The 10 foreign recipient domains with the most null-sender messages.</param>
/// <param name="QueueIds">At most 50 queue ids of null-sender messages to foreign recipients, oldest first.</param>
public sealed record QueueEmission(
    int Messages,
    int NullSenderMessages,
    int NullSenderToForeign,
    int OldestNullSenderAgeSeconds,
    IReadOnlyList<DomainCount> RecipientDomains,
    IReadOnlyList<string> QueueIds);

/// <summary>The server's notifications in one hour, counted from the mail log. A later report's hour replaces an earlier one: the agent sends totals.</summary>
/// <param name="Start">UTC start of the hour.</param>
/// <param name="NonDeliveryNotifications"><c>postfix/bounce[…]: QID: sender non-delivery notification: NEWQID</c> lines.</param>
/// <param name="DeliveryStatusNotifications"><c>sender delivery status notification</c> lines (success DSNs someone asked for).</param>
/// <param name="DelayNotifications"><c>sender delay notification</c> lines.</param>
/// <param name="NotificationDeliveries">Delivery attempts (<c>NEWQID: to=&lt;…&gt;, … status=sent|deferred|bounced|expired</c>) of those notifications in this hour.</param>
/// <param name="NotificationsToForeign">Notifications created in this hour whose recipient is foreign (each counted once, however often it is retried).</param>
/// <param name="RecipientDomains">The 10 foreign recipient domains with the most notifications.</param>
/// <param name="UnparsedLines">Lines the reader could not parse (counted, never guessed).</param>
public sealed record EmissionHour(
    DateTimeOffset Start,
    int NonDeliveryNotifications,
    int DeliveryStatusNotifications,
    int DelayNotifications,
    int NotificationDeliveries,
    int NotificationsToForeign,
    IReadOnlyList<DomainCount> RecipientDomains,
    int UnparsedLines);

/// <summary>A domain and how many messages (or notifications) went to it.</summary>
/// <param name="Domain">The domain, lower-case.</param>
/// <param name="Count">How many.</param>
public sealed record DomainCount(string Domain, int Count);

/// <summary>What one log scan read.</summary>
/// <param name="Path">The log the agent reads (its rotated siblings live next to it).</param>
/// <param name="BytesRead">Bytes read in this scan (the scan is incremental: only what was written since the last one).</param>
/// <param name="FilesRead">Files that had new bytes in this scan.</param>
/// <param name="OldestLine">Time of the oldest line in the agent's history (its window reaches back at most 7 days).</param>
/// <param name="NewestLine">Time of the newest line read so far.</param>
public sealed record LogScanState(string Path, long BytesRead, int FilesRead, DateTimeOffset? OldestLine, DateTimeOffset? NewestLine);
