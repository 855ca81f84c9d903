using System.Security.Claims;
using BackscatterConsole.Server.Hosting;
using BackscatterConsole.Shared.ChangeRequests;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace BackscatterConsole.Server.ChangeRequests;

/// <summary>Moves applying requests to their final state as their jobs finish.</summary>
internal sealed class ChangeRequestProgress(Data.AppDbContext db, IServiceProvider services)
{
    public async Task JobFinishedAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var requestId = await db.Jobs.Where(j => j.Id == jobId).Select(j => j.ChangeRequestId).SingleOrDefaultAsync(cancellationToken);
        if (requestId is null)
        {
            return;
        }

        var request = await db.ChangeRequests.Include(c => c.Items).SingleOrDefaultAsync(c => c.Id == requestId, cancellationToken);
        if (request is not null)
        {
            // Resolved here rather than injected: the request service depends on the job service, which reports back here.
            await services.GetRequiredService<ChangeRequestService>().RecomputeAsync(request, cancellationToken);
        }
    }
}

internal static class ChangeRequestsApi
{
    public static IHostApplicationBuilder AddChangeRequests(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<ChangeRequestOptions>(builder.Configuration.GetSection(ChangeRequestOptions.Section));
        builder.Services.AddScoped<ChangeRequestService>();
        builder.Services.AddScoped<IChangeRequestService>(sp => sp.GetRequiredService<ChangeRequestService>());
        builder.Services.AddScoped<ChangeRequestProgress>();
        builder.Services.AddHostedService<InterruptedApplyService>();
        return builder;
    }

