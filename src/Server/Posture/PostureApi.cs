using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Domain.Posture;
using BackscatterConsole.Domain.Spf;
using BackscatterConsole.Server.Hosting;
using BackscatterConsole.Shared.Posture;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BackscatterConsole.Server.Posture;

internal static class PostureApi
{
    public static IHostApplicationBuilder AddPosture(this IHostApplicationBuilder builder)
    {
        // Dns:Servers lists "address[:port]" entries; empty means the nameservers of /etc/resolv.conf.
        var options = new DnsResolverOptions();
        builder.Configuration.GetSection("Dns").Bind(options);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<IDnsResolver>(sp => new DnsResolver(sp.GetRequiredService<DnsResolverOptions>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new SpfEvaluator(sp.GetRequiredService<IDnsResolver>()));
        builder.Services.AddSingleton(sp => new DomainPostureChecker(sp.GetRequiredService<IDnsResolver>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddScoped<IPostureService, PostureService>();
        return builder;
    }

    public static RouteGroupBuilder MapPostureApi(this RouteGroupBuilder api)
    {
        api.MapPost("/spf/evaluate", EvaluateSpfAsync).WithTags("DNS posture").WithName("EvaluateSpf").Produces<SpfTestResult>()
            .WithSummary("Evaluate SPF (RFC 7208 check_host) for a client IP and sender: result, explanation, lookup counts and trace.")
            .RequireAuthorization(Policies.Read).WithStandardProblems(400);
        api.MapPost("/dns-checks", CheckDomainAsync).WithTags("DNS posture").WithName("CheckDomainPosture").Produces<DomainPostureReport>()
            .WithSummary("Run the spf.*, dkim.*, dmarc.* and mx.* checks for a domain; a DNS failure gives status 'error', never 'pass'.")
            .RequireAuthorization(Policies.Read).WithStandardProblems(400);
        api.MapGet("/servers/{id:guid}/posture", CheckServerAsync).WithTags("DNS posture").WithName("GetServerPosture")
            .WithSummary("Run the DNS posture checks for every hosted domain of a server, with its DKIM selectors.")
            .RequireAuthorization(Policies.Read).WithStandardProblems(404);
        return api;
    }

    private static async Task<IResult> EvaluateSpfAsync(SpfTestInput input, IPostureService posture, CancellationToken cancellationToken)
    {
        var result = await posture.EvaluateSpfAsync(input, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(result.Value) : result.ToProblem();
    }

    private static async Task<IResult> CheckDomainAsync(DnsCheckInput input, IPostureService posture, CancellationToken cancellationToken)
    {
        var result = await posture.CheckDomainAsync(input, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(result.Value) : result.ToProblem();
    }

    private static async Task<Results<Ok<IReadOnlyList<DomainPostureReport>>, ProblemHttpResult>> CheckServerAsync(Guid id, IPostureService posture, CancellationToken cancellationToken)
    {
        var result = await posture.CheckServerDomainsAsync(id, cancellationToken);
        return result.Succeeded
            ? TypedResults.Ok(result.Value)
            : ApiExtensions.Problem(StatusCodes.Status404NotFound, "Not found", result.Message);
    }
}
