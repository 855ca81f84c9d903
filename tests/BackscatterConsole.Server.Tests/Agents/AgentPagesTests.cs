using System.Net;
using System.Net.Http.Json;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Shared.Users;

namespace BackscatterConsole.Server.Tests.Agents;

public sealed class AgentPagesTests(AppFactory factory) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task AgentPage_CreateEnrollmentShowsTokenAndCommandOnce_RevokeNeedsAnAgent()
    {
        using var api = factory.CreateApiClient();
        var server = await (await api.PostAsJsonAsync("/api/v1/servers", new { name = "ag-" + Guid.NewGuid().ToString("N")[..6], hostname = "mx.example.com", platform = "postfix" })).Content.ReadFromJsonAsync<ServerDto>();
        using var session = await PortalSession.SignInAsync(factory, "admin", AppFactory.AdminPassword);

        var created = await session.SubmitAsync($"/servers/{server!.Id}/agent", "create-enrollment", []);

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var page = await PortalSession.ParseAsync(created);
        var token = page.QuerySelector("#enrollment-token")!.TextContent.Trim();
        Assert.StartsWith("bsce_", token, StringComparison.Ordinal);
        Assert.Contains($"--Agent:EnrollmentToken={token}", page.QuerySelector("#agent-command")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(AgentStatusDto.NeverConnected, page.QuerySelector("[data-testid=agent-status]")!.GetAttribute("data-status"));
        Assert.Null(page.QuerySelector("[data-testid=revoke-agent]"));
        Assert.NotNull(page.QuerySelector("[data-testid=no-snapshot]"));

        var again = await session.GetPageAsync($"/servers/{server.Id}/agent");
        Assert.Null(again.QuerySelector("[data-testid=enrollment-token]"));
    }

    [Fact]
    public async Task AgentPage_AsViewer_ShowsStatusWithoutEnrollOrRevoke()
    {
        using var api = factory.CreateApiClient();
        var server = await (await api.PostAsJsonAsync("/api/v1/servers", new { name = "agv-" + Guid.NewGuid().ToString("N")[..6], hostname = "mx.example.com", platform = "postfix" })).Content.ReadFromJsonAsync<ServerDto>();
        using var viewer = await factory.CreateUserAsync(Roles.Viewer);
        using var session = await PortalSession.SignInAsync(factory, viewer.UserName, viewer.Password);

        var page = await session.GetPageAsync($"/servers/{server!.Id}/agent");

        Assert.NotNull(page.QuerySelector("[data-testid=agent-status]"));
        Assert.Null(page.QuerySelector("[data-testid=create-enrollment]"));
    }

    [Fact]
    public async Task AgentPage_EnrolledAgentNotConnected_CollectNowIsDisabledAndAPostSaysWhy()
    {
        using var api = factory.CreateApiClient();
        var server = await (await api.PostAsJsonAsync("/api/v1/servers", new { name = "agc-" + Guid.NewGuid().ToString("N")[..6], hostname = "mx.example.com", platform = "postfix" })).Content.ReadFromJsonAsync<ServerDto>();
        var enrollment = await (await api.PostAsJsonAsync($"/api/v1/servers/{server!.Id}/agent-enrollments", new { })).Content.ReadFromJsonAsync<AgentEnrollmentDto>();
        using var anonymous = factory.CreateClient();
        (await anonymous.PostAsJsonAsync("/api/v1/agents/enroll", new EnrollmentRequest(enrollment!.Token, "mx.example.com", AgentConnectorKind.Postfix, "1.0.0", "Debian 12"))).EnsureSuccessStatusCode();
        using var session = await PortalSession.SignInAsync(factory, "admin", AppFactory.AdminPassword);

        var page = await session.GetPageAsync($"/servers/{server.Id}/agent");
        Assert.True(page.QuerySelector("[data-testid=request-snapshot]")!.HasAttribute("disabled"));

        var posted = await session.SubmitAsync($"/servers/{server.Id}/agent", "request-snapshot", []);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var after = await session.GetPageAsync(posted.Headers.Location!.ToString());
        Assert.Contains("is not connected", after.QuerySelector("[data-testid=flash]")!.TextContent, StringComparison.Ordinal);
    }
}
