using System.Security.Claims;
using System.Text.Encodings.Web;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Access;

/// <summary>
/// Authenticates <c>Authorization: Bearer</c> API tokens. Every request looks the token and its user up,
/// so a revoked token or a disabled user stops working at once.
/// </summary>
internal sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AppDbContext db,
    IUserClaimsPrincipalFactory<AppUser> principalFactory,
    TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    // Writing last-use on every call would turn reads into writes; a minute's precision is enough to spot stale tokens.
    private static readonly TimeSpan LastUseResolution = TimeSpan.FromMinutes(1);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        string? token = null;
        if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = header["Bearer ".Length..].Trim();
        }
        else if (Request.Path.StartsWithSegments("/hubs") && Request.Query.TryGetValue("access_token", out var queryToken))
        {
            // Browsers cannot set headers on WebSocket requests, so SignalR clients send the token in the query.
            token = queryToken.ToString();
        }

        if (string.IsNullOrEmpty(token))
        {
            return AuthenticateResult.NoResult();
        }

        var hash = TokenSecrets.Hash(token);
        var record = await db.ApiTokens.Include(t => t.User).SingleOrDefaultAsync(t => t.TokenHash == hash, Context.RequestAborted);
        var now = clock.GetUtcNow().UtcDateTime;
        if (record?.User is null)
        {
            return AuthenticateResult.Fail("The API token is not valid.");
        }

        if (record.RevokedAt is not null)
        {
            return AuthenticateResult.Fail("The API token has been revoked.");
        }

        if (record.ExpiresAt is { } expires && expires <= now)
        {
            return AuthenticateResult.Fail("The API token has expired.");
        }

        if (record.User.IsDisabled)
        {
            return AuthenticateResult.Fail("The user of this API token is disabled.");
        }

        if (record.LastUsedAt is null || now - record.LastUsedAt.Value >= LastUseResolution)
        {
            await db.ApiTokens.Where(t => t.Id == record.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), Context.RequestAborted);
        }

        var principal = await principalFactory.CreateAsync(record.User);
        var identity = new ClaimsIdentity(principal.Claims, SchemeName, principal.Identities.First().NameClaimType, principal.Identities.First().RoleClaimType);
        identity.AddClaim(new Claim("token_id", record.Id.ToString()));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.Headers.WWWAuthenticate = "Bearer";
        var detail = result.Failure?.Message ?? "Send an API token in the Authorization header: 'Authorization: Bearer <token>'.";
        await ProblemResponses.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Authentication required", detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ProblemResponses.WriteAsync(Context, StatusCodes.Status403Forbidden, "Forbidden", "Your roles do not allow this operation.");
}
