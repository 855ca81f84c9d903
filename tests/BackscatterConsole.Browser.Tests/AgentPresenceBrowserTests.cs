using System.Net.Http.Json;
using BackscatterConsole.Agent.Transport;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Servers;

namespace BackscatterConsole.Browser.Tests;

public sealed class AgentPresenceBrowserTests(PortalFixture portal) : IClassFixture<PortalFixture>
{
    [Fact]
    public async Task AgentPage_AgentConnects_StatusTurnsOnlineWithoutReload()
    {
        using var api = portal.CreateApiClient();
        var server = (await (await api.PostAsJsonAsync("/api/v1/servers", new { name = "live-agent", hostname = "mx.example.com", platform = "postfix" })).Content.ReadFromJsonAsync<ServerDto>())!;
        var enrollment = (await (await api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/agent-enrollments", new { })).Content.ReadFromJsonAsync<AgentEnrollmentDto>())!;
        var enrolled = (await (await api.PostAsJsonAsync(AgentHub.EnrollPath, new EnrollmentRequest(enrollment.Token, "mx.example.com", AgentConnectorKind.Postfix, "1.0", "Debian"))).Content.ReadFromJsonAsync<EnrollmentResponse>())!;

        var page = await portal.SignedInPageAsync();
        await page.GotoAsync($"/servers/{server.Id}/agent");
        await page.WaitForSelectorAsync("#agent-live[data-live-connected='true']");
        Assert.Equal(AgentStatusDto.NeverConnected, await page.GetAttributeAsync("[data-testid=agent-status]", "data-status"));
        await page.EvaluateAsync("() => { window.sameDocument = true; }");

        await using var agent = new AgentHubConnection(
            new Uri(portal.BaseAddress, AgentHub.Path),
            () => Task.FromResult<string?>(enrolled.Credential),
            new ReconnectBackoff(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)));
        await agent.StartAsync();

        await page.WaitForSelectorAsync($"[data-testid=agent-status][data-status='{AgentStatusDto.Online}']");
        Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"));
        await portal.ScreenshotAsync(page, "30-agent-online");
    }
}
