using Microsoft.Playwright;

namespace BackscatterConsole.Browser.Tests;

/// <summary>The Scalar API reference at /api/docs renders every operation in Chromium from local assets, under its own CSP.</summary>
[Collection(PortalCollections.Inventory)]
public sealed class ApiReferenceBrowserTests(PortalFixture portal)
{
    [Fact]
    public async Task ApiReference_SignedIn_RendersTheOperationsWithNoErrorAndNothingFromOutside()
    {
        var page = await portal.SignedInPageAsync();
        var problems = new List<string>();
        var foreign = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                problems.Add($"console {message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => problems.Add("page error: " + error);
        page.RequestFailed += (_, request) => problems.Add($"request failed: {request.Url} {request.Failure}");
        page.Request += (_, request) =>
        {
            var uri = new Uri(request.Url);
            if (uri.Scheme is "http" or "https" && !uri.IsLoopback)
            {
                foreign.Add(request.Url);
            }
        };

        var response = await page.GotoAsync("/api/docs");

        Assert.Equal(200, response!.Status);
        try
        {
            await page.GetByText("List users (Admin).").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });

            // Scalar renders the sections further down as they come into view; the sidebar takes us to one.
            await page.GetByText("Change requests", new() { Exact = true }).First.ClickAsync();
            await page.GetByText("Propose fixes for one or many servers (a draft).").First.WaitForAsync();
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(portal.ArtifactsDirectory, "41-api-reference-change-requests.png") });
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + Environment.NewLine + string.Join(Environment.NewLine, problems.Concat(foreign)), e);
        }
        finally
        {
            await portal.ScreenshotAsync(page, "40-api-reference");
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.Equal(0, await page.GetByText("Ask AI").CountAsync());
        Assert.Equal(0, await page.GetByText("Generate SDK").CountAsync());
        Assert.True(foreign.Count == 0, "Requests left the machine: " + string.Join(", ", foreign));
    }

    [Fact]
    public async Task ApiReference_Anonymous_GoesToSignIn()
    {
        var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = portal.BaseAddress.ToString() });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/api/docs");

        Assert.Contains("/account/login", page.Url, StringComparison.Ordinal);
        Assert.Contains("ReturnUrl=%2Fapi%2Fdocs", page.Url, StringComparison.Ordinal);
        await context.CloseAsync();
    }
}
