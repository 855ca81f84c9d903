using System.Security.Claims;
using System.Text.Encodings.Web;
using BackscatterConsole.Server.Access;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Agents;

/// <summary>
/// Authenticates agents on the agents hub by their long-lived credential (bearer header or <c>access_token</c>, which
/// WebSocket clients need). Agent credentials are not user tokens: they open only the agents hub.
/// </summary>
internal sealed class AgentCredentialAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AppDbContext db)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AgentCredential";
    public const string AgentIdClaim = "agent_id";
    public const string ServerIdClaim = "server_id";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        var credential = header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? header["Bearer ".Length..].Trim()
            : Request.Query["access_token"].ToString();
        if (string.IsNullOrEmpty(credential))
        {
            return AuthenticateResult.NoResult();
        }

        var hash = TokenSecrets.Hash(credential);
        var agent = await db.Agents.AsNoTracking().SingleOrDefaultAsync(a => a.CredentialHash == hash, Context.RequestAborted);
        if (agent is null || agent.RevokedAt is not null)
        {
            return AuthenticateResult.Fail("The agent credential is not valid or has been revoked; enroll the agent again.");
        }

        var identity = new ClaimsIdentity(
            [new Claim(AgentIdClaim, agent.Id.ToString()), new Claim(ServerIdClaim, agent.ServerId.ToString()), new Claim(ClaimTypes.Name, "agent:" + agent.HostName)],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.Headers.WWWAuthenticate = "Bearer";
        await ProblemResponses.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Agent authentication required", result.Failure?.Message ?? "Connect with the agent credential received at enrollment.");
    }
}
