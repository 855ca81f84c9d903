using System.Security.Claims;
using BackscatterConsole.Client.Features.ChangeRequests;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.ChangeRequests;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Shared.Users;

namespace BackscatterConsole.Client.Tests.ChangeRequests;

public sealed class ChangeRequestDetailsTests(ConsoleHost host) : PortalTest(host)
{
    [Fact]
    public async Task Details_UnknownId_SaysNotFound()
    {
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<ChangeRequestDetails>(p => p.Add(x => x.Id, Guid.NewGuid()));

        cut.WaitForAssertion(() => Assert.Contains("No change request has this id", cut.Find("[data-testid=empty-state]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Details_Draft_ShowsTheDiffPerServerAndTheAuthorCanSubmit()
    {
        var (server, author, request) = await DraftAsync();
        SignIn(author);

        var cut = RenderPage<ChangeRequestDetails>(p => p.Add(x => x.Id, request.Id));

        cut.WaitForAssertion(() => Assert.Equal(ChangeRequestStates.Draft, cut.Find("[data-testid=change-request]").GetAttribute("data-state")));
        var item = cut.Find($"[data-testid=change-request-item][data-server-id='{server.Id}']");
        Assert.Equal("yes", item.QuerySelector("[data-testid=diff-row][data-setting=soft_bounce] [data-testid=diff-current]")!.TextContent.Trim());
        Assert.Equal("no", item.QuerySelector("[data-testid=diff-row][data-setting=soft_bounce] [data-testid=diff-desired]")!.TextContent.Trim());
        Assert.Contains("postconf -e soft_bounce=no", item.TextContent, StringComparison.Ordinal);
        Assert.Equal("0 of 1 approval", cut.Find("[data-testid=approval-count]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=approve]"));

        await cut.Find("[data-testid=submit]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal(ChangeRequestStates.InReview, cut.Find("[data-testid=change-request]").GetAttribute("data-state")));
        Assert.Empty(cut.FindAll("[data-testid=submit]"));
        Assert.NotNull(cut.Find("[data-testid=withdraw]"));
        Providers.WaitForAssertion(() => Assert.Contains("Submitted for review.", Providers.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Details_InReview_TheAuthorCannotApproveAReviewerCanAndAViewerOnlyReads()
    {
        var (_, author, request) = await InReviewAsync();

        // An Admin who wrote the request reviews it like anyone else, except that a second person must approve it.
        var adminAuthor = await Host.CreateUserAsync(Roles.Admin);
        var (otherServer, _) = await Host.AddServerWithAgentAsync(Unique("own"));
        var own = await Host.CreateRequestAsync(adminAuthor, "Own", (otherServer.Id, [RemediationSetup.BounceCheck]));
        await Host.ActAsync(adminAuthor, (r, a) => r.SubmitAsync(own.Id, null, a, CancellationToken.None));
        SignIn(adminAuthor);
        var mine = RenderPage<ChangeRequestDetails>(p => p.Add(x => x.Id, own.Id));
        mine.WaitForAssertion(() => Assert.NotNull(mine.Find("[data-testid=cannot-approve]")));
        Assert.Empty(mine.FindAll("[data-testid=approve]"));
        Assert.NotNull(mine.Find("[data-testid=withdraw]"));

        await SignInAsync(Roles.Reviewer);
        var reviewer = Render<ChangeRequestDetails>(p => p.Add(x => x.Id, request.Id));
        reviewer.WaitForAssertion(() => Assert.NotNull(reviewer.Find("[data-testid=approve]")));
        Assert.NotNull(reviewer.Find("[data-testid=reject]"));
        Assert.Empty(reviewer.FindAll("[data-testid=withdraw]"));
        Assert.Empty(reviewer.FindAll("[data-testid=edit-panel]"));

        await SignInAsync(Roles.Viewer);
        var viewer = Render<ChangeRequestDetails>(p => p.Add(x => x.Id, request.Id));
        viewer.WaitForAssertion(() => Assert.NotNull(viewer.Find("[data-testid=change-request]")));
        Assert.Empty(viewer.FindAll("[data-testid=actions]"));
        Assert.Empty(viewer.FindAll("[data-testid=edit-panel]"));
        Assert.NotNull(viewer.Find("[data-testid=add-comment]"));
        _ = author;
    }

    [Fact]
    public async Task Details_ReviewerApproves_TheAuthorsOpenPageFollowsLive()
    {
        var (_, author, request) = await InReviewAsync();
        SignIn(author);
        var authorPage = RenderPage<ChangeRequestDetails>(p => p.Add(x => x.Id, request.Id));
        authorPage.WaitForAssertion(() => Assert.Equal(ChangeRequestStates.InReview, authorPage.Find("[data-testid=change-request]").GetAttribute("data-state")));
        Assert.Empty(authorPage.FindAll("[data-testid=apply]"));

        var reviewer = await SignInAsync(Roles.Reviewer);
        var reviewerPage = Render<ChangeRequestDetails>(p => p.Add(x => x.Id, request.Id));
        reviewerPage.WaitForAssertion(() => Assert.NotNull(reviewerPage.Find("[data-testid=approve]")));
        await reviewerPage.Find("[data-testid=approve]").ClickAsync(new());

        reviewerPage.WaitForAssertion(() => Assert.Equal(ChangeRequestStates.Approved, reviewerPage.Find("[data-testid=change-request]").GetAttribute("data-state")));
        Assert.Contains(reviewer.Identity!.Name!, reviewerPage.Find("[data-testid=approvals]").TextContent, StringComparison.Ordinal);

        // The author's page was not touched: the published event re-rendered it, with the author's own actions.
        SignIn(author);
        authorPage.WaitForAssertion(() => Assert.Equal(ChangeRequestStates.Approved, authorPage.Find("[data-testid=change-request]").GetAttribute("data-state")));
        Assert.Equal("1 of 1 approval", authorPage.Find("[data-testid=approval-count]").TextContent.Trim());
    }

    [Fact]
    public async Task Details_RejectAsksForAReason_CancelChangesNothingConfirmRejectsWithIt()
    {
        var (_, _, request) = await InReviewAsync();
        await SignInAsync(Roles.Reviewer);
        var cut = RenderPage<ChangeRequestDetails>(p => p.Add(x => x.Id, request.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=reject]")));

        var cancelled = cut.Find("[data-testid=reject]").ClickAsync(new());
        Providers.WaitForAssertion(() => Assert.NotNull(Providers.Find("[data-testid=confirm-reason]")));
        await Providers.Find("[data-testid=confirm-cancel]").ClickAsync(new());
        await cancelled;
        Assert.Equal(ChangeRequestStates.InReview, (await GetAsync(request.Id)).State);

        var rejecting = cut.Find("[data-testid=reject]").ClickAsync(new());
        Providers.WaitForAssertion(() => Assert.NotNull(Providers.Find("[data-testid=confirm-reason]")));

        // Without a reason the dialog stays open and says what is missing.
        await Providers.Find("[data-testid=confirm-ok]").ClickAsync(new());
        Providers.WaitForAssertion(() => Assert.Contains("Reason is required.", Providers.Find("[data-testid=confirm-dialog]").TextContent, StringComparison.Ordinal));
        Providers.Type("confirm-reason", "The reload would drop mail during business hours.");
        await Providers.Find("[data-testid=confirm-ok]").ClickAsync(new());
        await rejecting;

        cut.WaitForAssertion(() => Assert.Equal(ChangeRequestStates.Rejected, cut.Find("[data-testid=change-request]").GetAttribute("data-state")));
        var rejection = cut.Find("[data-testid=comment][data-kind=rejection]");
        Assert.Contains("The reload would drop mail during business hours.", rejection.TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=approve]"));
    }

    [Fact]
    public async Task Details_ApplyConfirmed_CreatesTheJobAndSaysTheServerWaitsForItsOfflineAgent()
    {
        var (server, author, request) = await ApprovedAsync();
        SignIn(author);
        var cut = RenderPage<ChangeRequestDetails>(p => p.Add(x => x.Id, request.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=apply]")));

        var dismissed = cut.Find("[data-testid=apply]").ClickAsync(new());
        Providers.WaitForAssertion(() => Assert.Contains("One job per server", Providers.Find("[data-testid=confirm-dialog]").TextContent, StringComparison.Ordinal));
        await Providers.Find("[data-testid=confirm-cancel]").ClickAsync(new());
        await dismissed;
        Assert.Equal(ChangeRequestStates.Approved, (await GetAsync(request.Id)).State);

        var applying = cut.Find("[data-testid=apply]").ClickAsync(new());
        Providers.WaitForAssertion(() => Assert.NotNull(Providers.Find("[data-testid=confirm-ok]")));
        await Providers.Find("[data-testid=confirm-ok]").ClickAsync(new());
        await applying;

        cut.WaitForAssertion(() => Assert.Equal(ChangeRequestStates.Applying, cut.Find("[data-testid=change-request]").GetAttribute("data-state")));
        var item = cut.Find($"[data-testid=change-request-item][data-server-id='{server.Id}']");
        Assert.Equal(JobStates.Queued, item.QuerySelector("[data-testid=item-job]")!.GetAttribute("data-job-state"));
        Assert.NotNull(item.QuerySelector("[data-testid=waiting-for-agent]"));
        Assert.Empty(cut.FindAll("[data-testid=edit-panel]"));
    }

    [Fact]
    public async Task Details_AppliedBySomeoneElse_AnOpenPageShowsTheJobsAtOnce()
    {
        var (server, author, request) = await ApprovedAsync();
        await SignInAsync(Roles.Viewer);
        var cut = RenderPage<ChangeRequestDetails>(p => p.Add(x => x.Id, request.Id));
        cut.WaitForAssertion(() => Assert.Equal(ChangeRequestStates.Approved, cut.Find("[data-testid=change-request]").GetAttribute("data-state")));

        await Host.ActAsync(author, (r, a) => r.ApplyAsync(request.Id, null, a, CancellationToken.None));

        // The request is announced once its jobs exist, so the page needs no further event to show them.
        cut.WaitForAssertion(() => Assert.Equal(JobStates.Queued, cut.Find($"[data-testid=change-request-item][data-server-id='{server.Id}'] [data-testid=item-job]").GetAttribute("data-job-state")));
        Assert.Equal(ChangeRequestStates.Applying, cut.Find("[data-testid=change-request]").GetAttribute("data-state"));
        Assert.NotNull(cut.Find("[data-testid=waiting-for-agent]"));
    }

    [Fact]
    public async Task Details_Applying_FollowsTheJobAndTheAgentLive()
    {
        var (server, agentId, author, request) = await ApplyingAsync();
        SignIn(author);
        var cut = RenderPage<ChangeRequestDetails>(p => p.Add(x => x.Id, request.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=waiting-for-agent]")));
        var jobId = request.Items.Single().JobId!.Value;

        await Host.ConnectAgentAsync(server.Id, agentId);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=waiting-for-agent]")));

        await Host.ReportStepAsync(server.Id, new JobStepEvent(jobId, 1, "plan", JobStepState.Running, DateTimeOffset.UtcNow, null, string.Empty, null));
        cut.WaitForAssertion(() => Assert.Equal(JobStates.Running, cut.Find("[data-testid=item-job]").GetAttribute("data-job-state")));

        await Host.ReportCompletionAsync(server.Id, agentId, new JobCompletion(jobId, AgentJobState.Succeeded, [new SettingDiff("soft_bounce", SettingOperation.Set, "no", ["yes"], ["no"], false)], null, DateTimeOffset.UtcNow));
        cut.WaitForAssertion(() => Assert.Equal(ChangeRequestStates.Applied, cut.Find("[data-testid=change-request]").GetAttribute("data-state")));
        Assert.Equal(JobStates.Succeeded, cut.Find("[data-testid=item-job]").GetAttribute("data-job-state"));
    }

    [Fact]
    public async Task Details_EditAfterApproval_SendsItBackToReviewWithoutApprovals()
    {
        var (server, author, request) = await ApprovedAsync();
        SignIn(author);
        var cut = RenderPage<ChangeRequestDetails>(p => p.Add(x => x.Id, request.Id));
        cut.WaitForAssertion(() => Assert.Contains("resets the approvals", cut.Find("[data-testid=edit-panel]").TextContent, StringComparison.Ordinal));
        cut.Find("[data-testid=edit-panel] .mud-expand-panel-header").Click();

        cut.Type("cr-title", "Reworded");
        cut.Type("cr-items", $"{server.Name}: {RemediationSetup.BounceCheck}, {RemediationSetup.UnlistedSenderCheck}");
        await cut.Find("[data-testid=save-change-request]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal(ChangeRequestStates.InReview, cut.Find("[data-testid=change-request]").GetAttribute("data-state")));
        Assert.Equal("0 of 1 approval", cut.Find("[data-testid=approval-count]").TextContent.Trim());
        Assert.Contains("Reworded", cut.Find("h1, .page-title").TextContent, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("[data-testid=diff-row][data-check-id='mta.unlisted-sender']"));
        Providers.WaitForAssertion(() => Assert.Contains("the approvals were reset", Providers.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Details_EditWithAnUnknownServer_KeepsTheInputWithTheErrorUnderTheField()
    {
        var (_, author, request) = await DraftAsync();
        SignIn(author);
        var cut = RenderPage<ChangeRequestDetails>(p => p.Add(x => x.Id, request.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=edit-panel]")));
        cut.Find("[data-testid=edit-panel] .mud-expand-panel-header").Click();
        cut.Type("cr-items", "gone-server: mta.bounce-hygiene");

        await cut.Find("[data-testid=save-change-request]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Line 1: no server is named 'gone-server'.", cut.FieldText("cr-items"), StringComparison.Ordinal));
        Assert.Equal("gone-server: mta.bounce-hygiene", cut.Value("cr-items"));
        Assert.Equal(request.Revision, (await GetAsync(request.Id)).Revision);
    }

    [Fact]
    public async Task Details_EditWhileSomeoneElseEdited_SaysSoAndReloadShowsTheirVersion()
    {
        var (server, author, request) = await DraftAsync();
        SignIn(author);
        var cut = RenderPage<ChangeRequestDetails>(p => p.Add(x => x.Id, request.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=edit-panel]")));
        cut.Find("[data-testid=edit-panel] .mud-expand-panel-header").Click();
        cut.Type("cr-title", "Mine");

        var colleague = await Host.CreateUserAsync(Roles.Operator);
        await Host.ActAsync(colleague, (r, a) => r.UpdateAsync(request.Id, new ChangeRequestInput { Title = "Theirs", Items = [new() { ServerId = server.Id, CheckIds = [RemediationSetup.BounceCheck] }] }, null, a, CancellationToken.None));

        // The page follows the request live, and the form keeps what was typed.
        cut.WaitForAssertion(() => Assert.Contains("Theirs", cut.Find("h1, .page-title").TextContent, StringComparison.Ordinal));
        Assert.Equal("Mine", cut.Value("cr-title"));

        await cut.Find("[data-testid=save-change-request]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("changed since you loaded it", cut.Find("[data-testid=edit-panel] [data-testid=problem]").TextContent, StringComparison.Ordinal));
        Assert.Equal("Theirs", (await GetAsync(request.Id)).Title);
        await cut.Find("[data-testid=edit-reload]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Equal("Theirs", cut.Value("cr-title")));
        Assert.Empty(cut.FindAll("[data-testid=edit-panel] [data-testid=problem]"));
    }

    [Fact]
    public async Task Details_WithdrawConfirmed_ByTheAuthorButNotOfferedToAnotherOperator()
    {
        var (_, author, request) = await InReviewAsync();
        await SignInAsync(Roles.Operator);
        var other = RenderPage<ChangeRequestDetails>(p => p.Add(x => x.Id, request.Id));
        other.WaitForAssertion(() => Assert.NotNull(other.Find("[data-testid=change-request]")));
        Assert.Empty(other.FindAll("[data-testid=withdraw]"));

        SignIn(author);
        var cut = Render<ChangeRequestDetails>(p => p.Add(x => x.Id, request.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=withdraw]")));
        var withdrawing = cut.Find("[data-testid=withdraw]").ClickAsync(new());
        Providers.WaitForAssertion(() => Assert.NotNull(Providers.Find("[data-testid=confirm-ok]")));
        await Providers.Find("[data-testid=confirm-ok]").ClickAsync(new());
        await withdrawing;

        cut.WaitForAssertion(() => Assert.Equal(ChangeRequestStates.Withdrawn, cut.Find("[data-testid=change-request]").GetAttribute("data-state")));
        Assert.Empty(cut.FindAll("[data-testid=actions]"));
    }

    [Fact]
    public async Task Details_Comment_EmptyIsRefusedUnderTheFieldThenAddedAndCleared()
    {
        var (_, _, request) = await DraftAsync();
        await SignInAsync(Roles.Viewer);
        var cut = RenderPage<ChangeRequestDetails>(p => p.Add(x => x.Id, request.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=no-comments]")));

        await cut.Find("[data-testid=add-comment]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Contains("A comment needs text", cut.FieldText("comment-text"), StringComparison.Ordinal));

        cut.Type("comment-text", "Looks right to me.");
        await cut.Find("[data-testid=add-comment]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Looks right to me.", cut.Find("[data-testid=comment][data-kind=comment]").TextContent, StringComparison.Ordinal));
        Assert.True(string.IsNullOrEmpty(cut.Value("comment-text")));
        Assert.DoesNotContain("A comment needs text", cut.FieldText("comment-text"), StringComparison.Ordinal);
    }

    private void SignIn(ClaimsPrincipal user) => ((TestAuthenticationStateProvider)Services.GetService(typeof(Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider))!).SetUser(user);

    private async Task<(ServerDto Server, ClaimsPrincipal Author, ChangeRequestDto Request)> DraftAsync()
    {
        var (server, _) = await Host.AddServerWithAgentAsync(Unique("cr"));
        var author = await Host.CreateUserAsync(Roles.Operator);
        return (server, author, await Host.CreateRequestAsync(author, Unique("Fix soft_bounce "), (server.Id, [RemediationSetup.BounceCheck])));
    }

    private async Task<(ServerDto Server, ClaimsPrincipal Author, ChangeRequestDto Request)> InReviewAsync()
    {
        var (server, author, request) = await DraftAsync();
        return (server, author, await Host.ActAsync(author, (r, a) => r.SubmitAsync(request.Id, null, a, CancellationToken.None)));
    }

    private async Task<(ServerDto Server, ClaimsPrincipal Author, ChangeRequestDto Request)> ApprovedAsync()
    {
        var (server, author, request) = await InReviewAsync();
        var reviewer = await Host.CreateUserAsync(Roles.Reviewer);
        return (server, author, await Host.ActAsync(reviewer, (r, a) => r.ApproveAsync(request.Id, null, a, CancellationToken.None)));
    }

    private async Task<(ServerDto Server, Guid AgentId, ClaimsPrincipal Author, ChangeRequestDto Request)> ApplyingAsync()
    {
        var (server, agentId) = await Host.AddServerWithAgentAsync(Unique("apply"));
        var author = await Host.CreateUserAsync(Roles.Operator);
        var reviewer = await Host.CreateUserAsync(Roles.Reviewer);
        var request = await Host.CreateRequestAsync(author, Unique("Apply "), (server.Id, [RemediationSetup.BounceCheck]));
        await Host.ActAsync(author, (r, a) => r.SubmitAsync(request.Id, null, a, CancellationToken.None));
        await Host.ActAsync(reviewer, (r, a) => r.ApproveAsync(request.Id, null, a, CancellationToken.None));
        return (server, agentId, author, await Host.ActAsync(author, (r, a) => r.ApplyAsync(request.Id, null, a, CancellationToken.None)));
    }

    private Task<ChangeRequestDto> GetAsync(Guid id) => Host.WithAsync<IChangeRequestService, ChangeRequestDto>(async r => (await r.GetAsync(id, CancellationToken.None))!);

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..6];
}
