using Microsoft.AspNetCore.Identity;

namespace BackscatterConsole.Server.Data;

public sealed class AppUser : IdentityUser<Guid>
{
    /// <summary>A disabled user cannot sign in, and their cookies and tokens stop working at once.</summary>
    public bool IsDisabled { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>The portal's colour scheme for this user: <c>light</c>, <c>dark</c> or <c>system</c> (follow the browser).</summary>
    public string ThemeMode { get; set; } = "system";
}

public sealed class AppRole : IdentityRole<Guid>
{
    public AppRole()
    {
    }

    public AppRole(string name)
        : base(name)
    {
    }
}

public sealed class ManagedServer
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    /// <summary>Upper-case name: uniqueness and case-insensitive search that work the same on SQLite and PostgreSQL.</summary>
    public required string NormalizedName { get; set; }

    public required string Hostname { get; set; }

    public required string Platform { get; set; }

    public string? Version { get; set; }

    public required string SmtpHost { get; set; }

    public int SmtpPort { get; set; }

    public bool ProbeEnabled { get; set; }

    public string? Notes { get; set; }

    /// <summary>Known-valid mailbox the probe tries as a control recipient.</summary>
    public string? ControlRecipient { get; set; }

    /// <summary>Minutes between scheduled rescans; 0 means never.</summary>
    public int ScanIntervalMinutes { get; set; } = 1440;

    /// <summary>Sending addresses for the blocklist check; empty means the hostname's A and AAAA records.</summary>
    public List<string> EgressAddresses { get; set; } = [];

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    /// <summary>Concurrency token, incremented on every change; the API's ETag.</summary>
    public long Revision { get; set; }

    /// <summary>
    /// Risk score of the latest completed scan, kept here (not a revision change) so the inventory can filter and sort
    /// the fleet by risk in the database.
    /// </summary>
    public int? RiskScore { get; set; }

    /// <summary>Status of the latest completed scan's worst finding (<c>ServerStatusFilter</c>), null before the first scan.</summary>
    public string? WorstStatus { get; set; }

    /// <summary>When the latest completed scan finished.</summary>
    public DateTime? LastScannedAt { get; set; }

    public List<ServerDomain> Domains { get; set; } = [];

    public List<ServerTag> Tags { get; set; } = [];
}

public sealed class ServerDomain
{
    public long Id { get; set; }

    public Guid ServerId { get; set; }

    /// <summary>Keeps the order the user gave.</summary>
    public int Position { get; set; }

    public required string Name { get; set; }

    public List<string> DkimSelectors { get; set; } = [];
}

public sealed class ServerTag
{
    public Guid ServerId { get; set; }

    public required string Value { get; set; }
}

public sealed class ApiToken
{
    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    public AppUser? User { get; set; }

    public required string Name { get; set; }

    /// <summary>SHA-256 of the secret, hex; the secret itself is never stored.</summary>
    public required string TokenHash { get; set; }

    /// <summary>The first characters of the secret, so a user can tell tokens apart.</summary>
    public required string Prefix { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? ExpiresAt { get; set; }

    public DateTime? LastUsedAt { get; set; }

    public DateTime? RevokedAt { get; set; }
}

/// <summary>One run of the checklist against one server; kept as history.</summary>
public sealed class Scan
{
    public Guid Id { get; set; }

    public Guid ServerId { get; set; }

    public ManagedServer? Server { get; set; }

    /// <summary>One of <c>ScanStatuses</c>.</summary>
    public required string Status { get; set; }

    public int Progress { get; set; }

    public required string Trigger { get; set; }

    public string? RequestedBy { get; set; }

    public DateTime QueuedAt { get; set; }

    public DateTime? StartedAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    public string? Error { get; set; }

    public int? RiskScore { get; set; }

    /// <summary>The console instance running the scan (<c>Cluster:InstanceId</c>) while it is <c>running</c>.</summary>
    public string? LeaseOwner { get; set; }

