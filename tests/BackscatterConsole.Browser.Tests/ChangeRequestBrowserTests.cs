using BackscatterConsole.Shared.Users;
using Microsoft.Playwright;

namespace BackscatterConsole.Browser.Tests;

/// <summary>Four eyes in two browsers: an author and a reviewer each see the other's step on their open page.</summary>
[Collection(PortalCollections.Workflow)]
public sealed class ChangeRequestBrowserTests(PortalFixture portal)
{
    [Fact]
    public async Task Review_TwoPeopleInTwoBrowsers_ReviewAndApplyAndBothSeeEachStateWithoutReloading()
    {
        using var api = portal.CreateApiClient();
        var (server, _) = await ChangeSetup.ServerWithAgentAsync(api, "cr-live");
        var (reviewerName, reviewerApi) = await ChangeSetup.UserAsync(api, portal.BaseAddress, Roles.Reviewer);
        reviewerApi.Dispose();

        // The author (admin) drafts the request in the portal, with one line it cannot resolve first.
        var author = await portal.SignedInPageAsync();
        await author.GotoAsync("/change-requests/new");
        await PortalFixture.WaitForPortalAsync(author);
        await author.FillAsync(Field("cr-title"), "Turn soft_bounce off");
        await author.FillAsync(Field("cr-rationale", "textarea"), "Testing setting left on.");
        await author.FillAsync(Field("cr-items", "textarea"), "cr-live: mta.bounce-hygiene\nmx-nowhere: mta.bounce-hygiene");
        await author.ClickAsync("[data-testid=create-change-request]");
        await Expect(author.Locator(".mud-input-control", new() { Has = author.Locator(Field("cr-items", "textarea")) })).ToContainTextAsync("Line 2: no server is named 'mx-nowhere'.");
        await Expect(author.Locator(Field("cr-title"))).ToHaveValueAsync("Turn soft_bounce off");
        await portal.AssertAccessibleAsync(author, "change-request-new-invalid");
        await portal.ScreenshotAsync(author, "change-request-new-invalid");

        await author.FillAsync(Field("cr-items", "textarea"), "cr-live: mta.bounce-hygiene");
        await author.ClickAsync("[data-testid=create-change-request]");
        await Expect(author.Locator("[data-testid=change-request]")).ToHaveAttributeAsync("data-state", "draft");
        await Expect(author.Locator($"[data-testid=change-request-item][data-server-id='{server.Id}'] [data-testid=diff-current]")).ToHaveTextAsync("yes");
        await SameDocumentAsync(author);

        // The reviewer is somewhere else in the portal when the request is submitted, and is told.
        var reviewer = await portal.SignedInPageAsync(reviewerName, ChangeSetup.Password);
        await SameDocumentAsync(reviewer);
        await author.ClickAsync("[data-testid=submit]");
        await Expect(author.Locator("[data-testid=change-request]")).ToHaveAttributeAsync("data-state", "in-review");
        var notice = reviewer.Locator(".mud-snackbar", new() { HasText = "needs your review" });
        await notice.Locator("button", new() { HasText = "Open" }).ClickAsync();

        await Expect(reviewer.Locator("[data-testid=change-request]")).ToHaveAttributeAsync("data-state", "in-review");
        await Expect(author.Locator("[data-testid=approve]")).ToHaveCountAsync(0);
        await reviewer.ClickAsync("[data-testid=approve]");
        await Expect(reviewer.Locator("[data-testid=change-request]")).ToHaveAttributeAsync("data-state", "approved");
        await Expect(author.Locator("[data-testid=change-request]")).ToHaveAttributeAsync("data-state", "approved");
        await Expect(author.Locator("[data-testid=approval-count]")).ToHaveTextAsync("1 of 1 approval");
        await portal.ScreenshotAsync(reviewer, "change-request-approved");

        // The author applies; the reviewer's page shows the job and that it waits for the offline agent.
        await author.ClickAsync("[data-testid=apply]");
        await author.ClickAsync("[data-testid=confirm-ok]");
        await Expect(author.Locator("[data-testid=change-request]")).ToHaveAttributeAsync("data-state", "applying");
        await Expect(reviewer.Locator("[data-testid=change-request]")).ToHaveAttributeAsync("data-state", "applying");
        await Expect(reviewer.Locator("[data-testid=item-job]")).ToHaveAttributeAsync("data-job-state", "queued");
        await Expect(reviewer.Locator("[data-testid=waiting-for-agent]")).ToBeVisibleAsync();
        await portal.ScreenshotAsync(reviewer, "change-request-applying");

        Assert.True(await author.EvaluateAsync<bool>("() => window.sameDocument === true"));
        Assert.True(await reviewer.EvaluateAsync<bool>("() => window.sameDocument === true"));
    }

