using BackscatterConsole.Client.Features.ChangeRequests;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Shared.ChangeRequests;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Client.Tests.ChangeRequests;

public sealed class ChangeRequestListTests(ConsoleHost host) : PortalTest(host)
{
    [Fact]
    public async Task List_Viewer_SeesRequestsButNeitherNewNorTheReviewSwitch()
    {
        var (server, _) = await Host.AddServerWithAgentAsync(Unique("list"));
        var author = await Host.CreateUserAsync(Roles.Operator);
        var request = await Host.CreateRequestAsync(author, Unique("Viewer sees"), (server.Id, [RemediationSetup.BounceCheck]));
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<ChangeRequestList>();

        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll("[data-testid=change-request-link]"), a => a.GetAttribute("href") == $"change-requests/{request.Id}"));
        Assert.Empty(cut.FindAll("[data-testid=new-change-request]"));
        Assert.Empty(cut.FindAll("[data-testid=filter-mine]"));
    }

    [Fact]
    public async Task List_Operator_SeesNewRequest()
    {
        await SignInAsync(Roles.Operator);

        var cut = RenderPage<ChangeRequestList>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=new-change-request]")));
    }

    [Fact]
    public async Task List_StateFromTheAddressWithNothingInIt_ShowsTheEmptyStateAndKeepsTheFilter()
    {
        await SignInAsync(Roles.Viewer);
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("change-requests?state=rolled-back");

        var cut = RenderPage<ChangeRequestList>();

        cut.WaitForAssertion(() => Assert.Contains("No change request is in this state", cut.Find("[data-testid=empty-state]").TextContent, StringComparison.Ordinal));
        Assert.Equal("0 requests", cut.Find("[data-testid=change-request-count]").TextContent.Trim());
        Assert.EndsWith("change-requests?state=rolled-back", navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_ReviewQueue_ShowsOnlyRequestsInReviewByOthers()
    {
        var (server, _) = await Host.AddServerWithAgentAsync(Unique("queue"));
        var (other, _) = await Host.AddServerWithAgentAsync(Unique("queue"));
        var author = await Host.CreateUserAsync(Roles.Operator);
        var waiting = await Host.CreateRequestAsync(author, Unique("Waiting"), (server.Id, [RemediationSetup.BounceCheck]));
        await Host.ActAsync(author, (r, a) => r.SubmitAsync(waiting.Id, null, a, CancellationToken.None));
        var draft = await Host.CreateRequestAsync(author, Unique("Draft"), (other.Id, [RemediationSetup.BounceCheck]));
        await SignInAsync(Roles.Reviewer);
        Services.GetRequiredService<NavigationManager>().NavigateTo("change-requests?mine=review");

        var cut = RenderPage<ChangeRequestList>();

        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll("[data-testid=change-request-link]"), a => a.TextContent == waiting.Title));
        Assert.DoesNotContain(cut.FindAll("[data-testid=change-request-link]"), a => a.TextContent == draft.Title);
        Assert.Contains("Waiting for my review", cut.Find("h1, .page-title").TextContent, StringComparison.Ordinal);
        Assert.All(cut.FindAll("[data-testid=status]"), s => Assert.Equal(ChangeRequestStates.InReview, s.GetAttribute("data-status")));
    }

    [Fact]
    public async Task List_ReviewQueueOfSomeoneWhoCannotReview_IsEmpty()
    {
        await SignInAsync(Roles.Operator);
        Services.GetRequiredService<NavigationManager>().NavigateTo("change-requests?mine=review");

        var cut = RenderPage<ChangeRequestList>();

        cut.WaitForAssertion(() => Assert.Contains("Nothing waits for your review", cut.Find("[data-testid=empty-state]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task List_ARequestIsSubmittedElsewhere_TheFilteredListShowsItLive()
    {
        var (server, _) = await Host.AddServerWithAgentAsync(Unique("live"));
        var author = await Host.CreateUserAsync(Roles.Operator);
        var request = await Host.CreateRequestAsync(author, Unique("Live"), (server.Id, [RemediationSetup.BounceCheck]));
        await SignInAsync(Roles.Viewer);
        Services.GetRequiredService<NavigationManager>().NavigateTo("change-requests?state=in-review");
        var cut = RenderPage<ChangeRequestList>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=change-request-count]")));
        Assert.DoesNotContain(cut.FindAll("[data-testid=change-request-link]"), a => a.TextContent == request.Title);

        await Host.ActAsync(author, (r, a) => r.SubmitAsync(request.Id, null, a, CancellationToken.None));

        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll("[data-testid=change-request-link]"), a => a.TextContent == request.Title), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task List_MoreThanAPage_PagesOnTheServerAndKeepsThePageInTheAddress()
    {
        var (server, _) = await Host.AddServerWithAgentAsync(Unique("paging"));
        var author = await Host.CreateUserAsync(Roles.Operator);
        for (var i = 0; i < 11; i++)
        {
            await Host.CreateRequestAsync(author, Unique("Page"), (server.Id, [RemediationSetup.BounceCheck]));
        }

        await SignInAsync(Roles.Viewer);
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("change-requests?state=draft&pageSize=10");
        var cut = RenderPage<ChangeRequestList>();
        cut.WaitForAssertion(() => Assert.Equal(10, cut.FindAll("[data-testid=change-request-link]").Count));
        var total = int.Parse(cut.Find("[data-testid=change-request-count]").TextContent.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(total >= 11);

        await cut.Find("[aria-label='Next page'], button[aria-label*=next i]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("page=2", navigation.Uri, StringComparison.Ordinal));
        cut.WaitForAssertion(() => Assert.Equal(Math.Min(10, total - 10), cut.FindAll("[data-testid=change-request-link]").Count));
    }

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..6];
}
