using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;

namespace BackscatterConsole.Client.Tests.Support;

/// <summary>The signed-in user of the component under test; changing it notifies the components, as a revalidation would.</summary>
public sealed class TestAuthenticationStateProvider : AuthenticationStateProvider
{
    private ClaimsPrincipal _user = new(new ClaimsIdentity());

    public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(_user));

    public void SetUser(ClaimsPrincipal user)
    {
        _user = user;
        NotifyAuthenticationStateChanged(GetAuthenticationStateAsync());
    }
}