    [Fact]
    public async Task ChangeRequestPages_InLightAndDark_HaveNoSeriousAccessibilityViolation()
    {
        using var api = portal.CreateApiClient();
        var (server, _) = await ChangeSetup.ServerWithAgentAsync(api, "cr-axe");
        var (reviewerName, reviewerApi) = await ChangeSetup.UserAsync(api, portal.BaseAddress, Roles.Reviewer);
        using var _ = reviewerApi;
        var request = await CreateInReviewAsync(api, server.Id);

        foreach (var theme in new[] { "light", "dark" })
        {
            await ChangeSetup.ThemeAsync(reviewerApi, theme);
            var page = await portal.SignedInPageAsync(reviewerName, ChangeSetup.Password);
            foreach (var (path, name) in new[] { ("/change-requests", "list"), ("/change-requests?mine=review", "review-queue"), ($"/change-requests/{request}", "details") })
            {
                await page.GotoAsync(path);
                await PortalFixture.WaitForPortalAsync(page);
                await Expect(page.Locator("[data-testid=change-request-table], [data-testid=change-request]").First).ToBeVisibleAsync();
                await portal.AssertAccessibleAsync(page, $"change-request-{name}-{theme}");
                await portal.ScreenshotAsync(page, $"change-request-{name}-{theme}");
            }

            // The reject dialog with its reason field, on top of the page.
            await page.ClickAsync("[data-testid=reject]");
            await Expect(page.Locator("[data-testid=confirm-dialog]")).ToBeVisibleAsync();
            await portal.AssertAccessibleAsync(page, $"change-request-reject-{theme}");
            await page.ClickAsync("[data-testid=confirm-cancel]");
            await page.Context.CloseAsync();

            await ChangeSetup.ThemeAsync(api, theme);
            var author = await portal.SignedInPageAsync();
            await author.GotoAsync("/change-requests/new");
            await PortalFixture.WaitForPortalAsync(author);
            await Expect(author.Locator("[data-testid=create-change-request]")).ToBeVisibleAsync();
            await portal.AssertAccessibleAsync(author, $"change-request-new-{theme}");
            await portal.ScreenshotAsync(author, $"change-request-new-{theme}");
            await author.Context.CloseAsync();
        }

        await ChangeSetup.ThemeAsync(api, "light");
    }

    private static async Task<Guid> CreateInReviewAsync(HttpClient api, Guid serverId)
    {
        var created = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(api, "/api/v1/change-requests", new { title = "Turn soft_bounce off", rationale = "Testing setting left on.", items = new[] { new { serverId, checkIds = new[] { "mta.bounce-hygiene" } } } });
        var request = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<BackscatterConsole.Shared.ChangeRequests.ChangeRequestDto>(created.Content))!;
        (await api.PostAsync($"/api/v1/change-requests/{request.Id}/submit", null)).EnsureSuccessStatusCode();
        (await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(api, $"/api/v1/change-requests/{request.Id}/comments", new { text = "The reload happens at night." })).EnsureSuccessStatusCode();
        return request.Id;
    }

    private static string Field(string testId, string element = "input") => $"{element}[data-testid={testId}], [data-testid={testId}] {element}";

    // A full page load would clear this; the live updates must arrive without one.
    private static Task SameDocumentAsync(IPage page) => page.EvaluateAsync("() => { window.sameDocument = true; }");

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
