using Microsoft.Playwright;

namespace BackscatterConsole.Browser.Tests;

/// <summary>Small helpers for the portal's MudBlazor pages: fields by test id, the theme switch, console errors.</summary>
internal static class PortalPages
{
    /// <summary>The input or text area of a MudBlazor field (the test id lands on the element itself or on a wrapper).</summary>
    public static ILocator Field(this IPage page, string testId) =>
        page.Locator($"input[data-testid={testId}], textarea[data-testid={testId}], [data-testid={testId}] input, [data-testid={testId}] textarea").First;

    /// <summary>The whole field around an input: label, input and its helper or error text.</summary>
    public static ILocator FieldControl(this IPage page, string testId) =>
        page.Locator(".mud-input-control", new PageLocatorOptions { Has = page.Field(testId) }).First;

    /// <summary>Chooses light or dark in the app bar's theme menu and waits until the palette changed.</summary>
    public static async Task UseThemeAsync(this IPage page, bool dark)
    {
        await page.ClickAsync("[data-testid=theme-menu] button");
        await page.ClickAsync(dark ? "[data-testid=theme-dark]" : "[data-testid=theme-light]");
        await Assertions.Expect(page.Locator("body")).ToHaveCSSAsync("background-color", dark ? "rgb(18, 21, 27)" : "rgb(244, 246, 250)");
    }

    /// <summary>
    /// Waits until the notices (snackbars) are gone: one that is fading in or out is half transparent, which axe reads as
    /// low contrast, and its timing cannot be pinned down from a test.
    /// </summary>
    public static Task SettleSnackbarsAsync(this IPage page) =>
        Assertions.Expect(page.Locator(".mud-snackbar")).ToHaveCountAsync(0, new() { Timeout = 20_000 });

    /// <summary>Runs axe on the page in light and in dark, and leaves it light again (the choice is the account's).</summary>
    public static async Task AssertAccessibleInBothThemesAsync(this PortalFixture portal, IPage page, string name)
    {
        await page.SettleSnackbarsAsync();
        await portal.AssertAccessibleAsync(page, name);
        await page.UseThemeAsync(dark: true);
        try
        {
            await page.SettleSnackbarsAsync();
            await portal.AssertAccessibleAsync(page, name + "-dark");
            await portal.ScreenshotAsync(page, name + "-dark");
        }
        finally
        {
            await page.UseThemeAsync(dark: false);
        }
    }

    /// <summary>Collects console errors so a test can assert the page produced none.</summary>
    public static List<string> CollectConsoleErrors(this IPage page)
    {
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add($"{message.Text} ({message.Location})");
            }
        };
        return errors;
    }

    /// <summary>Marks the document, so a later check can tell the page was updated in place rather than reloaded.</summary>
    public static Task MarkDocumentAsync(this IPage page) => page.EvaluateAsync("() => { window.__sameDocument = true; }");

    public static Task<bool> IsSameDocumentAsync(this IPage page) => page.EvaluateAsync<bool>("() => window.__sameDocument === true");
}
