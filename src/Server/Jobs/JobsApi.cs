using System.Security.Claims;
using BackscatterConsole.Server.Hosting;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BackscatterConsole.Server.Jobs;

internal static class JobsApi
{
    public static IHostApplicationBuilder AddJobs(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<JobOptions>(builder.Configuration.GetSection(JobOptions.Section));
        builder.Services.AddScoped<JobService>();
        builder.Services.AddScoped<IJobService>(sp => sp.GetRequiredService<JobService>());
        builder.Services.AddScoped<JobDispatcher>();
        builder.Services.AddScoped<JobReports>();
        builder.Services.AddHostedService<JobExpiryService>();
        return builder;
    }

    public static RouteGroupBuilder MapJobsApi(this RouteGroupBuilder api)
    {
        var jobs = api.MapGroup("/jobs").WithTags("Jobs");
        jobs.MapPost("/", CreateAsync).WithName("CreateJob")
            .WithSummary("Queue a dry run (dryRun: true) of the fixes of failed settings checks: the agent reads current values and reports the diff. Jobs that change settings come only from applying an approved change request; without dryRun this answers 403.")
            .Produces<JobDto>(StatusCodes.Status202Accepted)
            .RequireAuthorization(Policies.ServersWrite).WithStandardProblems(400, 404, 409);
        jobs.MapGet("/{id:guid}", GetAsync).WithName("GetJob")
            .WithSummary("A job with its state, planned changes, diff and the steps the agent reported.")
            .RequireAuthorization(Policies.Read).WithStandardProblems(404);
        jobs.MapPost("/{id:guid}/cancel", CancelAsync).WithName("CancelJob")
            .WithSummary("Cancel a job that is still queued; 409 once the agent has it.")
            .Produces<JobDto>().RequireAuthorization(Policies.ServersWrite).WithStandardProblems(404, 409);
        api.MapGet("/servers/{id:guid}/jobs/fixable", ListFixableAsync).WithTags("Jobs").WithName("ListFixableChecks")
            .WithSummary("The failed settings checks of the server's latest snapshot, with the changes a job would make and what stays manual.")
            .RequireAuthorization(Policies.Read).WithStandardProblems(404);
        api.MapGet("/servers/{id:guid}/jobs", ListAsync).WithTags("Jobs").WithName("ListServerJobs")
            .WithSummary("The server's latest 50 jobs, newest first.").RequireAuthorization(Policies.Read).WithStandardProblems(404);
        return api;
    }

    private static async Task<IResult> CreateAsync(CreateJobInput input, IJobService jobs, ClaimsPrincipal user, CancellationToken ct)
    {
        var result = await jobs.CreateAsync(input, user.Identity?.Name, ct);
        return result.Succeeded ? TypedResults.Accepted($"/api/v1/jobs/{result.Value!.Id}", result.Value) : result.ToProblem();
    }

    private static async Task<Results<Ok<JobDto>, ProblemHttpResult>> GetAsync(Guid id, IJobService jobs, CancellationToken ct) =>
        await jobs.GetAsync(id, ct) is { } job ? TypedResults.Ok(job) : ApiExtensions.Problem(StatusCodes.Status404NotFound, "Not found", $"No job has the id {id}.");

    private static async Task<IResult> CancelAsync(Guid id, IJobService jobs, CancellationToken ct)
    {
        var result = await jobs.CancelAsync(id, ct);
        return result.Succeeded ? TypedResults.Ok(result.Value) : result.ToProblem();
    }

    private static async Task<Results<Ok<IReadOnlyList<FixableCheckDto>>, ProblemHttpResult>> ListFixableAsync(Guid id, IJobService jobs, Shared.Servers.IServerInventory inventory, CancellationToken ct) =>
        await inventory.GetAsync(id, ct) is null
            ? ApiExtensions.Problem(StatusCodes.Status404NotFound, "Not found", $"No server has the id {id}.")
            : TypedResults.Ok(await jobs.ListFixableAsync(id, ct) ?? []);

    private static async Task<Results<Ok<IReadOnlyList<JobDto>>, ProblemHttpResult>> ListAsync(Guid id, IJobService jobs, Shared.Servers.IServerInventory inventory, CancellationToken ct) =>
        await inventory.GetAsync(id, ct) is null
            ? ApiExtensions.Problem(StatusCodes.Status404NotFound, "Not found", $"No server has the id {id}.")
            : TypedResults.Ok(await jobs.ListAsync(id, ct));
}
