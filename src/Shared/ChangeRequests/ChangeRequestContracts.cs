using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Common;

namespace BackscatterConsole.Shared.ChangeRequests;

/// <summary>Change request states.</summary>
public static class ChangeRequestStates
{
    public const string Draft = "draft";
    public const string InReview = "in-review";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Withdrawn = "withdrawn";
    public const string Applying = "applying";
    public const string Applied = "applied";
    public const string PartiallyFailed = "partially-failed";
    public const string Failed = "failed";
    public const string RolledBack = "rolled-back";

    /// <summary>States in which the request can still be edited (an edit after approval sends it back to review).</summary>
    public static IReadOnlyList<string> Editable { get; } = [Draft, InReview, Approved];

    public static IReadOnlyList<string> All { get; } = [Draft, InReview, Approved, Rejected, Withdrawn, Applying, Applied, PartiallyFailed, Failed, RolledBack];
}

/// <summary>What an author sends to create or edit a change request.</summary>
public sealed class ChangeRequestInput
{
    public string? Title { get; set; }

    public string? Rationale { get; set; }

    public List<ChangeRequestItemInput>? Items { get; set; }
}

/// <summary>The failed checks to fix on one server.</summary>
public sealed class ChangeRequestItemInput
{
    public Guid? ServerId { get; set; }

    public List<string>? CheckIds { get; set; }
}

/// <summary>One setting change with its current value, the check it fixes and the command that will run.</summary>
public sealed record ChangeRequestChangeDto(string CheckId, string Name, SettingOperation Operation, string Value, IReadOnlyList<string> Current, string Command);

/// <summary>The part of a request for one server.</summary>
public sealed record ChangeRequestItemDto(
    Guid ServerId,
    string ServerName,
    IReadOnlyList<string> CheckIds,
    IReadOnlyList<ChangeRequestChangeDto> Changes,
    IReadOnlyList<string> ManualSteps,
    Guid? JobId,
    string? JobState);

public sealed record ChangeRequestApprovalDto(Guid ReviewerId, string ReviewerName, DateTime ApprovedAt);

/// <summary>A comment; <see cref="Kind"/> is comment or rejection.</summary>
public sealed record ChangeRequestCommentDto(Guid Id, string AuthorName, string Kind, string Text, DateTime CreatedAt);

/// <summary>A change request with its diff, approvals and comments.</summary>
public sealed record ChangeRequestDto(
    Guid Id,
    string Title,
    string? Rationale,
    string State,
    Guid AuthorId,
    string AuthorName,
    Guid LastEditorId,
    string LastEditorName,
    long Revision,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    IReadOnlyList<ChangeRequestItemDto> Items,
    IReadOnlyList<ChangeRequestApprovalDto> Approvals,
    int RequiredApprovals,
    IReadOnlyList<ChangeRequestCommentDto> Comments);

/// <summary>A line of the request list.</summary>
public sealed record ChangeRequestSummaryDto(Guid Id, string Title, string State, string AuthorName, int Servers, int Approvals, int RequiredApprovals, DateTime UpdatedAt);

/// <summary>Who acts, with the roles that decide what they may do to a request.</summary>
public sealed record ReviewActor(Guid UserId, string Name, bool CanAuthor, bool CanReview, bool IsAdmin);

/// <summary>Body of reject and comment.</summary>
public sealed class ChangeRequestCommentInput
{
    public string? Text { get; set; }
}

/// <summary>A change request changed state; sent on the status hub as <c>changeRequestUpdated</c> to the group <c>reviews</c>.</summary>
public sealed record ChangeRequestUpdatedEvent(Guid Id, string Title, string State, string AuthorName);

/// <summary>Change requests with four-eyes review, shared by the API and the portal.</summary>
public interface IChangeRequestService
{
    Task<OperationResult<ChangeRequestDto>> CreateAsync(ChangeRequestInput input, ReviewActor actor, CancellationToken cancellationToken);

    /// <summary>Edits a draft, in-review or approved request; an edit resets its approvals.</summary>
    Task<OperationResult<ChangeRequestDto>> UpdateAsync(Guid id, ChangeRequestInput input, long? expectedRevision, ReviewActor actor, CancellationToken cancellationToken);

    Task<ChangeRequestDto?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Requests, newest first; <paramref name="awaitingMyReview"/> keeps those in review that <paramref name="actor"/> may approve.</summary>
    Task<OperationResult<PagedResult<ChangeRequestSummaryDto>>> ListAsync(string? state, bool awaitingMyReview, ReviewActor actor, int page, int pageSize, CancellationToken cancellationToken);

    Task<OperationResult<ChangeRequestDto>> SubmitAsync(Guid id, long? expectedRevision, ReviewActor actor, CancellationToken cancellationToken);

    /// <summary>Approves the revision the reviewer saw; a request changed since gives PreconditionFailed.</summary>
    Task<OperationResult<ChangeRequestDto>> ApproveAsync(Guid id, long? expectedRevision, ReviewActor actor, CancellationToken cancellationToken);

    Task<OperationResult<ChangeRequestDto>> RejectAsync(Guid id, string? comment, long? expectedRevision, ReviewActor actor, CancellationToken cancellationToken);

    Task<OperationResult<ChangeRequestDto>> WithdrawAsync(Guid id, ReviewActor actor, CancellationToken cancellationToken);

    /// <summary>Applies an approved request: one job per server; the request follows the jobs to its final state.</summary>
    Task<OperationResult<ChangeRequestDto>> ApplyAsync(Guid id, long? expectedRevision, ReviewActor actor, CancellationToken cancellationToken);

    Task<OperationResult<ChangeRequestDto>> CommentAsync(Guid id, string? text, ReviewActor actor, CancellationToken cancellationToken);
}