    /// <summary>The owner renews this while it works; once it passes, another instance takes the scan over.</summary>
    public DateTime? LeaseExpiresAt { get; set; }

    /// <summary>How many times a runner claimed the scan; a claim's writes carry its number, so a superseded run cannot write.</summary>
    public int Attempts { get; set; }

    public List<ScanCheckResult> Results { get; set; } = [];
}

/// <summary>One check result of a scan.</summary>
public sealed class ScanCheckResult
{
    public long Id { get; set; }

    public Guid ScanId { get; set; }

    /// <summary>Order in which results arrived.</summary>
    public int Position { get; set; }

    public required string CheckId { get; set; }

    public required string Source { get; set; }

    public string? Subject { get; set; }

    public required string Status { get; set; }

    public required string Severity { get; set; }

    public required string Title { get; set; }

    public required string Summary { get; set; }

    public required string Explanation { get; set; }

    public List<string> Evidence { get; set; } = [];

    public string? Remediation { get; set; }

    public List<string> Commands { get; set; } = [];

    public DateTime CheckedAt { get; set; }
}

/// <summary>A server's MTA settings as pasted or entered by an operator, or as reported by its agent.</summary>
public sealed class SettingsSnapshotRecord
{
    public Guid Id { get; set; }

    public Guid ServerId { get; set; }

    public required string Platform { get; set; }

    public required string Source { get; set; }

    public DateTime CollectedAt { get; set; }

    public DateTime UploadedAt { get; set; }

    public string? UploadedBy { get; set; }

    /// <summary>Setting name to values, as JSON.</summary>
    public required string ValuesJson { get; set; }

    /// <summary>master.cf overrides, as JSON.</summary>
    public required string OverridesJson { get; set; }

    /// <summary>Disabled mailboxes and quota usage the agent collected (<see cref="Shared.Settings.MailboxFacts"/>), as JSON; null when not collected.</summary>
    public string? MailboxesJson { get; set; }

    /// <summary>Postfix defaults reported by the agent's <c>postconf -h</c>, as JSON; null when not collected.</summary>
    public string? DefaultsJson { get; set; }

    public List<string> IgnoredLines { get; set; } = [];
}

/// <summary>One append-only audit entry; <see cref="Hash"/> chains it to the entry before it.</summary>
public sealed class AuditEntry
{
    /// <summary>Position in the chain, assigned by the audit writer under its lock (not by the database).</summary>
    public long Id { get; set; }

    public DateTime OccurredAt { get; set; }

    public Guid? ActorId { get; set; }

    public string? ActorName { get; set; }

    public string? SourceAddress { get; set; }

    public required string Action { get; set; }

    public required string ObjectType { get; set; }

    public string? ObjectId { get; set; }

    public string? Before { get; set; }

    public string? After { get; set; }

    public string? Detail { get; set; }

    public required string PreviousHash { get; set; }

    public required string Hash { get; set; }
}

/// <summary>A one-time token an Operator created so that an agent can enroll for one server.</summary>
public sealed class AgentEnrollment
{
    public Guid Id { get; set; }

    public Guid ServerId { get; set; }

    /// <summary>SHA-256 of the token, hex.</summary>
    public required string TokenHash { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public Guid? CreatedBy { get; set; }

    /// <summary>Set once, atomically, when an agent spends the token.</summary>
    public DateTime? UsedAt { get; set; }

    public Guid? AgentId { get; set; }
}

/// <summary>An enrolled agent and its long-lived credential (stored hashed).</summary>
public sealed class ManagedAgent
{
    public Guid Id { get; set; }

    public Guid ServerId { get; set; }

    public required string CredentialHash { get; set; }

    public required string HostName { get; set; }

    public required string Connector { get; set; }

    public required string Version { get; set; }

    public string? OperatingSystem { get; set; }

    public DateTime EnrolledAt { get; set; }

    public DateTime? LastConnectedAt { get; set; }