    public static RouteGroupBuilder MapChangeRequestsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/change-requests").WithTags("Change requests").RequireAuthorization(Policies.Read);
        group.MapGet("/", ListAsync).WithName("ListChangeRequests").Produces<PagedResult<ChangeRequestSummaryDto>>().WithSummary("Requests, newest first; state= filters, mine=review keeps those waiting for the caller's review.").WithStandardProblems(400);
        group.MapGet("/{id:guid}", GetAsync).WithName("GetChangeRequest").WithSummary("A request with its full diff per server, approvals, comments and job states; ETag = revision.").WithStandardProblems(404);
        group.MapPost("/", CreateAsync).WithName("CreateChangeRequest").WithSummary("Propose fixes for one or many servers (a draft).")
            .Produces<ChangeRequestDto>(StatusCodes.Status201Created).RequireAuthorization(Policies.ServersWrite).WithStandardProblems(400, 404, 409);
        group.MapPut("/{id:guid}", UpdateAsync).WithName("UpdateChangeRequest").WithSummary("Edit while draft, in review or approved; an edit resets the approvals. If-Match: the revision read.")
            .Produces<ChangeRequestDto>().RequireAuthorization(Policies.ServersWrite).WithStandardProblems(400, 404, 409, 412);
        Transition(group, "/submit", SubmitAsync, "SubmitChangeRequest", "draft → in-review.", Policies.ServersWrite);
        Transition(group, "/approve", ApproveAsync, "ApproveChangeRequest", "Approve (Reviewer or Admin, neither the author nor the last editor). If-Match: the revision reviewed.", Policies.Review);
        Transition(group, "/reject", RejectAsync, "RejectChangeRequest", "Reject with a comment {text} (Reviewer or Admin).", Policies.Review);
        Transition(group, "/withdraw", WithdrawAsync, "WithdrawChangeRequest", "Withdraw (the author or an Admin).", Policies.ServersWrite);
        Transition(group, "/apply", ApplyAsync, "ApplyChangeRequest", "Apply an approved request: one job per server; the request follows them.", Policies.ServersWrite);
        Transition(group, "/comments", CommentAsync, "CommentChangeRequest", "Add a comment {text}.", Policies.Read);
        return api;
    }

    private static void Transition(RouteGroupBuilder group, string path, Delegate handler, string name, string summary, string policy) =>
        group.MapPost("/{id:guid}" + path, handler).WithName(name).WithSummary(summary)
            .Produces<ChangeRequestDto>().RequireAuthorization(policy).WithStandardProblems(400, 404, 409, 412);

    private static async Task<IResult> ListAsync(IChangeRequestService requests, ClaimsPrincipal user, CancellationToken ct, string? state = null, string? mine = null, int page = 1, int pageSize = 50)
    {
        var result = await requests.ListAsync(state, mine == "review", user.ToReviewActor(), page, pageSize, ct);
        return result.Succeeded ? TypedResults.Ok(result.Value) : result.ToProblem();
    }

    private static async Task<Results<Ok<ChangeRequestDto>, ProblemHttpResult>> GetAsync(Guid id, IChangeRequestService requests, HttpContext context, CancellationToken ct)
    {
        if (await requests.GetAsync(id, ct) is not { } request)
        {
            return ApiExtensions.Problem(StatusCodes.Status404NotFound, "Not found", $"No change request has the id {id}.");
        }

        context.Response.Headers.ETag = Servers.ETags.For(request.Revision);
        return TypedResults.Ok(request);
    }

    private static async Task<IResult> CreateAsync(ChangeRequestInput input, IChangeRequestService requests, ClaimsPrincipal user, CancellationToken ct) =>
        Respond(await requests.CreateAsync(input, user.ToReviewActor(), ct), created: true);

    private static async Task<IResult> UpdateAsync(Guid id, ChangeRequestInput input, IChangeRequestService requests, ClaimsPrincipal user, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        Revision(ifMatch, out var revision) is { } bad ? bad : Respond(await requests.UpdateAsync(id, input, revision, user.ToReviewActor(), ct));

    private static async Task<IResult> SubmitAsync(Guid id, IChangeRequestService requests, ClaimsPrincipal user, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        Revision(ifMatch, out var revision) is { } bad ? bad : Respond(await requests.SubmitAsync(id, revision, user.ToReviewActor(), ct));

    private static async Task<IResult> ApproveAsync(Guid id, IChangeRequestService requests, ClaimsPrincipal user, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        Revision(ifMatch, out var revision) is { } bad ? bad : Respond(await requests.ApproveAsync(id, revision, user.ToReviewActor(), ct));

    private static async Task<IResult> RejectAsync(Guid id, ChangeRequestCommentInput? input, IChangeRequestService requests, ClaimsPrincipal user, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        Revision(ifMatch, out var revision) is { } bad ? bad : Respond(await requests.RejectAsync(id, input?.Text, revision, user.ToReviewActor(), ct));

    private static async Task<IResult> WithdrawAsync(Guid id, IChangeRequestService requests, ClaimsPrincipal user, CancellationToken ct) =>
        Respond(await requests.WithdrawAsync(id, user.ToReviewActor(), ct));

    private static async Task<IResult> ApplyAsync(Guid id, IChangeRequestService requests, ClaimsPrincipal user, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        Revision(ifMatch, out var revision) is { } bad ? bad : Respond(await requests.ApplyAsync(id, revision, user.ToReviewActor(), ct));

    private static async Task<IResult> CommentAsync(Guid id, ChangeRequestCommentInput? input, IChangeRequestService requests, ClaimsPrincipal user, CancellationToken ct) =>
        Respond(await requests.CommentAsync(id, input?.Text, user.ToReviewActor(), ct));

    private static IResult? Revision(string? ifMatch, out long? revision)
    {
        revision = null;
        return string.IsNullOrWhiteSpace(ifMatch) || Servers.ETags.TryParse(ifMatch, out revision)
            ? null
            : ApiExtensions.Problem(StatusCodes.Status412PreconditionFailed, "Precondition failed", $"If-Match '{ifMatch}' is not an ETag this API issued.");
    }

    private static IResult Respond(OperationResult<ChangeRequestDto> result, bool created = false)
    {
        if (!result.Succeeded)
        {
            return result.ToProblem();
        }

        return created ? TypedResults.Created($"/api/v1/change-requests/{result.Value!.Id}", result.Value) : TypedResults.Ok(result.Value);
    }
}
