using System.Net.Http.Headers;
using System.Net.Http.Json;
using BackscatterConsole.Shared.Tokens;
using BackscatterConsole.Shared.Users;

namespace BackscatterConsole.Browser.Tests;

/// <summary>Users for browser tests, created through the REST API as the bootstrap admin.</summary>
public static class TestAccounts
{
    /// <summary>A new user with one role and a password; with a theme, set as that user's own preference.</summary>
    public static async Task<(UserDto User, string Password)> CreateAsync(PortalFixture portal, string role, string? theme = null)
    {
        ArgumentNullException.ThrowIfNull(portal);
        using var api = portal.CreateApiClient();
        var userName = "u" + Guid.NewGuid().ToString("N")[..10];
        var password = "Pass-" + Guid.NewGuid().ToString("N")[..10] + "!";
        var created = await api.PostAsJsonAsync("/api/v1/users", new { userName, password, roles = new[] { role } });
        created.EnsureSuccessStatusCode();
        var user = (await created.Content.ReadFromJsonAsync<UserDto>())!;
        if (theme is not null)
        {
            // The theme belongs to the account: set it with a token of the user's own.
            var token = await (await api.PostAsJsonAsync("/api/v1/tokens", new { name = "theme", userId = user.Id })).Content.ReadFromJsonAsync<CreatedApiTokenDto>();
            using var theirs = portal.CreateApiClient();
            theirs.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token!.Token);
            (await theirs.PutAsJsonAsync("/api/v1/account/preferences", new { theme })).EnsureSuccessStatusCode();
        }

        return (user, password);
    }
}
