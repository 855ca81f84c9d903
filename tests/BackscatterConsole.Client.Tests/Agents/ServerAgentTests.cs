using BackscatterConsole.Client.Features.Agents;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.ChangeRequests;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Client.Tests.Agents;

public sealed class ServerAgentTests(ConsoleHost host) : PortalTest(host)
{
    [Fact]
    public async Task ServerAgent_Viewer_SeesPresenceAndTheFixesButNoAction()
    {
        var (server, _) = await Host.AddServerWithAgentAsync(Unique("view"));
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<ServerAgent>(p => p.Add(x => x.Id, server.Id));

        cut.WaitForAssertion(() => Assert.Equal(AgentStatusDto.NeverConnected, cut.Find("[data-testid=agent-status]").GetAttribute("data-status")));
        Assert.Contains("Debian 12", cut.Find("[data-testid=agent-facts]").TextContent, StringComparison.Ordinal);
        Assert.Contains(cut.FindAll("[data-testid=fixable-check]"), c => c.GetAttribute("data-check-id") == RemediationSetup.BounceCheck);
        Assert.Contains("postconf -e soft_bounce=no", cut.Find("[data-testid=fix-panel]").TextContent, StringComparison.Ordinal);
        foreach (var action in new[] { "create-enrollment", "revoke-agent", "request-snapshot", "propose-change", "create-job" })
        {
            Assert.Empty(cut.FindAll($"[data-testid={action}]"));
        }

        Assert.Empty(cut.FindAll("input[type=checkbox]"));
    }

