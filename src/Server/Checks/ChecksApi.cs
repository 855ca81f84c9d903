using BackscatterConsole.Domain.Smtp;
using BackscatterConsole.Server.Hosting;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BackscatterConsole.Server.Checks;

internal static class ChecksApi
{
    public static IHostApplicationBuilder AddChecks(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<ScanOptions>(builder.Configuration.GetSection(ScanOptions.Section));
        services.Configure<ProbeSettings>(builder.Configuration.GetSection(ProbeSettings.Section));
        services.AddSingleton<ScanQueue>();
        services.AddSingleton<RunningScans>();
        services.AddSingleton<ScanLeases>();
        services.AddSingleton<ISmtpProbe>(sp => new SmtpProbe(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ScanExecutor>();

        // The posture checker and its resolver (Dns:Servers) come from AddPosture, so scans share its cache and sockets.
        services.AddSingleton<IDomainPostureSource, DnsPostureSource>();
        services.AddScoped<IScanService, ScanService>();
        services.AddSingleton<ScanRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<ScanRunner>());
        services.AddSingleton<ScanScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<ScanScheduler>());
        services.AddStrictSignalR();
        return builder;
    }

    public static RouteGroupBuilder MapChecksApi(this RouteGroupBuilder api)
    {
        var servers = api.MapGroup("/servers/{id:guid}").WithTags("Scans").RequireAuthorization(Policies.Read);
        servers.MapPost("/scans", StartAsync).WithName("StartScan")
            .WithSummary("Queue a scan of the server (settings rules, DNS posture of every hosted domain, SMTP probe when enabled). 202 with the scan id; 409 when one is already queued or running.")
            .RequireAuthorization(Policies.ServersWrite).Produces<ScanAcceptedDto>(StatusCodes.Status202Accepted).WithStandardProblems(404, 409, 503);
        servers.MapGet("/scans", ListAsync).WithName("ListScans").WithSummary("The server's scans, newest first (history), paged with page and pageSize (1–200).")
            .Produces<PagedResult<ScanSummaryDto>>().WithStandardProblems(400, 404);
        servers.MapGet("/checklist", ChecklistAsync).WithName("GetChecklist")
            .WithSummary("The latest result of every check with the 0–100 risk score, a summary per family, the worst finding and what changed since the previous scan.")
            .WithStandardProblems(404);

        var scans = api.MapGroup("/scans").WithTags("Scans").RequireAuthorization(Policies.Read);
        scans.MapPost("/", StartFleetAsync).WithName("StartFleetScan")
            .WithSummary("Queue scans of several servers ({\"serverIds\": [...]}) or of all ({\"all\": true}). Servers already being scanned are listed in alreadyActive.")
            .RequireAuthorization(Policies.ServersWrite).Produces<FleetScanAcceptedDto>(StatusCodes.Status202Accepted).WithStandardProblems(400, 409, 503);
        scans.MapGet("/{scanId:guid}", GetAsync).WithName("GetScan").WithSummary("One scan with its status, progress and results so far.").WithStandardProblems(404);
        scans.MapPost("/{scanId:guid}/cancel", CancelAsync).WithName("CancelScan")
            .WithSummary("Cancel a queued or running scan. 202: a running scan stops at its next check; 409 when it already ended.")
            .RequireAuthorization(Policies.ServersWrite).Produces<ScanSummaryDto>(StatusCodes.Status202Accepted).WithStandardProblems(404, 409);
        return api;
    }

    private static async Task<IResult> StartAsync(Guid id, IScanService scans, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await scans.StartAsync(id, ScanTriggers.Manual, context.User.Identity?.Name, cancellationToken);
        return result.Succeeded
            ? TypedResults.AcceptedAtRoute(new ScanAcceptedDto(result.Value), "GetScan", new { scanId = result.Value })
            : result.ToProblem();
    }

    private static async Task<IResult> StartFleetAsync(FleetScanInput input, IScanService scans, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await scans.StartFleetAsync(input, context.User.Identity?.Name, cancellationToken);
        return result.Succeeded ? TypedResults.Accepted((string?)null, result.Value) : result.ToProblem();
    }

    private static async Task<Results<Ok<ScanDto>, ProblemHttpResult>> GetAsync(Guid scanId, IScanService scans, CancellationToken cancellationToken)
    {
        var scan = await scans.GetAsync(scanId, cancellationToken);
        return scan is null ? ApiExtensions.Problem(StatusCodes.Status404NotFound, "Not found", $"No scan has the id {scanId}.") : TypedResults.Ok(scan);
    }

    private static async Task<IResult> ListAsync(Guid id, IScanService scans, CancellationToken cancellationToken, int page = 1, int pageSize = 25)
    {
        var result = await scans.ListAsync(id, page, pageSize, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(result.Value) : result.ToProblem();
    }

    private static async Task<Results<Ok<ChecklistDto>, ProblemHttpResult>> ChecklistAsync(Guid id, IScanService scans, CancellationToken cancellationToken)
    {
        var checklist = await scans.GetChecklistAsync(id, cancellationToken);
        return checklist is null ? ApiExtensions.Problem(StatusCodes.Status404NotFound, "Not found", $"No server has the id {id}.") : TypedResults.Ok(checklist);
    }

    private static async Task<IResult> CancelAsync(Guid scanId, IScanService scans, CancellationToken cancellationToken)
    {
        var result = await scans.CancelAsync(scanId, cancellationToken);
        return result.Succeeded ? TypedResults.Accepted((string?)null, result.Value) : result.ToProblem();
    }

}
