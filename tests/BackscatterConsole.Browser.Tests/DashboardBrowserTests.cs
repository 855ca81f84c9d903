using System.Net.Http.Json;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Fleet;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace BackscatterConsole.Browser.Tests;

/// <summary>The fleet dashboard on seeded history: figures, charts, links into the inventory, both themes.</summary>
public sealed class DashboardBrowserTests(PortalFixture portal) : IClassFixture<PortalFixture>
{
    [Fact]
    public async Task Dashboard_SeededHistory_ShowsTheFleetAndLinksIntoTheFilteredInventory()
    {
        using var api = portal.CreateApiClient();
        var emitter = await CreateAsync(api, "emitter");
        var listed = await CreateAsync(api, "listed");
        var calm = await CreateAsync(api, "calm");
        await SeedAsync(async db =>
        {
            var now = DateTime.UtcNow;
            for (var day = 29; day >= 1; day--)
            {
                await FleetHistory.AddScanAsync(db, emitter.Id, now.AddDays(-day), 30 + day, false, ("smtp.unknown-recipient", "fail"));
                await FleetHistory.AddScanAsync(db, calm.Id, now.AddDays(-day), 10, false);
                await FleetHistory.AddEmissionHourAsync(db, emitter.Id, now.AddDays(-day), 20 + day, day % 3 == 0 ? 0 : day);
            }

            await FleetHistory.AddScanAsync(db, emitter.Id, now.AddMinutes(-30), 88, true, ("smtp.unknown-recipient", "fail"), ("smtp.bounce-emission", "fail"));
            await FleetHistory.AddScanAsync(db, listed.Id, now.AddMinutes(-30), 42, true, (FleetCheckIds.DnsblListing, "fail"), ("spf.record", "warn"));
            await FleetHistory.AddScanAsync(db, calm.Id, now.AddMinutes(-30), 8, true, ("spf.record", "pass"));
            await FleetHistory.AddEmissionHourAsync(db, emitter.Id, now.AddHours(-1), 14, 11);
        });

        var page = await portal.SignedInPageAsync();
        await page.GotoAsync("/");
        await PortalFixture.WaitForPortalAsync(page);

        await Expect(page.Locator("[data-testid=figure-servers] [data-testid=figure-value]")).ToHaveTextAsync("3");
        await Expect(page.Locator("[data-testid=figure-emitting] [data-testid=figure-value]")).ToHaveTextAsync("1");
        await Expect(page.Locator("[data-testid=figure-listed] [data-testid=figure-value]")).ToHaveTextAsync("1");
        await Expect(page.Locator("[data-testid=emitting-server]")).ToContainTextAsync(emitter.Name);
        await Expect(page.Locator("[data-testid=listed-server]")).ToContainTextAsync(listed.Name);
        await Expect(page.Locator("[data-testid=risk-trend-chart] svg")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=emission-trend-chart] svg")).ToBeVisibleAsync();
        await portal.AssertAccessibleAsync(page, "dashboard-light");
        await portal.ScreenshotAsync(page, "dashboard-light");

        await page.Locator("[data-testid=trend-7]").ClickAsync();
        await Expect(page.Locator("[data-testid=risk-trend-chart]")).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("last 7 days"));

        await page.Locator("[data-testid=figure-emitting] a").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("servers\\?emitting=true"));
        await Expect(page.Locator("[data-testid=server-count]")).ToHaveTextAsync("1 server");
        await Expect(page.Locator("[data-testid=filter-emitting]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=server-link]")).ToHaveTextAsync(emitter.Name);

        await page.GotoAsync("/");
        await PortalFixture.WaitForPortalAsync(page);
        await page.Locator("[data-testid=failing-check][data-check-id='spf.record'] a").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("check=spf.record"));
        await Expect(page.Locator("[data-testid=server-link]")).ToHaveTextAsync(listed.Name);

        await page.Locator("[data-testid=theme-menu] button").ClickAsync();
        await page.Locator("[data-testid=theme-dark]").ClickAsync();
        await page.GotoAsync("/");
        await PortalFixture.WaitForPortalAsync(page);
        await Expect(page.Locator("[data-testid=emission-trend-chart] svg")).ToBeVisibleAsync();
        await portal.AssertAccessibleAsync(page, "dashboard-dark");
        await portal.ScreenshotAsync(page, "dashboard-dark");
    }

    private static async Task<ServerDto> CreateAsync(HttpClient api, string prefix)
    {
        var name = prefix + "-" + Guid.NewGuid().ToString("N")[..4];
        var response = await api.PostAsJsonAsync("/api/v1/servers", new { name, hostname = $"{name}.example.com", platform = "postfix" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ServerDto>())!;
    }

    private async Task SeedAsync(Func<AppDbContext, Task> seed)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        await seed(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }
}
