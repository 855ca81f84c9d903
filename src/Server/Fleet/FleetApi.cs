using BackscatterConsole.Server.Hosting;
using BackscatterConsole.Shared.Fleet;
using BackscatterConsole.Shared.Users;

namespace BackscatterConsole.Server.Fleet;

internal static class FleetApi
{
    public static IHostApplicationBuilder AddFleet(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<IFleetService, FleetService>();
        return builder;
    }

    public static RouteGroupBuilder MapFleetApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/fleet").WithTags("Fleet").RequireAuthorization(Policies.Read);
        group.MapGet("/summary", GetSummaryAsync).WithName("GetFleetSummary")
            .WithSummary("The fleet at a glance: servers per risk band, servers emitting backscatter now, servers on blocklists, and the checks failing on the most servers.")
            .WithDescription("Every figure is counted by the database from each server's latest completed scan and its agent's emission reports. Each group carries 'inventory', the portal's inventory view of exactly those servers (the same filters as GET /api/v1/servers).")
            .Produces<FleetSummaryDto>()
            .WithStandardProblems();
        group.MapGet("/trends", GetTrendsAsync).WithName("GetFleetTrends")
            .WithSummary("The fleet's risk (mean and highest score of the scans completed each day) and bounce emission (notifications, those to foreign recipients, servers emitting) per UTC day over the last 'days' days.")
            .WithDescription("days: 1 to 90 (default 30); the dashboard offers 7, 30 and 90. Today is the last, partial day.")
            .Produces<FleetTrendsDto>()
            .WithStandardProblems(400);
        return api;
    }

    private static async Task<IResult> GetSummaryAsync(IFleetService fleet, CancellationToken cancellationToken) =>
        TypedResults.Ok(await fleet.GetSummaryAsync(cancellationToken));

    private static async Task<IResult> GetTrendsAsync(IFleetService fleet, CancellationToken cancellationToken, int days = 30)
    {
        var result = await fleet.GetTrendsAsync(days, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(result.Value) : result.ToProblem();
    }
}
