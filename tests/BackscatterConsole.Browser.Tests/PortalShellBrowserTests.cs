using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace BackscatterConsole.Browser.Tests;

/// <summary>The portal's shell: sign-in and sign-out, the theme choice, a console restart under an open page, accessibility.</summary>
public sealed class PortalShellBrowserTests(PortalFixture portal) : IClassFixture<PortalFixture>
{
    [Fact]
    public async Task SignIn_WrongPasswordThenRight_KeepsTheUserNameAndSignsOutAgain()
    {
        var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = portal.BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/servers");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        await portal.AssertAccessibleAsync(page, "sign-in");

        await page.FillAsync("#userName", "admin");
        await page.FillAsync("#password", "wrong-password");
        await page.ClickAsync("[data-testid=sign-in]");
        await Assertions.Expect(page.Locator("[data-testid=login-error]")).ToHaveTextAsync("The user name or password is wrong.");
        await Assertions.Expect(page.Locator("#userName")).ToHaveValueAsync("admin");

        await page.FillAsync("#password", PortalFixture.AdminPassword);
        await page.ClickAsync("[data-testid=sign-in]");
        await page.WaitForURLAsync("**/servers", new PageWaitForURLOptions { Timeout = 45_000 });
        await PortalFixture.WaitForPortalAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=current-user]")).ToContainTextAsync("admin");

        await page.ClickAsync("[data-testid=current-user] button");
        await page.ClickAsync("[data-testid=sign-out]");
        await page.WaitForURLAsync("**/account/login?signedOut=1");
        await page.GotoAsync("/servers");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        await context.CloseAsync();
    }

    [Fact]
    public async Task Theme_DarkChosen_PersistsAcrossAReloadAndANewBrowser()
    {
        var page = await portal.SignedInPageAsync();
        await page.ClickAsync("[data-testid=theme-menu] button");
        await page.ClickAsync("[data-testid=theme-dark]");
        await Assertions.Expect(page.Locator(".mud-layout")).ToBeVisibleAsync();
        await WaitForDarkAsync(page, dark: true);
        await portal.AssertAccessibleAsync(page, "inventory-dark");
        await portal.ScreenshotAsync(page, "inventory-dark");

        await page.ReloadAsync();
        await PortalFixture.WaitForPortalAsync(page);
        await WaitForDarkAsync(page, dark: true);

        // The choice belongs to the account, so another browser (light by its own preference) shows it too.
        var other = await portal.SignedInPageAsync();
        await WaitForDarkAsync(other, dark: true);

        await other.ClickAsync("[data-testid=theme-menu] button");
        await other.ClickAsync("[data-testid=theme-light]");
        await WaitForDarkAsync(other, dark: false);
    }

    [Fact]
    public async Task ServerRestart_WhilePageOpen_ShowsTheReconnectDialogAndBringsTheUserBackToThePage()
    {
        var data = Path.Combine(Path.GetTempPath(), "bsc-restart-" + Guid.NewGuid().ToString("N"));
        await using var console = new ConsoleProcess(data);
        try
        {
            await console.StartAsync();
            var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = console.BaseAddress.ToString() });
            context.SetDefaultTimeout(30_000);
            var page = await context.NewPageAsync();
            await PortalFixture.SignInAsync(page, "admin", PortalFixture.AdminPassword);
            await page.GotoAsync("servers?q=nothing-matches&sort=-name");
            await PortalFixture.WaitForPortalAsync(page);
            await Assertions.Expect(page.Locator("[data-testid=server-count]")).ToHaveTextAsync("0 servers");

            await console.StopAsync();
            await Assertions.Expect(page.Locator("#components-reconnect-modal")).ToBeVisibleAsync();
            await portal.ScreenshotAsync(page, "reconnect-dialog");

            // The new process does not know the old circuit: Blazor's reconnect is rejected and the page reloads itself.
            await console.StartAsync();
            await Assertions.Expect(page.Locator("[data-testid=server-count]")).ToHaveTextAsync("0 servers", new() { Timeout = 60_000 });
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("servers\\?q=nothing-matches&sort=-name$"));
            await Assertions.Expect(page.Locator("#components-reconnect-modal")).Not.ToBeVisibleAsync();
            await context.CloseAsync();
        }
        finally
        {
            await console.StopAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    // MudBlazor writes the palette as CSS variables; the dark background is the theme's #12151b.
    private static async Task WaitForDarkAsync(IPage page, bool dark)
    {
        var expected = dark ? "rgb(18, 21, 27)" : "rgb(244, 246, 250)";
        await Assertions.Expect(page.Locator("body")).ToHaveCSSAsync("background-color", expected);
    }
}