    [Fact]
    public async Task ServerAgent_UnknownServer_SaysNotFound()
    {
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<ServerAgent>(p => p.Add(x => x.Id, Guid.NewGuid()));

        cut.WaitForAssertion(() => Assert.Contains("No server has this id", cut.Find("[data-testid=empty-state]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ServerAgent_CreateEnrollment_ShowsTheTokenAndCommandOnce()
    {
        var server = await Host.AddServerAsync(Unique("enroll"));
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<ServerAgent>(p => p.Add(x => x.Id, server.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=no-snapshot]")));
        Assert.Empty(cut.FindAll("[data-testid=revoke-agent]"));

        await cut.Find("[data-testid=create-enrollment]").ClickAsync(new());

        var token = cut.WaitForElement("[data-testid=enrollment-token-value]").TextContent.Trim();
        Assert.StartsWith("bsce_", token, StringComparison.Ordinal);
        Assert.Contains($"--Agent:EnrollmentToken={token} --Agent:Connector=postfix", cut.Find("[data-testid=agent-command]").TextContent, StringComparison.Ordinal);

        // Opened again (the providers are already there), the page has no token to show.
        var again = Render<ServerAgent>(p => p.Add(x => x.Id, server.Id));
        again.WaitForAssertion(() => Assert.NotNull(again.Find("[data-testid=agent-status]")));
        Assert.Empty(again.FindAll("[data-testid=enrollment-token]"));
    }

    [Fact]
    public async Task ServerAgent_RevokeCancelledThenConfirmed_KeepsThenRevokesTheAgent()
    {
        var (server, _) = await Host.AddServerWithAgentAsync(Unique("revoke"));
        await SignInAsync(Roles.Admin);
        var cut = RenderPage<ServerAgent>(p => p.Add(x => x.Id, server.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=revoke-agent]")));

        var cancelled = cut.Find("[data-testid=revoke-agent]").ClickAsync(new());
        Providers.WaitForAssertion(() => Assert.Contains("disconnected at once", Providers.Find("[data-testid=confirm-dialog]").TextContent, StringComparison.Ordinal));
        await Providers.Find("[data-testid=confirm-cancel]").ClickAsync(new());
        await cancelled;
        Assert.NotNull(await AgentIdAsync(server.Id));

        var confirmed = cut.Find("[data-testid=revoke-agent]").ClickAsync(new());
        Providers.WaitForAssertion(() => Assert.NotNull(Providers.Find("[data-testid=confirm-ok]")));
        await Providers.Find("[data-testid=confirm-ok]").ClickAsync(new());
        await confirmed;

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=revoke-agent]")));
        Assert.Null(await AgentIdAsync(server.Id));
        Providers.WaitForAssertion(() => Assert.Contains("revoked and disconnected", Providers.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ServerAgent_CollectNowWhileTheAgentIsOffline_SaysWhyInline()
    {
        var (server, _) = await Host.AddServerWithAgentAsync(Unique("offline"));
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<ServerAgent>(p => p.Add(x => x.Id, server.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=request-snapshot]")));

        await cut.Find("[data-testid=request-snapshot]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("is not connected", cut.Find("[data-testid=agent-status] [data-testid=problem]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ServerAgent_AgentConnects_PresenceTurnsOnlineLiveAndCollectNowAsksIt()
    {
        var (server, agentId) = await Host.AddServerWithAgentAsync(Unique("online"));
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<ServerAgent>(p => p.Add(x => x.Id, server.Id));
        cut.WaitForAssertion(() => Assert.Equal(AgentStatusDto.NeverConnected, cut.Find("[data-testid=agent-status]").GetAttribute("data-status")));

        await Host.ConnectAgentAsync(server.Id, agentId);

        cut.WaitForAssertion(() => Assert.Equal(AgentStatusDto.Online, cut.Find("[data-testid=agent-status]").GetAttribute("data-status")));
        await cut.Find("[data-testid=request-snapshot]").ClickAsync(new());
        Providers.WaitForAssertion(() => Assert.Contains("Asked the agent for a fresh snapshot", Providers.Markup, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=agent-status] [data-testid=problem]"));
    }

    [Fact]
    public async Task ServerAgent_ProposeForTheCheckedFix_DraftsAChangeRequestAndOpensIt()
    {
        var (server, _) = await Host.AddServerWithAgentAsync(Unique("propose"));
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<ServerAgent>(p => p.Add(x => x.Id, server.Id));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=fixable-check]")));

        cut.Find($"[data-testid=fixable-check][data-check-id='{RemediationSetup.BounceCheck}'] input[type=checkbox]").Change(true);
        await cut.Find("[data-testid=propose-change]").ClickAsync(new());

        var navigation = Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.Contains("/change-requests/", navigation.Uri, StringComparison.Ordinal));
        var id = Guid.Parse(navigation.Uri[(navigation.Uri.LastIndexOf('/') + 1)..]);
        var request = await Host.WithAsync<IChangeRequestService, ChangeRequestDto?>(r => r.GetAsync(id, CancellationToken.None));
        Assert.Equal(ChangeRequestStates.Draft, request!.State);
        Assert.Equal([RemediationSetup.BounceCheck], Assert.Single(request.Items).CheckIds);
    }

    [Fact]
    public async Task ServerAgent_ProposeWithNothingChecked_ShowsTheServicesReasonAndStays()
    {
        var (server, _) = await Host.AddServerWithAgentAsync(Unique("nothing"));
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<ServerAgent>(p => p.Add(x => x.Id, server.Id));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=fixable-check]")));

        await cut.Find("[data-testid=propose-change]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Name the failed checks to fix", cut.Find("[data-testid=job-form-error]").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain("change-requests", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerAgent_DryRunTwice_OpensTheJobThenSaysOneIsAlreadyQueued()
    {
        var (server, _) = await Host.AddServerWithAgentAsync(Unique("dry"));
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<ServerAgent>(p => p.Add(x => x.Id, server.Id));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=fixable-check]")));
        cut.Find($"[data-testid=fixable-check][data-check-id='{RemediationSetup.BounceCheck}'] input[type=checkbox]").Change(true);

        await cut.Find("[data-testid=create-job]").ClickAsync(new());
        var navigation = Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.Contains("/jobs/", navigation.Uri, StringComparison.Ordinal));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=job-link]")));

        await cut.Find("[data-testid=create-job]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("already has a job", cut.Find("[data-testid=job-form-error]").TextContent, StringComparison.Ordinal));
        Assert.True(((AngleSharp.Html.Dom.IHtmlInputElement)cut.Find($"[data-testid=fixable-check][data-check-id='{RemediationSetup.BounceCheck}'] input[type=checkbox]")).IsChecked);
    }

    [Fact]
    public async Task ServerAgent_JobQueuedElsewhere_AppearsInTheJobListLive()
    {
        var (server, _) = await Host.AddServerWithAgentAsync(Unique("jobs"));
        await SignInAsync(Roles.Viewer);
        var cut = RenderPage<ServerAgent>(p => p.Add(x => x.Id, server.Id));
        cut.WaitForAssertion(() => Assert.Contains("No jobs yet", cut.Find("[data-testid=jobs-panel]").TextContent, StringComparison.Ordinal));

        var job = await Host.CreateDryRunAsync(server.Id, RemediationSetup.BounceCheck);

        cut.WaitForAssertion(() => Assert.Equal(job.Id.ToString(), cut.Find("[data-testid=job-link]").GetAttribute("data-job-id")));
        Assert.Equal(JobStates.Queued, cut.Find("[data-testid=job-link]").GetAttribute("data-state"));
    }

    private Task<Guid?> AgentIdAsync(Guid serverId) =>
        Host.WithAsync<IAgentAdministration, Guid?>(async agents => (await agents.GetStatusAsync(serverId, CancellationToken.None)).Value!.AgentId);

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..6];
}