    public DateTime? LastSeenAt { get; set; }

    public DateTime? RevokedAt { get; set; }
}

/// <summary>
/// The hub connection an agent has now, on which console instance, until when. The instance renews the expiry while it
/// lives, so the agents of an instance that died count as offline once it passes.
/// </summary>
public sealed class AgentConnection
{
    public Guid AgentId { get; set; }

    public Guid ServerId { get; set; }

    public required string ConnectionId { get; set; }

    public required string InstanceId { get; set; }

    public DateTime ConnectedAt { get; set; }

    public DateTime ExpiresAt { get; set; }
}

/// <summary>A named piece of background work (the scan scheduler, the job expiry sweep) held by one instance until it expires.</summary>
public sealed class BackgroundLease
{
    public required string Name { get; set; }

    public required string Owner { get; set; }

    public DateTime ExpiresAt { get; set; }
}

/// <summary>A remediation job for one server's agent.</summary>
public sealed class RemediationJob
{
    public Guid Id { get; set; }

    public Guid ServerId { get; set; }

    public required string State { get; set; }

    public bool DryRun { get; set; }

    public List<string> CheckIds { get; set; } = [];

    /// <summary>The planned changes (JSON of the job's change list).</summary>
    public required string ChangesJson { get; set; }

    public List<string> ManualSteps { get; set; } = [];

    /// <summary>The plan's diff as the agent reported it (JSON).</summary>
    public string? DiffJson { get; set; }

    public string? Error { get; set; }

    public DateTime CreatedAt { get; set; }

    public string? CreatedBy { get; set; }

    public DateTime? DispatchedAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public Guid? VerificationScanId { get; set; }

    /// <summary>The approved change request this job applies, when it came from one.</summary>
    public Guid? ChangeRequestId { get; set; }

    /// <summary>Set when the job succeeded and the console waits for the agent's fresh snapshot to re-run the checks.</summary>
    public bool AwaitingVerification { get; set; }

    public List<JobStepRecord> Steps { get; set; } = [];
}

/// <summary>One step of a job, as reported by the agent (start and end share the sequence).</summary>
public sealed class JobStepRecord
{
    public Guid JobId { get; set; }

    public int Sequence { get; set; }

    public required string Name { get; set; }

    public required string State { get; set; }

    public DateTime StartedAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    public required string Output { get; set; }

    public int? ExitCode { get; set; }
}

/// <summary>A change request: remediations for one or many servers, reviewed by a second person before they run.</summary>
public sealed class ChangeRequestRecord
{
    public Guid Id { get; set; }

    public required string Title { get; set; }

    public string? Rationale { get; set; }

    public required string State { get; set; }

    public Guid AuthorId { get; set; }

    public required string AuthorName { get; set; }

    public Guid LastEditorId { get; set; }

    public required string LastEditorName { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    /// <summary>Concurrency token: every change and transition bumps it, so two racing actions cannot both apply.</summary>
    public long Revision { get; set; }

    public List<ChangeRequestItemRecord> Items { get; set; } = [];

    public List<ChangeRequestApprovalRecord> Approvals { get; set; } = [];

    public List<ChangeRequestCommentRecord> Comments { get; set; } = [];
}

public sealed class ChangeRequestItemRecord
{
    public long Id { get; set; }

    public Guid ChangeRequestId { get; set; }

    public int Position { get; set; }

    public Guid ServerId { get; set; }

    public required string ServerName { get; set; }

    public List<string> CheckIds { get; set; } = [];

    /// <summary>The planned changes with their current values (JSON).</summary>
    public required string ChangesJson { get; set; }

    public List<string> ManualSteps { get; set; } = [];

    public Guid? JobId { get; set; }

    /// <summary>Why the item's job could not be created at apply time.</summary>
    public string? ApplyError { get; set; }
}

public sealed class ChangeRequestApprovalRecord
{
    public Guid ChangeRequestId { get; set; }

