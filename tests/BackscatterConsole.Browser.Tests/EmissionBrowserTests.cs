using System.Net.Http.Json;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Checks;
using Microsoft.Playwright;

namespace BackscatterConsole.Browser.Tests;

/// <summary>
/// The server page's bounce emission card in a real browser: an agent's report drawn as bars, the likely causes with their
/// fix, the range switch; axe in light and dark. It switches the admin's theme and puts back what it found.
/// </summary>
[Collection(PortalCollections.Inventory)]
public sealed class EmissionBrowserTests(PortalFixture portal)
{
    [Fact]
    public async Task EmissionCard_AgentReportsBounces_ShowsBarsAndCausesAndIsAccessibleInLightAndDark()
    {
        using var api = portal.CreateApiClient();
        var themeBefore = (await api.GetFromJsonAsync<BackscatterConsole.Shared.Users.AccountPreferencesDto>("/api/v1/account/preferences"))!.Theme;
        var (server, enrolled) = await ChangeSetup.ServerWithAgentAsync(api, "emitting");
        await using var agent = new ScriptedAgent(portal.BaseAddress, enrolled);
        await agent.ConnectAsync(hello: false);
        var now = DateTimeOffset.UtcNow;
        var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        await agent.ReportEmissionAsync(new EmissionReport(
            enrolled.AgentId,
            now,
            ["example.com"],
            new QueueEmission(5, 2, 2, 900, [new DomainCount("forged.example.org", 2)], ["4A1B2C3D4E", "4A1B2C3D4F"]),
            null,
            [
                new EmissionHour(hour.AddHours(-3), 9, 0, 1, 10, 8, [new DomainCount("forged.example.org", 8)], 0),
                new EmissionHour(hour.AddHours(-1), 4, 0, 0, 4, 4, [new DomainCount("victim.example.net", 4)], 0),
                new EmissionHour(hour, 0, 0, 0, 0, 0, [], 0),
            ],
            new LogScanState("/var/log/mail.log", 4096, 1, hour.AddHours(-5), now),
            null));

        // A scan of the server's settings (soft_bounce = yes) gives the card a cause to name.
        var scan = await (await api.PostAsync($"/api/v1/servers/{server.Id}/scans", null)).Content.ReadFromJsonAsync<ScanIdDto>();
        for (var i = 0; i < 300 && (await api.GetFromJsonAsync<ScanDto>($"/api/v1/scans/{scan!.Id}"))!.Status != ScanStatuses.Completed; i++)
        {
            await Task.Delay(100);
        }

        foreach (var theme in new[] { "light", "dark" })
        {
            await ChangeSetup.ThemeAsync(api, theme);
            var page = await portal.SignedInPageAsync();
            await page.GotoAsync($"/servers/{server.Id}");
            await PortalFixture.WaitForPortalAsync(page);
            var card = page.Locator("[data-testid=bounce-emission]");
            await Expect(card).ToHaveAttributeAsync("data-state", "emitting");
            await Expect(page.Locator("[data-testid=emission-to-foreign]")).ToHaveTextAsync("12");
            await Expect(page.Locator("[data-testid=emission-bar]")).ToHaveCountAsync(3);
            await Expect(page.Locator("[data-testid=emission-cause][data-check='mta.bounce-hygiene'] [data-testid=emission-cause-propose]")).ToBeVisibleAsync();
            await portal.AssertAccessibleAsync(page, $"emission-{theme}");
            await portal.ScreenshotAsync(page, $"emission-{theme}");

            await page.ClickAsync("[data-testid=emission-range-7d]");
            await Expect(page.Locator("[data-testid=emission-range-7d]")).ToHaveAttributeAsync("aria-pressed", "true");
            await Expect(page.Locator("[data-testid=emission-gap]")).ToHaveCountAsync((7 * 24) - 3);
        }

        await CauseLinkOpensTheFilledFormAsync(api, server.Id);
        await ChangeSetup.ThemeAsync(api, themeBefore);
    }

    private async Task CauseLinkOpensTheFilledFormAsync(HttpClient api, Guid serverId)
    {
        await ChangeSetup.ThemeAsync(api, "light");
        var page = await portal.SignedInPageAsync();
        await page.GotoAsync($"/servers/{serverId}");
        await PortalFixture.WaitForPortalAsync(page);
        await page.ClickAsync("[data-testid=emission-cause][data-check='mta.bounce-hygiene'] [data-testid=emission-cause-propose]");
        await page.WaitForURLAsync("**/change-requests/new?**");
        await PortalFixture.WaitForPortalAsync(page);
        await Expect(page.Locator("textarea[data-testid=cr-items], [data-testid=cr-items] textarea")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex(": mta.bounce-hygiene$"));
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private sealed record ScanIdDto(Guid Id);
}
