using System.Net.Http.Json;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Servers;
using Microsoft.Playwright;

namespace BackscatterConsole.Browser.Tests;

/// <summary>The inventory grid with 200 servers: filtering, sorting and paging done by the server, and the view kept in the address.</summary>
[Collection(PortalCollections.Inventory)]
public sealed class InventoryBrowserTests(PortalFixture portal) : IAsyncLifetime
{
    private static readonly string[] Platforms = [MailPlatforms.Postfix, MailPlatforms.Zimbra, MailPlatforms.Carbonio, MailPlatforms.MailEnable];

    public async Task InitializeAsync()
    {
        using var api = portal.CreateApiClient();
        var existing = await api.GetFromJsonAsync<PagedResult<ServerDto>>("/api/v1/servers?q=fleet.example&pageSize=1");
        if (existing!.Total >= 200)
        {
            return;
        }

        for (var i = 0; i < 200; i++)
        {
            var name = $"mx-{i:000}";
            var response = await api.PostAsJsonAsync("/api/v1/servers", new
            {
                name,
                hostname = $"{name}.fleet.example",
                platform = Platforms[i % Platforms.Length],
                domains = new[] { new { name = $"d{i:000}.example", dkimSelectors = Array.Empty<string>() } },
                tags = i % 10 == 0 ? new[] { "tenth" } : [],
            });
            response.EnsureSuccessStatusCode();
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Grid_FilterSortAndPage_ShowTheServersTheApiReturnsAndSurviveAReload()
    {
        // Other tests in the collection add servers of their own: this one looks at its fleet through the text search.
        var page = await portal.SignedInPageAsync();
        await page.GotoAsync("/servers?q=fleet.example");
        await PortalFixture.WaitForPortalAsync(page);
        await Expect(page.Locator("[data-testid=server-count]")).ToHaveTextAsync("200 servers");
        await portal.AssertAccessibleAsync(page, "inventory");

        // Filter by platform through the select.
        await page.ClickAsync("[data-testid=filter-platform]");
        await page.Locator(".mud-popover-open .mud-list-item", new PageLocatorOptions { HasText = "Zimbra" }).ClickAsync();
        await Expect(page.Locator("[data-testid=server-count]")).ToHaveTextAsync("50 servers");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("q=fleet.example.*platform=zimbra|platform=zimbra.*q=fleet.example"));

        // Sort by name, descending (two clicks on the header).
        var nameHeader = page.Locator(".mud-table-head th", new PageLocatorOptions { HasText = "Name" }).Locator(".column-header, .sortable-column-header").First;
        await nameHeader.ClickAsync();
        await nameHeader.ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("sort=-name"));

        // The second page of 25.
        await page.Locator("button[aria-label='Next page'], .mud-table-pagination-actions button").Nth(2).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("page=2"));
        var expected = await ExpectedNamesAsync("servers?q=fleet.example&platform=zimbra&sort=-name&page=2&pageSize=25");
        await Expect(page.Locator("[data-testid=server-link]")).ToHaveTextAsync(expected);

        // The address is the view: a reload (or a bookmark) shows the same rows.
        await page.ReloadAsync();
        await PortalFixture.WaitForPortalAsync(page);
        await Expect(page.Locator("[data-testid=server-link]")).ToHaveTextAsync(expected);

        // Text search narrows it down further, the count follows.
        await page.FillAsync("[data-testid=search] input, input[data-testid=search]", "mx-00");
        await Expect(page.Locator("[data-testid=server-count]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d servers?$"));
        await portal.ScreenshotAsync(page, "inventory-filtered");
    }

    [Fact]
    public async Task Grid_TagFilterInTheAddress_IsAppliedOnFirstLoad()
    {
        var page = await portal.SignedInPageAsync();
        await page.GotoAsync("/servers?tag=tenth&sort=-hostname");
        await PortalFixture.WaitForPortalAsync(page);

        await Expect(page.Locator("[data-testid=server-count]")).ToHaveTextAsync("20 servers");
        var expected = await ExpectedNamesAsync("servers?tag=tenth&sort=-hostname&pageSize=25");
        await Expect(page.Locator("[data-testid=server-link]")).ToHaveTextAsync(expected);
    }

    private async Task<string[]> ExpectedNamesAsync(string query)
    {
        using var api = portal.CreateApiClient();
        var result = await api.GetFromJsonAsync<PagedResult<ServerDto>>("/api/v1/" + query);
        return result!.Items.Select(s => s.Name).ToArray();
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private static IPageAssertions Expect(IPage page) => Assertions.Expect(page);
}