    public Guid ReviewerId { get; set; }

    public required string ReviewerName { get; set; }

    public DateTime ApprovedAt { get; set; }
}

public sealed class ChangeRequestCommentRecord
{
    public Guid Id { get; set; }

    public Guid ChangeRequestId { get; set; }

    public Guid AuthorId { get; set; }

    public required string AuthorName { get; set; }

    public required string Kind { get; set; }

    public required string Text { get; set; }

    public DateTime CreatedAt { get; set; }
}

/// <summary>One hour of a server's notifications as its agent last reported it; a later report of the same hour replaces the counts.</summary>
public sealed class BounceEmissionHourRecord
{
    public Guid ServerId { get; set; }

    /// <summary>UTC start of the hour.</summary>
    public DateTime HourStart { get; set; }

    public int NonDeliveryNotifications { get; set; }

    public int DeliveryStatusNotifications { get; set; }

    public int DelayNotifications { get; set; }

    public int NotificationDeliveries { get; set; }

    public int NotificationsToForeign { get; set; }

    /// <summary>Top foreign recipient domains (<see cref="Shared.Agents.DomainCount"/> list), as JSON.</summary>
    public required string RecipientDomainsJson { get; set; }

    public int UnparsedLines { get; set; }

    /// <summary>When the agent collected the report this row comes from.</summary>
    public DateTime ReportedAt { get; set; }
}

/// <summary>The latest emission report of a server: the queue now, what could not be read, the log scan.</summary>
public sealed class BounceEmissionStateRecord
{
    public Guid ServerId { get; set; }

    public Guid AgentId { get; set; }

    public DateTime CollectedAt { get; set; }

    public DateTime ReceivedAt { get; set; }

    public List<string> LocalDomains { get; set; } = [];

    /// <summary>False when the agent did not read the queue (see <see cref="QueueError"/>).</summary>
    public bool QueueRead { get; set; }

    public int QueueMessages { get; set; }

    public int QueueNullSenderMessages { get; set; }

    public int QueueNullSenderToForeign { get; set; }

    public int QueueOldestNullSenderAgeSeconds { get; set; }

    /// <summary>Top foreign recipient domains of queued null-sender mail, as JSON.</summary>
    public required string QueueRecipientDomainsJson { get; set; }

    public List<string> QueueIds { get; set; } = [];

    public string? QueueError { get; set; }

    public string? LogError { get; set; }

    public string? LogPath { get; set; }

    public long? LogBytesRead { get; set; }

    public int? LogFilesRead { get; set; }

    public DateTime? OldestLine { get; set; }

    public DateTime? NewestLine { get; set; }

    public List<string> Notes { get; set; } = [];
}

/// <summary>An alert about a server; at most one open (uncleared) per server and cause, enforced by a filtered unique index.</summary>
public sealed class AlertRecord
{
    public Guid Id { get; set; }

    public Guid ServerId { get; set; }

    public required string ServerName { get; set; }

    /// <summary>One of <c>AlertCauses</c>.</summary>
    public required string Cause { get; set; }

    public required string Summary { get; set; }

    /// <summary>For a risk rise: the score it rose from; the alert clears when the risk is back below this plus the step.</summary>
    public int? BaselineRisk { get; set; }

    public DateTime RaisedAt { get; set; }

    public DateTime? ClearedAt { get; set; }

    /// <summary>One of <c>WebhookStates</c>.</summary>
    public required string WebhookState { get; set; }

    public int WebhookAttempts { get; set; }

    public string? WebhookError { get; set; }
}

/// <summary>The console's one webhook target (row id 1).</summary>
public sealed class AlertWebhookRecord
{
    public int Id { get; set; }

    public string? Url { get; set; }

    /// <summary>The HMAC key; it must be usable to sign, so it is stored as given and never returned by the API.</summary>
    public string? Secret { get; set; }

    public bool Enabled { get; set; }

    public DateTime UpdatedAt { get; set; }
}
