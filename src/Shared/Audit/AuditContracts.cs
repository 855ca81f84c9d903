using BackscatterConsole.Shared.Common;

namespace BackscatterConsole.Shared.Audit;

/// <summary>Stable names of audited actions; filters and exports use them.</summary>
public static class AuditActions
{
    public const string SignedIn = "account.signed-in";
    public const string SignInFailed = "account.sign-in-failed";
    public const string SignedOut = "account.signed-out";
    public const string LockedOut = "account.locked-out";
    public const string PasswordChanged = "account.password-changed";
    public const string UserCreated = "user.created";
    public const string UserUpdated = "user.updated";
    public const string TokenCreated = "token.created";
    public const string TokenRevoked = "token.revoked";
    public const string ServerCreated = "server.created";
    public const string ServerUpdated = "server.updated";
    public const string ServerDeleted = "server.deleted";
    public const string AgentEnrollmentCreated = "agent.enrollment-created";
    public const string AgentEnrolled = "agent.enrolled";
    public const string AgentEnrollmentRefused = "agent.enrollment-refused";
    public const string AgentRevoked = "agent.revoked";
    public const string AgentSnapshotRequested = "agent.snapshot-requested";
    public const string AgentIdentityMismatch = "agent.identity-mismatch";
    public const string JobCreated = "job.created";
    public const string JobStep = "job.step";
    public const string JobFinished = "job.finished";
    public const string JobCancelled = "job.cancelled";
    public const string ChangeRequestCreated = "change-request.created";
    public const string ChangeRequestEdited = "change-request.edited";
    public const string ChangeRequestTransition = "change-request.transition";
    public const string ChangeRequestApproved = "change-request.approved";
    public const string ChangeRequestCommented = "change-request.commented";
    public const string SettingsSnapshotStored = "settings.snapshot-stored";
    public const string ScanStarted = "scan.started";
    public const string ScanCancelled = "scan.cancelled";
}

/// <summary>One audit-trail entry as readers see it.</summary>
/// <param name="Id">Position in the chain, starting at 1.</param>
/// <param name="OccurredAt">When it happened (UTC).</param>
/// <param name="ActorId">The acting user, when known.</param>
/// <param name="ActorName">The acting user's name (or the name tried, for a failed sign-in).</param>
/// <param name="SourceAddress">The client's IP address.</param>
/// <param name="Action">What happened, one of <see cref="AuditActions"/>.</param>
/// <param name="ObjectType">Kind of object: user, token, server, account.</param>
/// <param name="ObjectId">The object's id.</param>
/// <param name="Before">The object before the change, as JSON; null when created or not applicable.</param>
/// <param name="After">The object after the change, as JSON; null when deleted or not applicable.</param>
/// <param name="Detail">A sentence for people.</param>
/// <param name="Hash">SHA-256 over this entry's content and <paramref name="PreviousHash"/>.</param>
/// <param name="PreviousHash">The previous entry's hash.</param>
public sealed record AuditEntryDto(
    long Id,
    DateTime OccurredAt,
    Guid? ActorId,
    string? ActorName,
    string? SourceAddress,
    string Action,
    string ObjectType,
    string? ObjectId,
    string? Before,
    string? After,
    string? Detail,
    string Hash,
    string PreviousHash);

/// <summary>Filters of the audit list and export.</summary>
public sealed record AuditQuery(
    string? Action = null,
    string? Actor = null,
    string? ObjectType = null,
    string? ObjectId = null,
    DateTime? From = null,
    DateTime? To = null,
    int Page = 1,
    int PageSize = 50)
{
    public const int MaxPageSize = 500;
}

/// <summary>Result of re-computing the hash chain.</summary>
/// <param name="Intact">Every entry's hash matches its content and its predecessor.</param>
/// <param name="Checked">How many entries were checked.</param>
/// <param name="FirstBrokenId">The first entry whose hash does not match, when one does not.</param>
public sealed record AuditVerification(bool Intact, long Checked, long? FirstBrokenId);

/// <summary>Reads and verifies the audit trail (it is written by the features themselves).</summary>
public interface IAuditReader
{
    Task<OperationResult<PagedResult<AuditEntryDto>>> ListAsync(AuditQuery query, CancellationToken cancellationToken);

    /// <summary>Every entry matching the filters, oldest first, for export.</summary>
    IAsyncEnumerable<AuditEntryDto> ExportAsync(AuditQuery query, CancellationToken cancellationToken);

    Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken);
}
