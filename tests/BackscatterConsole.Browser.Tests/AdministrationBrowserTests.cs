using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using BackscatterConsole.Shared.Users;
using Microsoft.Playwright;

namespace BackscatterConsole.Browser.Tests;

/// <summary>The administration pages in a real browser: audit trail, users, API tokens; each checked by axe in light and dark.</summary>
public sealed class AdministrationBrowserTests(PortalFixture portal) : IClassFixture<PortalFixture>
{
    [Fact]
    public async Task AuditTrail_FilterVerifyAndExport_WorkOnTheFilteredEntries()
    {
        var page = await portal.SignedInPageAsync();

        await page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Audit trail", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/audit$"));
        var signIn = page.Locator("[data-testid=audit-grid] tbody tr", new PageLocatorOptions { Has = page.Locator("[data-action='account.signed-in']") }).First;
        // The grid loads after the circuit is up, which a busy machine can take a while to do.
        await Expect(signIn).ToContainTextAsync("127.0.0.1", new LocatorAssertionsToContainTextOptions { Timeout = 20_000 });
        await Expect(signIn).ToContainTextAsync("admin");

        await page.ClickAsync("[data-testid=verify]");
        await Expect(page.Locator("[data-testid=verification]")).ToHaveAttributeAsync("data-intact", "true");
        await Expect(page.Locator("[data-testid=verification]")).ToContainTextAsync("The chain is intact");

        // A click on an action filters by it, and the address says so.
        await page.Locator("[data-action='account.signed-in']").First.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("action=account.signed-in"));
        await Expect(page.Locator("[data-testid=audit-action]:not([data-action='account.signed-in'])")).ToHaveCountAsync(0);

        // The export carries the filter: every line after the header is a sign-in.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=export-csv]"));
        var csv = await File.ReadAllLinesAsync((await download.PathAsync())!);
        Assert.StartsWith("id,occurredAt,actorId", csv[0], StringComparison.Ordinal);
        Assert.True(csv.Length > 1);
        Assert.All(csv.Skip(1), line => Assert.Contains(",account.signed-in,", line, StringComparison.Ordinal));
        var json = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=export-json]"));
        Assert.Contains("account.signed-in", await File.ReadAllTextAsync((await json.PathAsync())!), StringComparison.Ordinal);

        // A bookmarked, filtered view comes back as it was.
        await page.ReloadAsync();
        await PortalFixture.WaitForPortalAsync(page);
        await Expect(page.Locator("[data-testid=clear-filters]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=audit-action]:not([data-action='account.signed-in'])")).ToHaveCountAsync(0);

        await page.Locator("[data-testid=audit-expand]").First.ClickAsync();
        await Expect(page.Locator("[data-testid=audit-detail]")).ToBeVisibleAsync();
        await portal.AssertAccessibleAsync(page, "audit");
        await portal.ScreenshotAsync(page, "audit");
    }

    [Fact]
    public async Task Users_CreateWithAWeakPasswordThenAStrongOne_TheNewUserSignsInWithTheirRole()
    {
        var page = await portal.SignedInPageAsync();
        var name = "erin" + Guid.NewGuid().ToString("N")[..6];
        await page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Users", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/users$"));

        await page.FillAsync("[data-testid=new-user-name]", name);
        await page.FillAsync("[data-testid=new-user-email]", "erin@example.test");
        await page.FillAsync("[data-testid=new-user-password]", "weak");
        await page.Locator("[data-testid=role-operator]").CheckAsync(new LocatorCheckOptions { Force = true });
        await page.ClickAsync("[data-testid=create-user]");

        var passwordField = page.Locator(".mud-input-control", new PageLocatorOptions { Has = page.Locator("[data-testid=new-user-password]") });
        await Expect(passwordField).ToContainTextAsync("at least 10 characters");
        await Expect(page.Locator("[data-testid=new-user-name]")).ToHaveValueAsync(name);
        await Expect(page.Locator("[data-testid=new-user-password]")).ToHaveValueAsync(string.Empty);
        await Expect(page.Locator("[data-testid=role-operator]")).ToBeCheckedAsync();

        await page.FillAsync("[data-testid=new-user-password]", "Erin-Pass-2026!");
        await page.ClickAsync("[data-testid=create-user]");
        var row = page.Locator("[data-testid=user-grid] tbody tr", new PageLocatorOptions { HasText = name });
        await Expect(row).ToContainTextAsync("Operator");

        // Checked once the snackbar has faded in: half-transparent text fails any contrast check.
        await Expect(page.Locator(".mud-snackbar")).ToContainTextAsync($"User '{name}' was created.");
        await page.Locator(".mud-snackbar").EvaluateAsync("async e => { while (e.getAnimations().length > 0) { await Promise.allSettled(e.getAnimations().map(a => a.finished)); } }");
        await portal.AssertAccessibleAsync(page, "users");
        // It leaves by itself (after a few seconds, or sooner if axe took long on a busy machine).
        await Expect(page.Locator(".mud-snackbar")).ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = 20_000 });

        // The edit page of the new user.
        await row.Locator("[data-testid=user-link]").ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync(name);
        await Expect(page.Locator("[data-testid=edit-email]")).ToHaveValueAsync("erin@example.test");
        await portal.AssertAccessibleAsync(page, "user-edit");

        var theirs = await portal.SignedInPageAsync(name, "Erin-Pass-2026!");
        await theirs.ClickAsync("[data-testid=current-user] button");
        await Expect(theirs.Locator("[data-testid=current-roles]")).ToHaveTextAsync("Operator");
        await Expect(theirs.Locator("[data-testid=add-server]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Tokens_CreateThenRevoke_TheSecretWorksOnceShownAndStopsAfterRevoking()
    {
        var (user, password) = await TestAccounts.CreateAsync(portal, Roles.Viewer);
        var page = await portal.SignedInPageAsync(user.UserName, password);
        await page.ClickAsync("[data-testid=current-user] button");
        await page.ClickAsync(".mud-popover-open >> text=API tokens");
        await Expect(page).ToHaveURLAsync(new Regex("/account/tokens$"));
        await Expect(page.Locator("[data-testid=empty-state]")).ToContainTextAsync("No API tokens yet");
        await portal.AssertAccessibleAsync(page, "tokens-empty");

        await page.ClickAsync("[data-testid=create-token]");
        await Expect(page.Locator(".mud-input-control", new PageLocatorOptions { Has = page.Locator("[data-testid=token-name-input]") })).ToContainTextAsync("Name is required");

        await page.FillAsync("[data-testid=token-name-input]", "deploy-script");
        await page.ClickAsync("[data-testid=create-token]");
        var secret = (await page.Locator("[data-testid=token-secret]").TextContentAsync())!.Trim();
        Assert.StartsWith("bsc_", secret, StringComparison.Ordinal);
        await Expect(page.Locator("[data-testid=new-token]")).ToContainTextAsync("not shown again");
        await Expect(page.Locator("[data-testid=new-token] [data-testid=copy]")).ToBeVisibleAsync();
        Assert.Equal(HttpStatusCode.OK, await CallApiAsync(secret));
        await portal.AssertAccessibleAsync(page, "tokens-created");

        await page.ClickAsync("[data-testid=revoke-token]");
        await page.ClickAsync("[data-testid=confirm-cancel]");
        await Expect(page.Locator("[data-testid=token-grid] [data-testid=status]")).ToHaveAttributeAsync("data-status", "active");
        await page.ClickAsync("[data-testid=revoke-token]");
        await page.ClickAsync("[data-testid=confirm-ok]");
        await Expect(page.Locator("[data-testid=token-grid] [data-testid=status]")).ToHaveAttributeAsync("data-status", "revoked");
        Assert.Equal(HttpStatusCode.Unauthorized, await CallApiAsync(secret));

        // The secret lives in that page only.
        await page.ReloadAsync();
        await PortalFixture.WaitForPortalAsync(page);
        await Expect(page.Locator("[data-testid=token-grid]")).ToContainTextAsync("deploy-script");
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdministrationPages_InDarkMode_HaveNoSeriousAccessibilityViolations()
    {
        var (admin, password) = await TestAccounts.CreateAsync(portal, Roles.Admin, "dark");
        var (someone, _) = await TestAccounts.CreateAsync(portal, Roles.Viewer);
        var page = await portal.SignedInPageAsync(admin.UserName, password, "dark");
        await Expect(page.Locator("body")).ToHaveCSSAsync("background-color", "rgb(18, 21, 27)");

        foreach (var (path, name) in new[] { ("/audit", "audit-dark"), ("/users", "users-dark"), ($"/users/{someone.Id}", "user-edit-dark"), ("/account/tokens", "tokens-dark") })
        {
            await page.GotoAsync(path);
            await PortalFixture.WaitForPortalAsync(page);
            await Expect(page.Locator("h1")).ToBeVisibleAsync();
            if (path == "/audit")
            {
                await page.Locator("[data-testid=audit-expand]").First.ClickAsync();
                await page.ClickAsync("[data-testid=verify]");
                await Expect(page.Locator("[data-testid=verification]")).ToBeVisibleAsync();
            }

            await portal.AssertAccessibleAsync(page, name);
            await portal.ScreenshotAsync(page, name);
        }
    }

    private async Task<HttpStatusCode> CallApiAsync(string token)
    {
        using var api = portal.CreateApiClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await api.GetAsync("/api/v1/account")).StatusCode;
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private static IPageAssertions Expect(IPage page) => Assertions.Expect(page);
}
