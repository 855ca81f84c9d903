using BackscatterConsole.Server.Hosting;
using BackscatterConsole.Shared.Emission;
using BackscatterConsole.Shared.Users;

namespace BackscatterConsole.Server.Emission;

internal static class EmissionApi
{
    public static IHostApplicationBuilder AddEmission(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<EmissionOptions>().Bind(builder.Configuration.GetSection(EmissionOptions.Section))
            .Validate(o => o.WarnThreshold >= 0 && o.FailThreshold >= o.WarnThreshold, "Emission:WarnThreshold must be 0 or more and Emission:FailThreshold at least as large.")
            .Validate(o => o.RetentionDays >= 1, "Emission:RetentionDays must be at least 1.")
            .Validate(o => o.Window >= TimeSpan.FromHours(1) && o.Window <= TimeSpan.FromDays(7), "Emission:Window must be between 01:00:00 and 7.00:00:00 (the agent keeps seven days).")
            .Validate(o => o.StaleAfter > TimeSpan.Zero && o.SweepInterval > TimeSpan.Zero, "Emission:StaleAfter and Emission:SweepInterval must be positive.")
            .ValidateOnStart();
        builder.Services.AddScoped<BounceEmissionStore>();
        builder.Services.AddScoped<IBounceEmissionService, BounceEmissionService>();
        builder.Services.AddSingleton<EmissionRetention>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EmissionRetention>());
        return builder;
    }

    public static RouteGroupBuilder MapEmissionApi(this RouteGroupBuilder api)
    {
        api.MapGet("/servers/{id:guid}/bounce-emission", GetAsync).WithTags("Emission").WithName("GetBounceEmission")
            .WithSummary("The server's null-sender mail per hour as its agent reported it (non-delivery, delay and delivery-status notifications, their delivery attempts, those to foreign recipients, top domains), with the latest queue state.")
            .WithDescription("from (inclusive, rounded down to the hour) and to (exclusive) are ISO 8601 times; the default is the last 24 hours. The range may span at most Emission:RetentionDays + 1 days. An hour missing from the answer was not reported: it is unknown, not zero. Counts, domains and queue ids only: the agent never sends addresses or contents.")
            .Produces<BounceEmissionSeriesDto>()
            .RequireAuthorization(Policies.Read)
            .WithStandardProblems(400, 404);
        api.MapGet("/servers/{id:guid}/bounce-emission/causes", GetCausesAsync).WithTags("Emission").WithName("GetBounceEmissionCauses")
            .WithSummary("Why the server emits backscatter and what fixes it: the likely causes among its latest scan's failing checks, each with the change request that fixes it, and the changes applied in the last 7 days with the emission before and after each.")
            .WithDescription("Causes are the failing or warning checks that make a server accept mail and bounce it later (smtp.unknown-recipient, smtp.catch-all, mta.disabled-mailbox, mta.quota-notification, mta.filter-bounce, mta.sender-callout, mta.verify-defer-code, mta.bounce-hygiene). fixPath points at the existing change request, a new one filled in for the server and check when the agent can apply the fix, or the scan's finding for manual steps. stopped is null until a full hour after a change was reported.")
            .Produces<BounceEmissionCausesDto>()
            .RequireAuthorization(Policies.Read)
            .WithStandardProblems(404);
        return api;
    }

    private static async Task<IResult> GetCausesAsync(Guid id, IBounceEmissionService emission, CancellationToken cancellationToken)
    {
        var result = await emission.GetCausesAsync(id, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(result.Value) : result.ToProblem();
    }

    private static async Task<IResult> GetAsync(Guid id, IBounceEmissionService emission, CancellationToken cancellationToken, DateTime? from = null, DateTime? to = null)
    {
        var result = await emission.GetSeriesAsync(id, from, to, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(result.Value) : result.ToProblem();
    }
}
