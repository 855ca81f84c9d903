using System.Net;
using System.Net.Http.Json;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.ChangeRequests;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Shared.Users;

namespace BackscatterConsole.Server.Tests.ChangeRequests;

/// <summary>The review flow through the portal's pages: propose, submit, approve (by someone else), apply.</summary>
public sealed class ChangeRequestPagesTests(AppFactory factory) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task Portal_ProposeSubmitApproveApply_WithTwoPeople()
    {
        var (server, check) = await ServerAsync();
        using var operatorUser = await factory.CreateUserAsync(Roles.Operator);
        using var reviewer = await factory.CreateUserAsync(Roles.Reviewer);
        using var author = await PortalSession.SignInAsync(factory, operatorUser.UserName, operatorUser.Password);

        var proposed = await author.SubmitAsync($"/servers/{server.Id}/agent", "create-job", new() { ["checkId"] = check, ["action"] = "request" });
        Assert.Equal(HttpStatusCode.Redirect, proposed.StatusCode);
        var url = proposed.Headers.Location!.ToString();
        var draft = await author.GetPageAsync(url);
        Assert.Equal(ChangeRequestStates.Draft, draft.QuerySelector("[data-testid=change-request]")!.GetAttribute("data-state"));
        Assert.Contains("postconf", draft.QuerySelector("[data-testid=change-request-item]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("→", draft.QuerySelector("[data-testid=change-request-item]")!.TextContent, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Redirect, (await author.SubmitAsync(url, "submit", [])).StatusCode);
        var inReview = await author.GetPageAsync(url);
        Assert.Equal(ChangeRequestStates.InReview, inReview.QuerySelector("[data-testid=change-request]")!.GetAttribute("data-state"));
        Assert.Null(inReview.QuerySelector("[data-testid=approve]"));

        using var review = await PortalSession.SignInAsync(factory, reviewer.UserName, reviewer.Password);
        var queue = await review.GetPageAsync("/change-requests?mine=review");
        Assert.Contains(queue.QuerySelectorAll("[data-testid=change-request-table] a"), a => url.EndsWith(a.GetAttribute("href")!, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Redirect, (await review.SubmitAsync(url, "approve", [])).StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, (await author.SubmitAsync(url, "apply", [])).StatusCode);
        var applying = await author.GetPageAsync(url);
        Assert.Equal(ChangeRequestStates.Applying, applying.QuerySelector("[data-testid=change-request]")!.GetAttribute("data-state"));
        Assert.NotNull(applying.QuerySelector("[data-testid=item-job]"));
    }

    [Fact]
    public async Task Portal_RejectWithoutAReason_ShowsTheErrorAndChangesNothing()
    {
        var (server, check) = await ServerAsync();
        using var operatorUser = await factory.CreateUserAsync(Roles.Operator);
        using var reviewer = await factory.CreateUserAsync(Roles.Reviewer);
        var created = await (await operatorUser.Api.PostAsJsonAsync("/api/v1/change-requests", new { title = "t", items = new[] { new { serverId = server.Id, checkIds = new[] { check } } } })).Content.ReadFromJsonAsync<ChangeRequestDto>();
        (await operatorUser.Api.PostAsync($"/api/v1/change-requests/{created!.Id}/submit", null)).EnsureSuccessStatusCode();
        using var review = await PortalSession.SignInAsync(factory, reviewer.UserName, reviewer.Password);

        var response = await review.SubmitAsync($"/change-requests/{created.Id}", "reject", new() { ["text"] = "" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var page = await PortalSession.ParseAsync(response);
        Assert.Contains("needs a comment", page.QuerySelector("[data-testid=action-error]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(ChangeRequestStates.InReview, page.QuerySelector("[data-testid=change-request]")!.GetAttribute("data-state"));
    }

    [Fact]
    public async Task Portal_NewRequestForTwoServers_ThenEditAfterApprovalResetsIt()
    {
        var (first, check) = await ServerAsync();
        var (second, _) = await ServerAsync();
        using var operatorUser = await factory.CreateUserAsync(Roles.Operator);
        using var reviewer = await factory.CreateUserAsync(Roles.Reviewer);
        using var author = await PortalSession.SignInAsync(factory, operatorUser.UserName, operatorUser.Password);

        var bad = await author.SubmitAsync("/change-requests/new", "new-change-request", new() { ["Input.Title"] = "Both MX", ["Input.Items"] = $"{first.Name}: {check}\nno-such-server: {check}" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var badPage = await PortalSession.ParseAsync(bad);
        Assert.Contains("no server is named 'no-such-server'", badPage.QuerySelector("[data-testid=form-error]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("no-such-server", badPage.QuerySelector("#cr-items")!.TextContent, StringComparison.Ordinal);

        var created = await author.SubmitAsync("/change-requests/new", "new-change-request", new()
        {
            ["Input.Title"] = "Both MX",
            ["Input.Rationale"] = "Backscatter from both exchangers.",
            ["Input.Items"] = $"{first.Name}: {check}\n{second.Name}: {check}",
        });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var url = created.Headers.Location!.ToString();
        Assert.Equal(2, (await author.GetPageAsync(url)).QuerySelectorAll("[data-testid=change-request-item]").Length);

        await author.SubmitAsync(url, "submit", []);
        using var review = await PortalSession.SignInAsync(factory, reviewer.UserName, reviewer.Password);
        await review.SubmitAsync(url, "approve", []);
        Assert.Equal(ChangeRequestStates.Approved, (await author.GetPageAsync(url)).QuerySelector("[data-testid=change-request]")!.GetAttribute("data-state"));

        var edited = await author.SubmitAsync(url, "edit-change-request", new() { ["Input.Title"] = "Both MX, reworded", ["Input.Items"] = $"{first.Name}: {check}\n{second.Name}: {check}" });
        Assert.Equal(HttpStatusCode.Redirect, edited.StatusCode);
        var after = await author.GetPageAsync(url);
        Assert.Equal(ChangeRequestStates.InReview, after.QuerySelector("[data-testid=change-request]")!.GetAttribute("data-state"));
        Assert.StartsWith("0 of", after.QuerySelector("[data-testid=approval-count]")!.TextContent.Trim(), StringComparison.Ordinal);
        Assert.Contains("approvals were reset", after.QuerySelector("[data-testid=flash]")!.TextContent, StringComparison.Ordinal);
    }

    private async Task<(ServerDto Server, string Check)> ServerAsync()
    {
        using var api = factory.CreateApiClient();
        var (server, _, check) = await RemediationSetup.ServerWithAgentAsync(api);
        return (server, check);
    }
}
