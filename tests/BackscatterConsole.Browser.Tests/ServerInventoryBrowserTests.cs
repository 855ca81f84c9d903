using Microsoft.Playwright;

namespace BackscatterConsole.Browser.Tests;

public sealed class ServerInventoryBrowserTests(PortalFixture portal) : IClassFixture<PortalFixture>
{
    [Fact]
    public async Task ServerLifecycle_SignInCreateFindEditValidateDelete_WorksInARealBrowser()
    {
        var page = await portal.SignedInPageAsync();
        var consoleErrors = new List<string>();
        page.Console += (_, message) =>
        {
            // A form re-rendered with its errors answers 400/409 on purpose, and Chromium logs that for the document;
            // any failed asset, script error or CSP violation still counts.
            var intendedFormStatus = message.Text.StartsWith("Failed to load resource: the server responded with a status of 4", StringComparison.Ordinal)
                && !message.Location.Contains("/lib/", StringComparison.Ordinal) && !message.Location.Contains("/css/", StringComparison.Ordinal) && !message.Location.Contains("/js/", StringComparison.Ordinal);
            if (message.Type == "error" && !intendedFormStatus)
            {
                consoleErrors.Add($"{message.Text} ({message.Location})");
            }
        };
        var name = "mx-" + Guid.NewGuid().ToString("N")[..6];

        // Create.
        await page.ClickAsync("[data-testid=add-server]");
        await page.FillAsync("#name", name);
        await page.FillAsync("#hostname", "mx1.example.com");
        await page.SelectOptionAsync("#platform", "carbonio");
        await page.FillAsync("#smtpPort", "2525");
        await page.FillAsync("#domains", "example.com: s1, s2\nexample.org");
        await page.FillAsync("#tags", "prod, eu");
        await portal.ScreenshotAsync(page, "01-create-form");
        await page.ClickAsync("[data-testid=save-server]");
        await page.WaitForSelectorAsync("[data-testid=flash]");
        Assert.Contains("was added", await page.InnerTextAsync("[data-testid=flash]"), StringComparison.Ordinal);
        Assert.Contains("example.org", await page.InnerTextAsync("[data-testid=domain-table]"), StringComparison.Ordinal);
        await portal.ScreenshotAsync(page, "02-details");

        // Find it in the list through the search box (htmx swaps the results without a reload).
        await page.GotoAsync("/servers");
        await page.FillAsync("#q", name);
        await page.WaitForFunctionAsync("n => { const rows = document.querySelectorAll('[data-testid=server-table] tbody tr'); return rows.length === 1 && rows[0].textContent.includes(n); }", name);
        await page.WaitForURLAsync(url => url.Contains($"q={name}", StringComparison.Ordinal));
        await portal.ScreenshotAsync(page, "03-list-search");
        await page.ClickAsync($"text={name}");
        await page.WaitForSelectorAsync("[data-testid=edit-server]");

        // Edit with a validation error: the message shows inline and what was typed stays.
        await page.ClickAsync("[data-testid=edit-server]");
        await page.FillAsync("#hostname", "not a host");
        await page.FillAsync("#smtpPort", "99999");
        await page.ClickAsync("[data-testid=save-server]");
        await page.WaitForSelectorAsync("#hostname.is-invalid");
        var feedback = string.Join(" ", await page.Locator(".invalid-feedback").AllInnerTextsAsync());
        Assert.Contains("not a valid hostname", feedback, StringComparison.Ordinal);
        Assert.Contains("outside 1–65535", feedback, StringComparison.Ordinal);
        Assert.Equal("not a host", await page.InputValueAsync("#hostname"));
        Assert.Equal("99999", await page.InputValueAsync("#smtpPort"));
        await portal.ScreenshotAsync(page, "04-validation-error");

        // Fix and save.
        await page.FillAsync("#hostname", "mx2.example.com");
        await page.FillAsync("#smtpPort", "25");
        await page.ClickAsync("[data-testid=save-server]");
        await page.WaitForSelectorAsync("[data-testid=flash]");
        Assert.Contains("mx2.example.com", await page.InnerTextAsync("main"), StringComparison.Ordinal);

        // Delete with confirmation.
        await page.ClickAsync("[data-testid=delete-server]");
        await portal.ScreenshotAsync(page, "05-delete-confirm");
        await page.ClickAsync("[data-testid=confirm-delete]");
        await page.WaitForSelectorAsync("[data-testid=flash]");
        Assert.Contains("was deleted", await page.InnerTextAsync("[data-testid=flash]"), StringComparison.Ordinal);
        await page.FillAsync("#q", name);
        await page.WaitForSelectorAsync("[data-testid=empty-state]");

        Assert.True(consoleErrors.Count == 0, string.Join(Environment.NewLine, consoleErrors));
    }

    [Fact]
    public async Task SignIn_WrongPassword_ShowsErrorAndKeepsUserName()
    {
        var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = portal.BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/servers");
        Assert.Contains("/account/login", page.Url, StringComparison.Ordinal);

        await page.FillAsync("#userName", "admin");
        await page.FillAsync("#password", "definitely-wrong");
        await page.ClickAsync("button[type=submit]");

        await page.WaitForSelectorAsync("[data-testid=login-error]");
        Assert.Equal("admin", await page.InputValueAsync("#userName"));
        await portal.ScreenshotAsync(page, "00-login-error");
        await context.CloseAsync();
    }

    [Fact]
    public async Task SignOut_EndsTheSession()
    {
        var page = await portal.SignedInPageAsync();
        await page.ClickAsync("text=Sign out");
        await page.WaitForURLAsync("**/account/login**");
        await page.GotoAsync("/servers");
        Assert.Contains("/account/login", page.Url, StringComparison.Ordinal);
    }
}
