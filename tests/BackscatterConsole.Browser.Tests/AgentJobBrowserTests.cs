using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Jobs;
using Microsoft.Playwright;

namespace BackscatterConsole.Browser.Tests;

/// <summary>The agent page and the job page follow the agent live: presence, each step, the end and the verification.</summary>
[Collection(PortalCollections.Workflow)]
public sealed class AgentJobBrowserTests(PortalFixture portal)
{
    [Fact]
    public async Task AgentPage_AgentConnectsAndLeaves_PresenceFollowsWithoutReload()
    {
        using var api = portal.CreateApiClient();
        var (server, enrolled) = await ChangeSetup.ServerWithAgentAsync(api, "live-agent");
        var page = await portal.SignedInPageAsync();
        await page.GotoAsync($"/servers/{server.Id}/agent");
        await PortalFixture.WaitForPortalAsync(page);
        await Expect(page.Locator("[data-testid=agent-status]")).ToHaveAttributeAsync("data-status", AgentStatusDto.NeverConnected);
        await page.EvaluateAsync("() => { window.sameDocument = true; }");

        await using var agent = new ScriptedAgent(portal.BaseAddress, enrolled);
        await agent.ConnectAsync(hello: false);
        await Expect(page.Locator("[data-testid=agent-status]")).ToHaveAttributeAsync("data-status", AgentStatusDto.Online);
        await portal.ScreenshotAsync(page, "agent-online");

        await agent.DisconnectAsync();
        await Expect(page.Locator("[data-testid=agent-status]")).ToHaveAttributeAsync("data-status", AgentStatusDto.Offline);
        Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"));
    }

    [Fact]
    public async Task JobPage_AgentWorksThroughTheSteps_PageFollowsLiveAndShowsTheVerification()
    {
        using var api = portal.CreateApiClient();
        var (server, enrolled) = await ChangeSetup.ServerWithAgentAsync(api, "live-job");
        var job = await ChangeSetup.ApplyThroughReviewAsync(api, portal.BaseAddress, server.Id, "mta.bounce-hygiene");
        var page = await portal.SignedInPageAsync();
        await page.GotoAsync($"/jobs/{job.Id}");
        await PortalFixture.WaitForPortalAsync(page);
        await Expect(page.Locator("[data-testid=job]")).ToHaveAttributeAsync("data-state", JobStates.Queued);
        await Expect(page.Locator("[data-testid=waiting-for-agent]")).ToBeVisibleAsync();
        await page.EvaluateAsync("() => { window.sameDocument = true; }");

        await using var agent = new ScriptedAgent(portal.BaseAddress, enrolled);
        await agent.ConnectAsync();

        await Expect(page.Locator("[data-testid=job-step][data-step=plan]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=job]")).ToHaveAttributeAsync("data-state", JobStates.Succeeded);
        await Expect(page.Locator("[data-testid=job-step][data-step-state=succeeded]")).ToHaveCountAsync(4);
        await Expect(page.Locator("[data-testid=verification-result][data-check-id='mta.bounce-hygiene']")).ToHaveAttributeAsync("data-status", "pass");
        await Expect(page.Locator("[data-testid=diff-row][data-setting=soft_bounce] [data-testid=diff-current]")).ToHaveTextAsync("yes");

        // A step's output opens in its panel.
        await page.Locator("[data-testid=job-step][data-step=reload] .mud-expand-panel-header").ClickAsync();
        await Expect(page.Locator("[data-testid=job-step][data-step=reload] [data-testid=step-output]")).ToHaveTextAsync("reload: ok");
        Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"));
        await portal.ScreenshotAsync(page, "job-live");
    }

    [Fact]
    public async Task AgentAndJobPages_InLightAndDark_HaveNoSeriousAccessibilityViolation()
    {
        using var api = portal.CreateApiClient();
        var (server, _) = await ChangeSetup.ServerWithAgentAsync(api, "axe-agent");
        var dryRun = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(api, "/api/v1/jobs", new { serverId = server.Id, checkIds = new[] { "mta.bounce-hygiene" }, dryRun = true });
        dryRun.EnsureSuccessStatusCode();
        var job = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<JobDto>(dryRun.Content))!;

        foreach (var theme in new[] { "light", "dark" })
        {
            await ChangeSetup.ThemeAsync(api, theme);
            var page = await portal.SignedInPageAsync();
            await page.GotoAsync($"/servers/{server.Id}/agent");
            await PortalFixture.WaitForPortalAsync(page);
            await page.ClickAsync("[data-testid=create-enrollment]");
            await Expect(page.Locator("[data-testid=enrollment-token-value]")).ToContainTextAsync("bsce_");
            await portal.AssertAccessibleAsync(page, $"agent-{theme}");
            await portal.ScreenshotAsync(page, $"agent-{theme}");

            await page.ClickAsync("[data-testid=revoke-agent]");
            await Expect(page.Locator("[data-testid=confirm-dialog]")).ToBeVisibleAsync();
            await portal.AssertAccessibleAsync(page, $"agent-revoke-dialog-{theme}");
            await page.ClickAsync("[data-testid=confirm-cancel]");

            await page.GotoAsync($"/jobs/{job.Id}");
            await PortalFixture.WaitForPortalAsync(page);
            await Expect(page.Locator("[data-testid=job]")).ToBeVisibleAsync();
            await portal.AssertAccessibleAsync(page, $"job-{theme}");
            await portal.ScreenshotAsync(page, $"job-{theme}");
            await page.Context.CloseAsync();
        }

        await ChangeSetup.ThemeAsync(api, "light");
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
