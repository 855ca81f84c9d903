using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using BackscatterConsole.Shared.Users;
using Microsoft.Playwright;

namespace BackscatterConsole.Browser.Tests;

/// <summary>
/// The static change-password page, and open portal pages losing their session when the account changes elsewhere:
/// the portal re-checks its user every <see cref="PortalFixture.RevalidationInterval"/> (one second in these tests).
/// </summary>
[Collection(PortalCollections.Workflow)]
public sealed class AccountSessionBrowserTests(PortalFixture portal)
{
    // Revalidation runs every second; the rest is the circuit noticing, the forced load and the static sign-in page.
    private static readonly TimeSpan SignInPageBound = PortalFixture.RevalidationInterval + TimeSpan.FromSeconds(9);

    [Fact]
    public async Task ChangePassword_OnTheStaticPage_KeepsThisSessionAndTheNewPasswordSignsIn()
    {
        var (user, password) = await TestAccounts.CreateAsync(portal, Roles.Viewer);
        var userName = user.UserName;
        var page = await portal.SignedInPageAsync(userName, password);

        // The user menu opens it with a full load: the page is static and refreshes the sign-in cookie.
        await page.ClickAsync("[data-testid=current-user] button");
        await page.ClickAsync(".mud-popover-open >> text=Change password");
        await Expect(page).ToHaveURLAsync(new Regex("/account/password$"));
        await Expect(page.Locator("h1")).ToHaveTextAsync("Change password");
        await Expect(page.Locator("body")).ToHaveCSSAsync("background-color", "rgb(244, 246, 250)");
        await portal.AssertAccessibleAsync(page, "change-password");

        await page.FillAsync("#current", "Not-My-Pass-2026!");
        await page.FillAsync("#new", "Brand-New-Pass-2026!");
        await page.FillAsync("#confirm", "Brand-New-Pass-2026!");
        await page.ClickAsync("[data-testid=change-password]");
        await Expect(page.Locator("#current")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator(".static-field", new PageLocatorOptions { Has = page.Locator("#current") })).ToContainTextAsync("The current password is wrong.");
        await Expect(page.Locator("#new")).ToHaveValueAsync(string.Empty);
        await portal.AssertAccessibleAsync(page, "change-password-error");

        await page.FillAsync("#current", password);
        await page.FillAsync("#new", "short");
        await page.FillAsync("#confirm", "short");
        await page.ClickAsync("[data-testid=change-password]");
        await Expect(page.Locator(".static-field", new PageLocatorOptions { Has = page.Locator("#new") })).ToContainTextAsync("at least 10 characters");

        await page.FillAsync("#current", password);
        await page.FillAsync("#new", "Brand-New-Pass-2026!");
        await page.FillAsync("#confirm", "Brand-New-Pass-2026!");
        await page.ClickAsync("[data-testid=change-password]");
        await Expect(page.Locator("[data-testid=password-changed]")).ToHaveTextAsync("Your password was changed.");
        await portal.ScreenshotAsync(page, "change-password");

        // The refreshed cookie keeps this browser signed in: back to the interactive portal.
        await page.ClickAsync("[data-testid=back-to-portal]");
        await PortalFixture.WaitForPortalAsync(page);
        await Expect(page).ToHaveURLAsync(new Regex("/servers$"));

        await page.ClickAsync("[data-testid=current-user] button");
        await page.ClickAsync("[data-testid=sign-out]");
        await page.WaitForURLAsync("**/account/login?signedOut=1");
        await page.FillAsync("#userName", userName);
        await page.FillAsync("#password", password);
        await page.ClickAsync("[data-testid=sign-in]");
        await Expect(page.Locator("[data-testid=login-error]")).ToHaveTextAsync("The user name or password is wrong.");
        await PortalFixture.SignInAsync(page, userName, "Brand-New-Pass-2026!");
    }

    [Fact]
    public async Task ChangePassword_InDarkMode_UsesTheDarkPaletteAndStaysAccessible()
    {
        var (user, password) = await TestAccounts.CreateAsync(portal, Roles.Viewer, "dark");
        var userName = user.UserName;
        var page = await portal.SignedInPageAsync(userName, password, "dark");

        await page.GotoAsync("/account/password");

        await Expect(page.Locator("h1")).ToHaveTextAsync("Change password");
        await Expect(page.Locator("body")).ToHaveCSSAsync("background-color", "rgb(18, 21, 27)");
        await page.ClickAsync("[data-testid=change-password]");
        await Expect(page.Locator(".static-field", new PageLocatorOptions { Has = page.Locator("#current") })).ToContainTextAsync("Enter your current password.");
        await portal.AssertAccessibleAsync(page, "change-password-dark");
        await portal.ScreenshotAsync(page, "change-password-dark");
    }

    [Fact]
    public async Task OpenPage_AdminDisablesTheUser_GoesToTheSignInPageWithinTheInterval()
    {
        var (user, password) = await TestAccounts.CreateAsync(portal, Roles.Viewer);
        var userName = user.UserName;
        var page = await portal.SignedInPageAsync(userName, password);
        await Expect(page.Locator("[data-testid=current-user]")).ToContainTextAsync(userName);

        using var admin = portal.CreateApiClient();
        var watch = Stopwatch.StartNew();
        (await admin.PutAsJsonAsync($"/api/v1/users/{user.Id}", new { isDisabled = true })).EnsureSuccessStatusCode();

        // Nobody touches the page: the circuit itself notices and sends it to sign-in.
        await page.WaitForURLAsync(new Regex("/account/login\\?returnUrl="), new PageWaitForURLOptions { Timeout = (float)SignInPageBound.TotalMilliseconds });
        Assert.True(watch.Elapsed < SignInPageBound, $"took {watch.Elapsed}");
        await Expect(page.Locator("#userName")).ToBeVisibleAsync();

        // And the account stays locked out for a fresh sign-in.
        await page.FillAsync("#userName", userName);
        await page.FillAsync("#password", password);
        await page.ClickAsync("[data-testid=sign-in]");
        await Expect(page.Locator("[data-testid=login-error]")).ToContainTextAsync("disabled");
    }

    [Fact]
    public async Task OpenPage_PasswordChangedInAnotherBrowser_GoesToTheSignInPageWhileTheOtherStaysSignedIn()
    {
        var (user, password) = await TestAccounts.CreateAsync(portal, Roles.Viewer);
        var userName = user.UserName;
        var first = await portal.SignedInPageAsync(userName, password);
        var second = await portal.SignedInPageAsync(userName, password);

        await second.GotoAsync("/account/password");
        await second.FillAsync("#current", password);
        await second.FillAsync("#new", "Changed-Elsewhere-2026!");
        await second.FillAsync("#confirm", "Changed-Elsewhere-2026!");
        var watch = Stopwatch.StartNew();
        await second.ClickAsync("[data-testid=change-password]");
        await Expect(second.Locator("[data-testid=password-changed]")).ToBeVisibleAsync();

        await first.WaitForURLAsync(new Regex("/account/login\\?returnUrl="), new PageWaitForURLOptions { Timeout = (float)SignInPageBound.TotalMilliseconds });
        Assert.True(watch.Elapsed < SignInPageBound, $"took {watch.Elapsed}");

        // The browser that changed it kept its session: its refreshed cookie opens the interactive portal.
        await second.GotoAsync("/servers");
        await PortalFixture.WaitForPortalAsync(second);
        await Expect(second).ToHaveURLAsync(new Regex("/servers$"));
        await Expect(second.Locator("[data-testid=current-user]")).ToContainTextAsync(userName);
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private static IPageAssertions Expect(IPage page) => Assertions.Expect(page);
}
