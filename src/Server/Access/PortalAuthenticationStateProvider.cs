using System.Security.Claims;
using BackscatterConsole.Server.Data;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Access;

/// <summary>Settings of the interactive portal.</summary>
internal sealed class PortalOptions
{
    public const string Section = "Portal";

    /// <summary>
    /// How often an open portal page checks that its user may still be signed in (not disabled, same security stamp,
    /// so not signed out by a password change or role change). A page whose check fails loses its circuit and goes to
    /// the sign-in page, so a disabled user keeps a page for at most this long.
    /// </summary>
    public TimeSpan RevalidationInterval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The authentication state of interactive circuits: the cookie's user, checked again against the database every
/// <see cref="PortalOptions.RevalidationInterval"/>, since a circuit outlives the request that started it.
/// </summary>
internal sealed class PortalAuthenticationStateProvider(
    ILoggerFactory loggerFactory,
    IServiceScopeFactory scopes,
    IOptions<IdentityOptions> identity,
    IOptions<PortalOptions> options)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => options.Value.RevalidationInterval;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.GetUserAsync(authenticationState.User);
        if (user is null || user.IsDisabled)
        {
            return false;
        }

        var stamp = authenticationState.User.FindFirstValue(identity.Value.ClaimsIdentity.SecurityStampClaimType);
        return !users.SupportsUserSecurityStamp || stamp == await users.GetSecurityStampAsync(user);
    }
}
