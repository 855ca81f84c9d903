using System.Security.Claims;
using BackscatterConsole.Server.Hosting;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.SignalR;

namespace BackscatterConsole.Server.Agents;

internal static class AgentsApi
{
    public static IHostApplicationBuilder AddAgents(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<AgentOptions>(builder.Configuration.GetSection(AgentOptions.Section));
        builder.Services.AddSingleton<LocalAgentConnections>();
        builder.Services.AddScoped<AgentPresence>();
        builder.Services.AddScoped<IAgentAdministration, AgentAdministration>();
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, AgentCredentialAuthenticationHandler>(AgentCredentialAuthenticationHandler.SchemeName, null);
        builder.Services.AddSingleton<AgentStorageFaultFilter>();
        builder.Services.AddStrictSignalR(o => o.MaximumReceiveMessageSize = 1024 * 1024)
            .AddHubOptions<AgentsHub>(o => o.AddFilter<AgentStorageFaultFilter>());
        return builder;
    }

    public static RouteGroupBuilder MapAgentsApi(this RouteGroupBuilder api)
    {
        var servers = api.MapGroup("/servers/{id:guid}").WithTags("Agents");
        servers.MapPost("/agent-enrollments", CreateEnrollmentAsync).WithName("CreateAgentEnrollment")
            .WithSummary("Create a one-time enrollment token for the server's agent (shown once).")
            .Produces<AgentEnrollmentDto>(StatusCodes.Status201Created)
            .RequireAuthorization(Policies.ServersWrite).WithStandardProblems(400, 404);
        servers.MapGet("/agent", GetStatusAsync).WithName("GetAgentStatus")
            .WithSummary("The server's agent presence: {status (online|offline|never-connected), lastSeenAt, version, connector}.")
            .Produces<AgentStatusDto>().RequireAuthorization(Policies.Read).WithStandardProblems(404);
        servers.MapDelete("/agent", RevokeAsync).WithName("RevokeAgent")
            .WithSummary("Revoke the server's agent credential; a connected agent is disconnected at once.")
            .Produces(StatusCodes.Status204NoContent).RequireAuthorization(Policies.ServersWrite).WithStandardProblems(404);

        servers.MapPost("/agent/snapshot-requests", RequestSnapshotAsync).WithName("RequestAgentSnapshot")
            .WithSummary("Ask the server's connected agent to collect and report its settings snapshot now; it arrives at .../settings-snapshots/latest a moment later. 409 when the agent is not connected.")
            .Produces(StatusCodes.Status202Accepted).RequireAuthorization(Policies.ServersWrite).WithStandardProblems(404, 409);

        api.MapPost("/agents/enroll", EnrollAsync).WithTags("Agents").WithName("EnrollAgent")
            .WithSummary("Called by an agent: spend a one-time enrollment token for a long-lived agent credential.")
            .Produces<EnrollmentResponse>().AllowAnonymous().WithStandardProblems(400);
        return api;
    }

    public static IEndpointRouteBuilder MapAgentsHub(this IEndpointRouteBuilder app)
    {
        app.MapHub<AgentsHub>(AgentHub.Path);
        return app;
    }

    private static async Task<IResult> CreateEnrollmentAsync(Guid id, CreateEnrollmentInput? input, IAgentAdministration agents, ClaimsPrincipal user, CancellationToken ct)
    {
        var result = await agents.CreateEnrollmentAsync(id, input ?? new CreateEnrollmentInput(), user.ToActor(), ct);
        return result.Succeeded ? TypedResults.Created($"/api/v1/servers/{id}/agent", result.Value) : result.ToProblem();
    }

    private static async Task<IResult> RequestSnapshotAsync(Guid id, IAgentAdministration agents, CancellationToken ct)
    {
        var result = await agents.RequestSnapshotAsync(id, ct);
        return result.Succeeded ? TypedResults.Accepted($"/api/v1/servers/{id}/settings-snapshots/latest") : result.ToProblem();
    }

    private static async Task<IResult> GetStatusAsync(Guid id, IAgentAdministration agents, CancellationToken ct)
    {
        var result = await agents.GetStatusAsync(id, ct);
        return result.Succeeded ? TypedResults.Ok(result.Value) : result.ToProblem();
    }

    private static async Task<IResult> RevokeAsync(Guid id, IAgentAdministration agents, CancellationToken ct)
    {
        var result = await agents.RevokeAsync(id, ct);
        return result.Succeeded ? TypedResults.NoContent() : result.ToProblem();
    }

    private static async Task<IResult> EnrollAsync(EnrollmentRequest request, IAgentAdministration agents, CancellationToken ct)
    {
        var result = await agents.EnrollAsync(request, ct);
        if (result.Succeeded)
        {
            return TypedResults.Ok(result.Value);
        }

        // A refused token is "who are you?", not "you may not": 401, the same answer for every kind of bad token.
        return result.Status == Shared.Common.OperationStatus.Forbidden
            ? ApiExtensions.Problem(StatusCodes.Status401Unauthorized, "Enrollment refused", result.Message)
            : result.ToProblem();
    }
}
