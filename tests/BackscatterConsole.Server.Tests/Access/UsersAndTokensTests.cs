using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Tokens;
using BackscatterConsole.Shared.Users;

namespace BackscatterConsole.Server.Tests.Access;

public class UsersAndTokensTests(AppFactory factory) : IClassFixture<AppFactory>
{
    private readonly HttpClient _admin = factory.CreateApiClient();

    [Fact]
    public async Task CreateUser_Valid_Returns201WithIdAndRoles()
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/users", new { userName = "alice" + Guid.NewGuid().ToString("N")[..6], email = "alice@example.test", password = "Alice-Pass-2026!", roles = new[] { "operator", "Reviewer" } });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var user = (await response.Content.ReadFromJsonAsync<UserDto>())!;
        Assert.NotEqual(Guid.Empty, user.Id);
        Assert.Equal([Roles.Operator, Roles.Reviewer], user.Roles);
        Assert.False(user.IsDisabled);
    }

    [Fact]
    public async Task CreateUser_WeakPasswordAndUnknownRole_Returns400PerField()
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/users", new { userName = "weak" + Guid.NewGuid().ToString("N")[..6], password = "short", roles = new[] { "Superuser" } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("roles", out _));
    }

    [Fact]
    public async Task CreateUser_DuplicateName_Returns409()
    {
        var name = "dup" + Guid.NewGuid().ToString("N")[..6];
        (await _admin.PostAsJsonAsync("/api/v1/users", new { userName = name, password = "Dup-Pass-2026!", roles = new[] { "Viewer" } })).EnsureSuccessStatusCode();

        var second = await _admin.PostAsJsonAsync("/api/v1/users", new { userName = name, password = "Dup-Pass-2026!", roles = new[] { "Viewer" } });

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
    }

    [Fact]
    public async Task DisableUser_TheirTokenAndCookieStopWorkingAtOnce()
    {
        using var user = await factory.CreateUserAsync(Roles.Viewer);
        using var session = await PortalSession.SignInAsync(factory, user.UserName, user.Password);
        Assert.Equal(HttpStatusCode.OK, (await user.Api.GetAsync("/api/v1/servers")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/servers")).StatusCode);

        var disabled = await _admin.PutAsJsonAsync($"/api/v1/users/{user.Id}", new { isDisabled = true });
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await user.Api.GetAsync("/api/v1/servers")).StatusCode);
        var page = await session.GetAsync("/servers");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Contains("/account/login", page.Headers.Location!.ToString(), StringComparison.Ordinal);

        using var again = new PortalSession(factory);
        var signIn = await again.SubmitAsync("/account/login", "login", new() { ["Input.UserName"] = user.UserName, ["Input.Password"] = user.Password });
        Assert.Contains("disabled", await signIn.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangeRoles_TakesEffectOnTheNextRequest()
    {
        using var user = await factory.CreateUserAsync(Roles.Viewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.Api.PostAsJsonAsync("/api/v1/servers", new { })).StatusCode);

        (await _admin.PutAsJsonAsync($"/api/v1/users/{user.Id}", new { roles = new[] { "Operator" } })).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.BadRequest, (await user.Api.PostAsJsonAsync("/api/v1/servers", new { })).StatusCode);
    }

    [Fact]
    public async Task UpdateUser_RemovingOwnAdminRole_Returns409()
    {
        var me = await _admin.GetFromJsonAsync<UserDto>("/api/v1/account");

        var response = await _admin.PutAsJsonAsync($"/api/v1/users/{me!.Id}", new { roles = new[] { "Viewer" } });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Fact]
    public async Task CreateToken_ReturnsSecretOnceAndStoresOnlyMetadata()
    {
        using var user = await factory.CreateUserAsync(Roles.Viewer);
        var response = await user.Api.PostAsJsonAsync("/api/v1/tokens", new { name = "script", expiresAt = DateTime.UtcNow.AddDays(30) });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<CreatedApiTokenDto>())!;
        Assert.StartsWith("bsc_", created.Token, StringComparison.Ordinal);
        Assert.True(Convert.FromBase64String(PadBase64(created.Token[4..])).Length >= 16, "at least 128 random bits");

        var listed = await user.Api.GetStringAsync("/api/v1/tokens");
        Assert.DoesNotContain(created.Token, listed, StringComparison.Ordinal);
        var fetched = await user.Api.GetFromJsonAsync<ApiTokenDto>($"/api/v1/tokens/{created.Id}");
        Assert.Equal("script", fetched!.Name);

        using var withNewToken = factory.CreateApiClient(created.Token);
        Assert.Equal(HttpStatusCode.OK, (await withNewToken.GetAsync("/api/v1/account")).StatusCode);
        var used = await user.Api.GetFromJsonAsync<ApiTokenDto>($"/api/v1/tokens/{created.Id}");
        Assert.NotNull(used!.LastUsedAt);
    }

    [Fact]
    public async Task RevokeToken_StopsItAtOnce()
    {
        using var user = await factory.CreateUserAsync(Roles.Operator);
        var created = (await (await user.Api.PostAsJsonAsync("/api/v1/tokens", new { name = "temp" })).Content.ReadFromJsonAsync<CreatedApiTokenDto>())!;
        using var client = factory.CreateApiClient(created.Token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/servers")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await user.Api.DeleteAsync($"/api/v1/tokens/{created.Id}")).StatusCode);

        var after = await client.GetAsync("/api/v1/servers");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("revoked", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateToken_ForAnotherUserAsNonAdmin_Returns403()
    {
        using var user = await factory.CreateUserAsync(Roles.Operator);
        using var other = await factory.CreateUserAsync(Roles.Viewer);

        var response = await user.Api.PostAsJsonAsync("/api/v1/tokens", new { name = "sneaky", userId = other.Id });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await user.Api.GetAsync($"/api/v1/tokens/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task CreateToken_ExpiryInThePast_Returns400()
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/tokens", new { name = "old", expiresAt = DateTime.UtcNow.AddMinutes(-1) });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task ForgedToken_Returns401Problem()
    {
        using var client = factory.CreateApiClient("bsc_" + new string('A', 43));
        var response = await client.GetAsync("/api/v1/servers");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task SignIn_FiveWrongPasswords_LocksTheAccount()
    {
        using var user = await factory.CreateUserAsync(Roles.Viewer);
        using var session = new PortalSession(factory);
        for (var i = 0; i < 5; i++)
        {
            var wrong = await session.SubmitAsync("/account/login", "login", new() { ["Input.UserName"] = user.UserName, ["Input.Password"] = "Wrong-Pass-1!" });
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }

        var right = await session.SubmitAsync("/account/login", "login", new() { ["Input.UserName"] = user.UserName, ["Input.Password"] = user.Password });

        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Contains("locked", await right.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var listed = await _admin.GetFromJsonAsync<UserDto>($"/api/v1/users/{user.Id}");
        Assert.True(listed!.IsLockedOut);
    }

    [Fact]
    public async Task ChangePassword_ThroughApi_OldPasswordStopsWorking()
    {
        using var user = await factory.CreateUserAsync(Roles.Viewer);
        var wrong = await user.Api.PostAsJsonAsync("/api/v1/account/password", new { currentPassword = "nope", newPassword = "New-Pass-2026!" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);

        var changed = await user.Api.PostAsJsonAsync("/api/v1/account/password", new { currentPassword = user.Password, newPassword = "New-Pass-2026!" });
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);

        using var session = new PortalSession(factory);
        var old = await session.SubmitAsync("/account/login", "login", new() { ["Input.UserName"] = user.UserName, ["Input.Password"] = user.Password });
        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        using var fresh = await PortalSession.SignInAsync(factory, user.UserName, "New-Pass-2026!");
    }

    private static string PadBase64(string url)
    {
        var s = url.Replace('-', '+').Replace('_', '/');
        return s + new string('=', (4 - (s.Length % 4)) % 4);
    }
}
