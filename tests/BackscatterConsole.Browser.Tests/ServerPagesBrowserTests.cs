using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace BackscatterConsole.Browser.Tests;

/// <summary>Adding, editing and deleting a server through the portal, as an operator does it.</summary>
public sealed class ServerPagesBrowserTests(PortalFixture portal) : IClassFixture<PortalFixture>
{
    [Fact]
    public async Task AddServer_InvalidThenFixed_EditThenDeleteThroughTheDialog()
    {
        var name = "journey-" + Guid.NewGuid().ToString("N")[..6];
        var page = await portal.SignedInPageAsync();
        var errors = page.CollectConsoleErrors();

        // Add: the service's errors land on their fields and nothing typed is lost.
        await page.ClickAsync("[data-testid=add-server]");
        await page.WaitForURLAsync("**/servers/new");
        await page.Field("server-name").FillAsync(name);
        await page.Field("server-hostname").FillAsync("not a host!");
        await page.Field("smtp-port").FillAsync("abc");
        await page.Field("domain-name").FillAsync("bad..domain");
        await page.ClickAsync("[data-testid=save-server]");
        await Assertions.Expect(page.Locator("[data-testid=form-error]")).ToBeVisibleAsync();
        await Assertions.Expect(page.FieldControl("server-hostname")).ToContainTextAsync("is not a valid hostname");
        await Assertions.Expect(page.FieldControl("smtp-port")).ToContainTextAsync("'abc' is not a port number");
        await Assertions.Expect(page.FieldControl("domain-name")).ToContainTextAsync("is not a valid domain name");
        await Assertions.Expect(page.Field("server-name")).ToHaveValueAsync(name);
        await Assertions.Expect(page.Field("smtp-port")).ToHaveValueAsync("abc");
        await portal.AssertAccessibleInBothThemesAsync(page, "server-editor-errors");

        await page.Field("server-hostname").FillAsync("mx.journey.test");
        await page.Field("smtp-port").FillAsync("2525");
        await page.Field("domain-name").FillAsync("journey.test");
        await page.Field("domain-selectors").FillAsync("s1, s2");
        await page.Field("tag-input").FillAsync("prod");
        await page.Field("tag-input").PressAsync("Enter");
        await Assertions.Expect(page.Locator("[data-testid=tag]")).ToHaveTextAsync(["prod"]);
        await page.ClickAsync("[data-testid=save-server]");
        await page.WaitForURLAsync(new Regex("/servers/[0-9a-f-]{36}$"));
        await Assertions.Expect(page.Locator("h1, .page-title").First).ToHaveTextAsync(name);
        await Assertions.Expect(page.Locator("[data-testid=domain-table]")).ToContainTextAsync("s1, s2");
        var serverId = Guid.Parse(page.Url[^36..]);
        await portal.AssertAccessibleInBothThemesAsync(page, "server-page-new");

        // Edit.
        await page.ClickAsync("[data-testid=edit-server]");
        await page.WaitForURLAsync($"**/servers/{serverId}/edit");
        await Assertions.Expect(page.Field("server-hostname")).ToHaveValueAsync("mx.journey.test");
        await page.Field("server-hostname").FillAsync("mx2.journey.test");
        await page.ClickAsync("[data-testid=save-server]");
        await page.WaitForURLAsync($"**/servers/{serverId}");
        await Assertions.Expect(page.Locator("[data-testid=server-details]")).ToContainTextAsync("revision 2");
        await Assertions.Expect(page.Locator("code", new PageLocatorOptions { HasText = "mx2.journey.test" }).First).ToBeVisibleAsync();

        // Delete through the dialog: cancel first, then confirm.
        await page.ClickAsync("[data-testid=delete-server]");
        await Assertions.Expect(page.Locator("[data-testid=confirm-dialog]")).ToContainTextAsync(name);
        await page.SettleSnackbarsAsync();
        await portal.AssertAccessibleAsync(page, "delete-dialog");
        await page.ClickAsync("[data-testid=confirm-cancel]");
        await Assertions.Expect(page.Locator("[data-testid=confirm-dialog]")).ToHaveCountAsync(0);
        await page.ClickAsync("[data-testid=delete-server]");
        await page.ClickAsync("[data-testid=confirm-ok]");
        await page.WaitForURLAsync("**/servers");
        using var api = portal.CreateApiClient();
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/servers/{serverId}")).StatusCode);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task OldDeleteAddress_OpensTheDialogOnTheServerPage()
    {
        using var api = portal.CreateApiClient();
        var created = await api.PostAsJsonAsync("/api/v1/servers", new { name = "old-" + Guid.NewGuid().ToString("N")[..6], hostname = "mx.old.test", platform = "postfix" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<IdOnly>())!.Id;
        var page = await portal.SignedInPageAsync();

        await page.GotoAsync($"/servers/{id}/delete");
        await PortalFixture.WaitForPortalAsync(page);

        await Assertions.Expect(page.Locator("[data-testid=confirm-dialog]")).ToBeVisibleAsync();
        await page.ClickAsync("[data-testid=confirm-cancel]");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/servers/{id}$"));
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/v1/servers/{id}")).StatusCode);
    }

    private sealed record IdOnly(Guid Id);
}
