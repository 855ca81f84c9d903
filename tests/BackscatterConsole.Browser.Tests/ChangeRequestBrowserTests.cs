using System.Net.Http.Json;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Servers;

namespace BackscatterConsole.Browser.Tests;

public sealed class ChangeRequestBrowserTests(PortalFixture portal) : IClassFixture<PortalFixture>
{
    [Fact]
    public async Task Review_ReviewerIsNotifiedLiveApprovesAndTheAuthorsPageFollows()
    {
        using var api = portal.CreateApiClient();
        var server = (await (await api.PostAsJsonAsync("/api/v1/servers", new { name = "cr-live", hostname = "mx.example.com", platform = "postfix" })).Content.ReadFromJsonAsync<ServerDto>())!;
        (await api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/settings-snapshots", new { text = "soft_bounce = yes\n" })).EnsureSuccessStatusCode();
        var enrollment = (await (await api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/agent-enrollments", new { })).Content.ReadFromJsonAsync<AgentEnrollmentDto>())!;
        (await api.PostAsJsonAsync(AgentHub.EnrollPath, new EnrollmentRequest(enrollment.Token, "mx.example.com", AgentConnectorKind.Postfix, "1.0", "Debian"))).EnsureSuccessStatusCode();
        const string password = "Review-Pass-2026!";
        var reviewerName = "rev" + Guid.NewGuid().ToString("N")[..6];
        (await api.PostAsJsonAsync("/api/v1/users", new { userName = reviewerName, password, roles = new[] { "Reviewer" } })).EnsureSuccessStatusCode();

        // The author (admin) drafts the request in the portal and keeps its page open.
        var author = await portal.SignedInPageAsync();
        await author.GotoAsync("/change-requests/new");
        await author.FillAsync("#cr-title", "Turn soft_bounce off");
        await author.FillAsync("#cr-rationale", "Testing setting left on.");
        await author.FillAsync("#cr-items", "cr-live: mta.bounce-hygiene");
        await author.ClickAsync("[data-testid=create-change-request]");
        await author.WaitForSelectorAsync("[data-testid=change-request][data-state='draft']");
        Assert.Contains("yes", await author.InnerTextAsync("[data-testid=change-request-item]"), StringComparison.Ordinal);

        // The reviewer is somewhere else in the portal when the request is submitted.
        var reviewer = await portal.SignedInPageAsync(reviewerName, password);
        await reviewer.WaitForSelectorAsync("#notifications[data-connected='true']");
        await author.ClickAsync("[data-testid=submit]");
        await author.WaitForSelectorAsync("#change-request-live[data-live-connected='true'][data-state='in-review']");
        await author.EvaluateAsync("() => { window.sameDocument = true; }");
        var toast = reviewer.Locator("[data-testid=notification]", new() { HasText = "is waiting for review" });
        await toast.WaitForAsync();

        await toast.Locator("a").ClickAsync();
        await reviewer.ClickAsync("[data-testid=approve]");
        await reviewer.WaitForSelectorAsync("[data-testid=change-request][data-state='approved']");
        await portal.ScreenshotAsync(reviewer, "40-change-request-approved");

        await author.WaitForSelectorAsync("[data-testid=change-request][data-state='approved']");
        Assert.True(await author.EvaluateAsync<bool>("() => window.sameDocument === true"));
    }
}
