using BackscatterConsole.Server.Live;
using System.Text.Json;
using BackscatterConsole.Domain.Text;
using BackscatterConsole.Server.Audit;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Jobs;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.ChangeRequests;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.ChangeRequests;

/// <summary>Review settings.</summary>
public sealed class ChangeRequestOptions
{
    public const string Section = "ChangeRequests";

    /// <summary>Approvals a request needs before it can be applied.</summary>
    public int RequiredApprovals { get; set; } = 1;
}

internal sealed class ChangeRequestService(
    AppDbContext db,
    JobService jobs,
    AuditTrail audit,
    ILiveNotifier events,
    IOptions<ChangeRequestOptions> options,
    TimeProvider clock) : IChangeRequestService
{
    private const int MaxItems = 100;
    private int Required => Math.Max(1, options.Value.RequiredApprovals);

    public async Task<OperationResult<ChangeRequestDto>> CreateAsync(ChangeRequestInput input, ReviewActor actor, CancellationToken cancellationToken)
    {
        if (!actor.CanAuthor)
        {
            return Forbidden("Only Operators and Admins propose changes.");
        }

        var (title, rationale, items, problem) = await PlanAsync(input, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var now = Now;
        var request = new ChangeRequestRecord
        {
            Id = Guid.CreateVersion7(),
            Title = title!,
            Rationale = rationale,
            State = ChangeRequestStates.Draft,
            AuthorId = actor.UserId,
            AuthorName = actor.Name,
            LastEditorId = actor.UserId,
            LastEditorName = actor.Name,
            CreatedAt = now,
            UpdatedAt = now,
            Revision = 1,
            Items = items!,
        };
        db.ChangeRequests.Add(request);
        return await SaveAsync(request, new AuditEvent(AuditActions.ChangeRequestCreated, "change-request", request.Id.ToString(), After: Snapshot(request), Detail: $"Proposed '{request.Title}' for {request.Items.Count} server(s)."), cancellationToken);
    }

    public async Task<OperationResult<ChangeRequestDto>> UpdateAsync(Guid id, ChangeRequestInput input, long? expectedRevision, ReviewActor actor, CancellationToken cancellationToken)
    {
        if (!actor.CanAuthor)
        {
            return Forbidden("Only Operators and Admins edit change requests.");
        }

        var request = await LoadAsync(id, cancellationToken);
        if (request is null)
        {
            return NotFound(id);
        }

        if (Stale(request, expectedRevision) is { } stale)
        {
            return stale;
        }

        if (!ChangeRequestStates.Editable.Contains(request.State))
        {
            return Invalid409($"A request that is {request.State} can no longer be edited.");
        }

        var (title, rationale, items, problem) = await PlanAsync(input, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var before = Snapshot(request);
        request.Title = title!;
        request.Rationale = rationale;
        request.Items.Clear();
        request.Items.AddRange(items!);

        // Any edit invalidates what reviewers approved: the approvals go, and an approved request goes back to review.
        var hadApprovals = request.Approvals.Count > 0;
        request.Approvals.Clear();
        if (request.State == ChangeRequestStates.Approved)
        {
            request.State = ChangeRequestStates.InReview;
        }

        Touch(request, actor);
        return await SaveAsync(request, new AuditEvent(AuditActions.ChangeRequestEdited, "change-request", id.ToString(), before, Snapshot(request), $"Edited '{request.Title}'" + (hadApprovals ? "; its approvals were reset." : ".")), cancellationToken);
    }

    public async Task<ChangeRequestDto?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var request = await db.ChangeRequests.AsNoTracking().AsSplitQuery()
            .Include(c => c.Items).Include(c => c.Approvals).Include(c => c.Comments)
            .SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        return request is null ? null : await ToDtoAsync(request, cancellationToken);
    }

    public async Task<OperationResult<PagedResult<ChangeRequestSummaryDto>>> ListAsync(string? state, bool awaitingMyReview, ReviewActor actor, int page, int pageSize, CancellationToken cancellationToken)
    {
        if (page < 1 || pageSize is < 1 or > 200)
        {
            return OperationResult<PagedResult<ChangeRequestSummaryDto>>.From(OperationResult.Invalid(new Dictionary<string, string[]> { ["page"] = ["Page must be 1 or more and page size 1–200."] }));
        }

        if (state is not null && !ChangeRequestStates.All.Contains(state))
        {
            return OperationResult<PagedResult<ChangeRequestSummaryDto>>.From(OperationResult.Invalid(new Dictionary<string, string[]> { ["state"] = [$"'{state}' is not a state: use {string.Join(", ", ChangeRequestStates.All)}."] }));
        }

        var query = db.ChangeRequests.AsNoTracking();
        if (state is not null)
        {
            query = query.Where(c => c.State == state);
        }

        if (awaitingMyReview)
        {
            // Mine to review: in review, not written or last edited by me, not yet approved by me.
            query = actor.CanReview
                ? query.Where(c => c.State == ChangeRequestStates.InReview && c.AuthorId != actor.UserId && c.LastEditorId != actor.UserId && !c.Approvals.Any(a => a.ReviewerId == actor.UserId))
                : query.Where(_ => false);
        }

        var total = await query.CountAsync(cancellationToken);
        var required = Required;
        var items = await query.OrderByDescending(c => c.UpdatedAt).Skip((page - 1) * pageSize).Take(pageSize)
            .Select(c => new ChangeRequestSummaryDto(c.Id, c.Title, c.State, c.AuthorName, c.Items.Count, c.Approvals.Count, required, c.UpdatedAt))
            .ToListAsync(cancellationToken);
        return OperationResult<PagedResult<ChangeRequestSummaryDto>>.Ok(new(items, total, page, pageSize));
    }

    public Task<OperationResult<ChangeRequestDto>> SubmitAsync(Guid id, long? expectedRevision, ReviewActor actor, CancellationToken cancellationToken) =>
        TransitionAsync(id, expectedRevision, actor, cancellationToken, request =>
        {
            if (!actor.CanAuthor)
            {
                return Forbidden("Only Operators and Admins submit change requests.");
            }

            return request.State == ChangeRequestStates.Draft ? null : Invalid409($"Only a draft can be submitted; this request is {request.State}.");
        }, request => request.State = ChangeRequestStates.InReview, "Submitted for review.");

    public async Task<OperationResult<ChangeRequestDto>> ApproveAsync(Guid id, long? expectedRevision, ReviewActor actor, CancellationToken cancellationToken)
    {
        var request = await LoadAsync(id, cancellationToken);
        if (request is null)
        {
            return NotFound(id);
        }

        if (!actor.CanReview)
        {
            return Forbidden("Only Reviewers and Admins approve change requests.");
        }

        if (request.AuthorId == actor.UserId)
        {
            return Forbidden("You wrote this request; a second person must approve it.");
        }

        if (request.LastEditorId == actor.UserId)
        {
            return Forbidden("You edited this request last; a second person must approve it.");
        }

        if (Stale(request, expectedRevision) is { } stale)
        {
            return stale;
        }

        if (request.State != ChangeRequestStates.InReview)
        {
            return Invalid409($"Only a request in review can be approved; this one is {request.State}.");
        }

        if (request.Approvals.Any(a => a.ReviewerId == actor.UserId))
        {
            return Invalid409("You have already approved this revision.");
        }

        request.Approvals.Add(new ChangeRequestApprovalRecord { ChangeRequestId = id, ReviewerId = actor.UserId, ReviewerName = actor.Name, ApprovedAt = Now });
        if (request.Approvals.Count >= Required)
        {
            request.State = ChangeRequestStates.Approved;
        }

        Touch(request, actor, editing: false);
        return await SaveAsync(request, new AuditEvent(AuditActions.ChangeRequestApproved, "change-request", id.ToString(), After: new { request.State, approvals = request.Approvals.Count, required = Required, revision = request.Revision }, Detail: $"Approved '{request.Title}' ({request.Approvals.Count} of {Required})."), cancellationToken);
    }

    public async Task<OperationResult<ChangeRequestDto>> RejectAsync(Guid id, string? comment, long? expectedRevision, ReviewActor actor, CancellationToken cancellationToken)
    {
        var text = comment?.Trim() ?? string.Empty;
        if (text.Length is 0 or > 4000)
        {
            return OperationResult<ChangeRequestDto>.From(OperationResult.Invalid(new Dictionary<string, string[]> { ["text"] = ["A rejection needs a comment saying why (at most 4000 characters)."] }));
        }

        if (TextRules.ControlCharacterError(text, "The reason", multiLine: true) is { } textError)
        {
            return OperationResult<ChangeRequestDto>.From(OperationResult.Invalid(new Dictionary<string, string[]> { ["text"] = [textError] }));
        }

        return await TransitionAsync(id, expectedRevision, actor, cancellationToken, request =>
        {
            if (!actor.CanReview)
            {
                return Forbidden("Only Reviewers and Admins reject change requests.");
            }

            return request.State == ChangeRequestStates.InReview ? null : Invalid409($"Only a request in review can be rejected; this one is {request.State}.");
        }, request =>
        {
            request.State = ChangeRequestStates.Rejected;
            db.Add(NewComment(request.Id, actor, "rejection", text));
        }, "Rejected: " + text);
    }

    public Task<OperationResult<ChangeRequestDto>> WithdrawAsync(Guid id, ReviewActor actor, CancellationToken cancellationToken) =>
        TransitionAsync(id, null, actor, cancellationToken, request =>
        {
            if (request.AuthorId != actor.UserId && !actor.IsAdmin)
            {
                return Forbidden("Only the author or an Admin can withdraw a request.");
            }

            return ChangeRequestStates.Editable.Contains(request.State) ? null : Invalid409($"A request that is {request.State} cannot be withdrawn.");
        }, request => request.State = ChangeRequestStates.Withdrawn, "Withdrawn.");

    public async Task<OperationResult<ChangeRequestDto>> ApplyAsync(Guid id, long? expectedRevision, ReviewActor actor, CancellationToken cancellationToken)
    {
        var started = await TransitionAsync(id, expectedRevision, actor, cancellationToken, request =>
        {
            if (!actor.CanAuthor)
            {
                return Forbidden("Only Operators and Admins apply change requests.");
            }

            return request.State == ChangeRequestStates.Approved ? null : Invalid409($"Only an approved request can be applied; this one is {request.State}.");
        }, request => request.State = ChangeRequestStates.Applying, "Applying.", publish: false);
        if (!started.Succeeded)
        {
            return started;
        }

        // The state change above won the race (the revision check lets exactly one apply through); now create the jobs.
        var request = (await LoadAsync(id, cancellationToken))!;
        await StartJobsAsync(request, actor.Name, cancellationToken);
        await RecomputeAsync(request, cancellationToken);

        // Announced once the jobs are linked, so pages following the request show them (and which wait for an offline
        // agent) at once; a request whose jobs all failed to start was announced by RecomputeAsync in its final state.
        if (request.State == ChangeRequestStates.Applying)
        {
            await events.PublishAsync(new ChangeRequestUpdatedEvent(request.Id, request.Title, request.State, request.AuthorName));
        }

        return OperationResult<ChangeRequestDto>.Ok((await GetAsync(id, cancellationToken))!);
    }

    public async Task<OperationResult<ChangeRequestDto>> CommentAsync(Guid id, string? text, ReviewActor actor, CancellationToken cancellationToken)
    {
        var body = text?.Trim() ?? string.Empty;
        if (body.Length is 0 or > 4000)
        {
            return OperationResult<ChangeRequestDto>.From(OperationResult.Invalid(new Dictionary<string, string[]> { ["text"] = ["A comment needs text (at most 4000 characters)."] }));
        }

        if (TextRules.ControlCharacterError(body, "The comment", multiLine: true) is { } bodyError)
        {
            return OperationResult<ChangeRequestDto>.From(OperationResult.Invalid(new Dictionary<string, string[]> { ["text"] = [bodyError] }));
        }

        var request = await LoadAsync(id, cancellationToken);
        if (request is null)
        {
            return NotFound(id);
        }

        // A comment is conversation, not a change: it does not bump the revision or reset approvals.
        db.Add(NewComment(id, actor, "comment", body));
        await audit.RecordAsync(new AuditEvent(AuditActions.ChangeRequestCommented, "change-request", id.ToString(), After: new { text = body }, Detail: $"Commented on '{request.Title}'."), cancellationToken);

        return OperationResult<ChangeRequestDto>.Ok((await GetAsync(id, cancellationToken))!);
    }

    /// <summary>
    /// Finishes the apply of a request that a previous process (or a crash of this one) left <c>applying</c> with items
    /// that have neither a job nor an error: creates their jobs as the apply would have, then lets the request follow
    /// them. Returns the number of jobs created.
    /// </summary>
    internal async Task<int> ResumeApplyAsync(Guid id, CancellationToken cancellationToken)
    {
        var request = await LoadAsync(id, cancellationToken);
        if (request is null || request.State != ChangeRequestStates.Applying)
        {
            return 0;
        }

        var created = await StartJobsAsync(request, "system", cancellationToken);
        await RecomputeAsync(request, cancellationToken);
        if (request.State == ChangeRequestStates.Applying && created > 0)
        {
            await events.PublishAsync(new ChangeRequestUpdatedEvent(request.Id, request.Title, request.State, request.AuthorName));
        }

        return created;
    }

    /// <summary>Creates the job of every item that has neither a job nor an apply error yet.</summary>
    private async Task<int> StartJobsAsync(ChangeRequestRecord request, string createdBy, CancellationToken cancellationToken)
    {
        var created = 0;
        foreach (var item in request.Items.Where(i => i.JobId is null && i.ApplyError is null).OrderBy(i => i.Position))
        {
            var changes = JsonSerializer.Deserialize<List<StoredChange>>(item.ChangesJson, JobService.Json) ?? [];
            var fix = new PlannedFix(item.ServerId, item.ServerName, item.CheckIds, changes.Select(c => new JobChangeDto(c.CheckId, c.Name, c.Operation, c.Value, c.Command)).ToList(), new Dictionary<string, IReadOnlyList<string>>(), item.ManualSteps);

            // The item points at its job in the commit that creates the job (and bumps the revision, so a second process
            // resuming the same apply loses): a crash between two commits left a job changing the server that its request
            // did not know, and the request then ended failed while the job succeeded.
            var jobId = Guid.CreateVersion7();
            item.JobId = jobId;
            db.Entry(request).Property(c => c.Revision).OriginalValue = request.Revision;
            request.Revision++;
            request.UpdatedAt = Now;
            var job = await jobs.QueueAsync(fix, dryRun: false, createdBy, request.Id, cancellationToken, jobId);
            if (job.Succeeded)
            {
                created++;
                continue;
            }

            // Refused before anything was saved (no agent, a job already in progress): the error is the item's outcome.
            item.JobId = null;
            item.ApplyError = job.Message;
            await db.SaveChangesAsync(cancellationToken);
        }

        return created;
    }

    /// <summary>Sets an applying request's final state once all its jobs are final.</summary>
    internal async Task RecomputeAsync(ChangeRequestRecord request, CancellationToken cancellationToken)
    {
        if (request.State != ChangeRequestStates.Applying)
        {
            return;
        }

        // An item with neither a job nor an error is an apply still under way (or interrupted, and resumed by
        // InterruptedApplyService): it is not a failure yet.
        if (request.Items.Any(i => i.JobId is null && i.ApplyError is null))
        {
            return;
        }

        var jobIds = request.Items.Where(i => i.JobId is not null).Select(i => i.JobId!.Value).ToList();
        var states = await db.Jobs.AsNoTracking().Where(j => jobIds.Contains(j.Id)).Select(j => j.State).ToListAsync(cancellationToken);
        if (states.Any(s => !JobStates.Final.Contains(s)))
        {
            return;
        }

        // An item whose job could not even be created counts as not succeeded.
        var succeeded = states.Count(s => s == JobStates.Succeeded);
        var rolledBack = states.Count(s => s == JobStates.RolledBack);
        request.State = succeeded == request.Items.Count ? ChangeRequestStates.Applied
            : succeeded > 0 ? ChangeRequestStates.PartiallyFailed
            : rolledBack == request.Items.Count ? ChangeRequestStates.RolledBack
            : ChangeRequestStates.Failed;
        request.Revision++;
        request.UpdatedAt = Now;
        try
        {
            await audit.RecordAsync(new AuditEvent(AuditActions.ChangeRequestTransition, "change-request", request.Id.ToString(), After: new { request.State, jobs = states }, Detail: $"'{request.Title}' is {request.State}.", ActorName: "system"), cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Two of its jobs finished at the same moment and the other report already moved the request on.
            db.Entry(request).State = EntityState.Detached;
            return;
        }

        await events.PublishAsync(new ChangeRequestUpdatedEvent(request.Id, request.Title, request.State, request.AuthorName));
    }

    private async Task<OperationResult<ChangeRequestDto>> TransitionAsync(
        Guid id,
        long? expectedRevision,
        ReviewActor actor,
        CancellationToken cancellationToken,
        Func<ChangeRequestRecord, OperationResult<ChangeRequestDto>?> check,
        Action<ChangeRequestRecord> apply,
        string detail,
        bool publish = true)
    {
        var request = await LoadAsync(id, cancellationToken);
        if (request is null)
        {
            return NotFound(id);
        }

        if (check(request) is { } refused)
        {
            return refused;
        }

        if (Stale(request, expectedRevision) is { } stale)
        {
            return stale;
        }

        var from = request.State;
        apply(request);
        Touch(request, actor, editing: false);
        return await SaveAsync(request, new AuditEvent(AuditActions.ChangeRequestTransition, "change-request", id.ToString(), new { state = from }, new { request.State }, $"'{request.Title}': {from} → {request.State}. {detail}"), cancellationToken, publish);
    }

    private async Task<OperationResult<ChangeRequestDto>> SaveAsync(ChangeRequestRecord request, AuditEvent auditEvent, CancellationToken cancellationToken, bool publish = true)
    {
        try
        {
            await audit.RecordAsync(auditEvent, cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new(OperationStatus.Conflict, null, "The request changed at the same moment (another approval, edit or apply); reload it and try again.");
        }

        if (publish)
        {
            await events.PublishAsync(new ChangeRequestUpdatedEvent(request.Id, request.Title, request.State, request.AuthorName));
        }

        return OperationResult<ChangeRequestDto>.Ok((await GetAsync(request.Id, cancellationToken))!);
    }

    private async Task<(string? Title, string? Rationale, List<ChangeRequestItemRecord>? Items, OperationResult<ChangeRequestDto>? Problem)> PlanAsync(ChangeRequestInput input, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var title = input.Title?.Trim() ?? string.Empty;
        if (title.Length is 0 or > 200)
        {
            errors["title"] = ["A title is required (at most 200 characters)."];
        }
        else
        {
            TextRules.AddControlCharacterError(errors, "title", title, "The title");
        }

        var rationale = string.IsNullOrWhiteSpace(input.Rationale) ? null : input.Rationale.Trim();
        if (rationale is { Length: > 4000 })
        {
            errors["rationale"] = ["The rationale has at most 4000 characters."];
        }
        else
        {
            TextRules.AddControlCharacterError(errors, "rationale", rationale, "The rationale", multiLine: true);
        }

        var inputs = input.Items ?? [];
        if (inputs.Count is 0 or > MaxItems)
        {
            errors["items"] = [$"Name from 1 to {MaxItems} servers with the checks to fix."];
        }
        else if (inputs.Any(i => i.ServerId is null) || inputs.Select(i => i.ServerId).Distinct().Count() != inputs.Count)
        {
            errors["items"] = ["Each item names one server, and each server appears once."];
        }

        if (errors.Count > 0)
        {
            return (null, null, null, OperationResult<ChangeRequestDto>.From(OperationResult.Invalid(errors)));
        }

        var items = new List<ChangeRequestItemRecord>();
        for (var i = 0; i < inputs.Count; i++)
        {
            var checkIds = (inputs[i].CheckIds ?? []).Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => c.Trim()).Distinct(StringComparer.Ordinal).ToList();
            if (checkIds.Count == 0)
            {
                errors[$"items[{i}].checkIds"] = ["Name the failed checks to fix on this server."];
                continue;
            }

            var plan = await jobs.PlanAsync(inputs[i].ServerId!.Value, checkIds, cancellationToken);
            if (!plan.Succeeded)
            {
                errors[$"items[{i}]"] = [plan.Describe()];
                continue;
            }

            var fix = plan.Value!;
            var changes = fix.Changes.Select(c => new StoredChange(c.CheckId, c.Name, c.Operation, c.Value, fix.Current.GetValueOrDefault(c.Name) ?? [], c.Command)).ToList();
            items.Add(new ChangeRequestItemRecord
            {
                Position = i,
                ServerId = fix.ServerId,
                ServerName = fix.ServerName,
                CheckIds = [.. fix.CheckIds],
                ChangesJson = JsonSerializer.Serialize(changes, JobService.Json),
                ManualSteps = [.. fix.ManualSteps],
            });
        }

        return errors.Count > 0
            ? (null, null, null, OperationResult<ChangeRequestDto>.From(OperationResult.Invalid(errors)))
            : (title, rationale, items, null);
    }

    private Task<ChangeRequestRecord?> LoadAsync(Guid id, CancellationToken cancellationToken) =>
        db.ChangeRequests.AsSplitQuery().Include(c => c.Items).Include(c => c.Approvals).Include(c => c.Comments)
            .SingleOrDefaultAsync(c => c.Id == id, cancellationToken);

    private void Touch(ChangeRequestRecord request, ReviewActor actor, bool editing = true)
    {
        // The optimistic check: EF compares the revision read with the one in the database when it saves.
        db.Entry(request).Property(c => c.Revision).OriginalValue = request.Revision;
        request.Revision++;
        request.UpdatedAt = Now;
        if (editing)
        {
            request.LastEditorId = actor.UserId;
            request.LastEditorName = actor.Name;
        }
    }

    private async Task<ChangeRequestDto> ToDtoAsync(ChangeRequestRecord c, CancellationToken cancellationToken)
    {
        var jobIds = c.Items.Where(i => i.JobId is not null).Select(i => i.JobId!.Value).ToList();
        var jobStates = await db.Jobs.AsNoTracking().Where(j => jobIds.Contains(j.Id)).ToDictionaryAsync(j => j.Id, j => j.State, cancellationToken);
        return new ChangeRequestDto(
            c.Id,
            c.Title,
            c.Rationale,
            c.State,
            c.AuthorId,
            c.AuthorName,
            c.LastEditorId,
            c.LastEditorName,
            c.Revision,
            c.CreatedAt,
            c.UpdatedAt,
            c.Items.OrderBy(i => i.Position).Select(i => new ChangeRequestItemDto(
                i.ServerId,
                i.ServerName,
                i.CheckIds,
                (JsonSerializer.Deserialize<List<StoredChange>>(i.ChangesJson, JobService.Json) ?? []).Select(s => new ChangeRequestChangeDto(s.CheckId, s.Name, s.Operation, s.Value, s.Current, s.Command)).ToList(),
                i.ApplyError is null ? i.ManualSteps : [.. i.ManualSteps, "Not applied: " + i.ApplyError],
                i.JobId,
                i.JobId is { } jobId ? jobStates.GetValueOrDefault(jobId) : null)).ToList(),
            c.Approvals.OrderBy(a => a.ApprovedAt).Select(a => new ChangeRequestApprovalDto(a.ReviewerId, a.ReviewerName, a.ApprovedAt)).ToList(),
            Required,
            c.Comments.OrderBy(m => m.CreatedAt).Select(m => new ChangeRequestCommentDto(m.Id, m.AuthorName, m.Kind, m.Text, m.CreatedAt)).ToList());
    }

    private static object Snapshot(ChangeRequestRecord c) => new { c.Title, c.Rationale, c.State, items = c.Items.Select(i => new { i.ServerId, i.CheckIds, changes = i.ChangesJson }) };

    private ChangeRequestCommentRecord NewComment(Guid id, ReviewActor actor, string kind, string text) =>
        new() { Id = Guid.CreateVersion7(), ChangeRequestId = id, AuthorId = actor.UserId, AuthorName = actor.Name, Kind = kind, Text = text, CreatedAt = Now };

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private static OperationResult<ChangeRequestDto>? Stale(ChangeRequestRecord request, long? expectedRevision) =>
        expectedRevision is { } expected && expected != request.Revision
            ? new(OperationStatus.PreconditionFailed, null, $"The request changed since you loaded it (now revision {request.Revision}); review the current version first.")
            : null;

    private static OperationResult<ChangeRequestDto> NotFound(Guid id) => new(OperationStatus.NotFound, null, $"No change request has the id {id}.");

    private static OperationResult<ChangeRequestDto> Forbidden(string message) => new(OperationStatus.Forbidden, null, message);

    private static OperationResult<ChangeRequestDto> Invalid409(string message) => new(OperationStatus.Conflict, null, message);

    /// <summary>A planned change as stored with the request, including the value it had when planned.</summary>
    private sealed record StoredChange(string CheckId, string Name, Shared.Agents.SettingOperation Operation, string Value, IReadOnlyList<string> Current, string Command);
}
