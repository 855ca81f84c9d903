using System.Net;
using System.Net.Http.Json;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Shared.Tokens;
using BackscatterConsole.Shared.Users;

namespace BackscatterConsole.Server.Tests.Access;

/// <summary>Users, tokens and role-dependent UI through the portal's pages.</summary>
public sealed class AccessPagesTests(AppFactory factory) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task UsersPage_CreateUser_ShowsConfirmationAndListsThem()
    {
        using var session = await PortalSession.SignInAsync(factory, "admin", AppFactory.AdminPassword);
        var userName = "carol" + Guid.NewGuid().ToString("N")[..6];

        var response = await session.SubmitAsync("/users", "create-user", new()
        {
            ["Input.UserName"] = userName,
            ["Input.Email"] = "carol@example.test",
            ["Input.Password"] = "Carol-Pass-2026!",
            ["Input.Roles.Reviewer"] = "true",
        });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var page = await session.GetPageAsync("/users");
        Assert.Contains("was created", page.QuerySelector("[data-testid=flash]")!.TextContent, StringComparison.Ordinal);
        var row = page.QuerySelectorAll("[data-testid=user-table] tbody tr").Single(r => r.TextContent.Contains(userName, StringComparison.Ordinal));
        Assert.Contains("Reviewer", row.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsersPage_WeakPassword_ShowsErrorAndKeepsUserName()
    {
        using var session = await PortalSession.SignInAsync(factory, "admin", AppFactory.AdminPassword);

        var response = await session.SubmitAsync("/users", "create-user", new() { ["Input.UserName"] = "weakling", ["Input.Password"] = "short" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var page = await PortalSession.ParseAsync(response);
        Assert.Equal("weakling", page.QuerySelector("#userName")!.GetAttribute("value"));
        Assert.Contains("is-invalid", page.QuerySelector("#password")!.ClassName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserEditPage_Disable_EndsTheirSession()
    {
        using var user = await factory.CreateUserAsync(Roles.Viewer);
        using var theirSession = await PortalSession.SignInAsync(factory, user.UserName, user.Password);
        using var admin = await PortalSession.SignInAsync(factory, "admin", AppFactory.AdminPassword);

        var response = await admin.SubmitAsync($"/users/{user.Id}", "edit-user", new() { ["Input.IsDisabled"] = "true", ["Input.Roles.Viewer"] = "true" });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await theirSession.GetAsync("/servers")).StatusCode);
    }

    [Fact]
    public async Task TokensPage_CreateShowsSecretOnceAndItWorks_RevokeStopsIt()
    {
        using var user = await factory.CreateUserAsync(Roles.Operator);
        using var session = await PortalSession.SignInAsync(factory, user.UserName, user.Password);

        var created = await session.SubmitAsync("/account/tokens", "create-token", new() { ["Input.Name"] = "from-the-portal" });

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var page = await PortalSession.ParseAsync(created);
        var secret = page.QuerySelector("[data-testid=new-token] code")!.TextContent.Trim();
        Assert.StartsWith("bsc_", secret, StringComparison.Ordinal);
        using var api = factory.CreateApiClient(secret);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/servers")).StatusCode);

        var again = await session.GetPageAsync("/account/tokens");
        Assert.Null(again.QuerySelector("[data-testid=new-token]"));
        Assert.DoesNotContain(secret, again.DocumentElement.OuterHtml, StringComparison.Ordinal);

        var tokens = await user.Api.GetFromJsonAsync<List<ApiTokenDto>>("/api/v1/tokens");
        var id = tokens!.Single(t => t.Name == "from-the-portal").Id;
        var revoked = await session.SubmitAsync("/account/tokens", $"revoke-{id}", []);
        Assert.Equal(HttpStatusCode.Redirect, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/servers")).StatusCode);
    }

    [Fact]
    public async Task ServerDetails_AsViewer_HasNoEditOrDeleteButtons()
    {
        using var api = factory.CreateApiClient();
        var server = await (await api.PostAsJsonAsync("/api/v1/servers", new { name = "ro" + Guid.NewGuid().ToString("N")[..6], hostname = "ro.example.com", platform = "postfix" })).Content.ReadFromJsonAsync<ServerDto>();
        using var viewer = await factory.CreateUserAsync(Roles.Viewer);
        using var operatorUser = await factory.CreateUserAsync(Roles.Operator);
        using var viewerSession = await PortalSession.SignInAsync(factory, viewer.UserName, viewer.Password);
        using var operatorSession = await PortalSession.SignInAsync(factory, operatorUser.UserName, operatorUser.Password);

        var asViewer = await viewerSession.GetPageAsync($"/servers/{server!.Id}");
        var asOperator = await operatorSession.GetPageAsync($"/servers/{server.Id}");

        Assert.Null(asViewer.QuerySelector("[data-testid=edit-server]"));
        Assert.Null(asViewer.QuerySelector("[data-testid=delete-server]"));
        Assert.Null((await viewerSession.GetPageAsync("/servers")).QuerySelector("[data-testid=add-server]"));
        Assert.NotNull(asOperator.QuerySelector("[data-testid=edit-server]"));
        Assert.Equal(HttpStatusCode.Redirect, (await viewerSession.GetAsync($"/servers/{server.Id}/delete")).StatusCode);
    }
}
