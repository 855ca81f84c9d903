using BackscatterConsole.Client.Features.Jobs;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Users;

namespace BackscatterConsole.Client.Tests.Jobs;

public sealed class JobDetailsTests(ConsoleHost host) : PortalTest(host)
{
    [Fact]
    public async Task JobDetails_UnknownJob_SaysNotFound()
    {
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<JobDetails>(p => p.Add(x => x.Id, Guid.NewGuid()));

        cut.WaitForAssertion(() => Assert.Contains("No job has this id", cut.Find("[data-testid=empty-state]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task JobDetails_QueuedDryRunForAViewer_ShowsTheDiffAndThatItWaitsForTheAgentButNoCancel()
    {
        var (server, _) = await Host.AddServerWithAgentAsync(Unique("queued"));
        var job = await Host.CreateDryRunAsync(server.Id, RemediationSetup.BounceCheck);
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<JobDetails>(p => p.Add(x => x.Id, job.Id));

        cut.WaitForAssertion(() => Assert.Equal(JobStates.Queued, cut.Find("[data-testid=job]").GetAttribute("data-state")));
        var row = cut.Find($"[data-testid=diff-row][data-setting=soft_bounce]");
        Assert.Equal(RemediationSetup.BounceCheck, row.GetAttribute("data-check-id"));
        Assert.Equal("no", row.QuerySelector("[data-testid=diff-desired]")!.TextContent.Trim());
        Assert.Contains("postconf -e soft_bounce=no", row.TextContent, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("[data-testid=waiting-for-agent]"));
        Assert.Contains("No step yet", cut.Markup, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=cancel-job]"));
    }

    [Fact]
    public async Task JobDetails_CancelDismissedThenConfirmed_CancelsOnlyTheSecondTime()
    {
        var (server, _) = await Host.AddServerWithAgentAsync(Unique("cancel"));
        var job = await Host.CreateDryRunAsync(server.Id, RemediationSetup.BounceCheck);
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<JobDetails>(p => p.Add(x => x.Id, job.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=cancel-job]")));

        var dismissed = cut.Find("[data-testid=cancel-job]").ClickAsync(new());
        Providers.WaitForAssertion(() => Assert.NotNull(Providers.Find("[data-testid=confirm-cancel]")));
        await Providers.Find("[data-testid=confirm-cancel]").ClickAsync(new());
        await dismissed;
        Assert.Equal(JobStates.Queued, (await JobAsync(job.Id)).State);

        var confirmed = cut.Find("[data-testid=cancel-job]").ClickAsync(new());
        Providers.WaitForAssertion(() => Assert.NotNull(Providers.Find("[data-testid=confirm-ok]")));
        await Providers.Find("[data-testid=confirm-ok]").ClickAsync(new());
        await confirmed;

        cut.WaitForAssertion(() => Assert.Equal(JobStates.Cancelled, cut.Find("[data-testid=job]").GetAttribute("data-state")));
        Assert.Empty(cut.FindAll("[data-testid=cancel-job]"));
        Assert.Contains("Cancelled before it was sent", cut.Find("[data-testid=job-error]").TextContent, StringComparison.Ordinal);
        Assert.Equal(JobStates.Cancelled, (await JobAsync(job.Id)).State);
    }

    [Fact]
    public async Task JobDetails_AgentReportsStepsAndTheEnd_ThePageFollowsLive()
    {
        var (server, agentId) = await Host.AddServerWithAgentAsync(Unique("steps"));
        var job = await Host.CreateDryRunAsync(server.Id, RemediationSetup.BounceCheck);
        await SignInAsync(Roles.Viewer);
        var cut = RenderPage<JobDetails>(p => p.Add(x => x.Id, job.Id));
        cut.WaitForAssertion(() => Assert.Equal(JobStates.Queued, cut.Find("[data-testid=job]").GetAttribute("data-state")));
        var start = DateTimeOffset.UtcNow;

        await Host.ReportStepAsync(server.Id, new JobStepEvent(job.Id, 1, "plan", JobStepState.Running, start, null, string.Empty, null));

        cut.WaitForAssertion(() => Assert.Equal("running", cut.Find("[data-testid=job-step][data-step=plan]").GetAttribute("data-step-state")));
        Assert.Equal(JobStates.Running, cut.Find("[data-testid=job]").GetAttribute("data-state"));
        Assert.Empty(cut.FindAll("[data-testid=waiting-for-agent]"));

        await Host.ReportStepAsync(server.Id, new JobStepEvent(job.Id, 1, "plan", JobStepState.Succeeded, start, start.AddSeconds(2), "soft_bounce = yes", 0));
        await Host.ReportCompletionAsync(server.Id, agentId, new JobCompletion(job.Id, AgentJobState.Succeeded, [new SettingDiff("soft_bounce", SettingOperation.Set, "no", ["yes"], ["no"], false)], null, DateTimeOffset.UtcNow));

        cut.WaitForAssertion(() => Assert.Equal(JobStates.Succeeded, cut.Find("[data-testid=job]").GetAttribute("data-state")));
        Assert.Equal("succeeded", cut.Find("[data-testid=job-step][data-step=plan]").GetAttribute("data-step-state"));
        Assert.Contains("exit 0", cut.Find("[data-testid=job-step][data-step=plan]").TextContent, StringComparison.Ordinal);
        Assert.Equal("yes", cut.Find("[data-testid=diff-row][data-setting=soft_bounce] [data-testid=diff-current]").TextContent.Trim());

        // The output is folded away until asked for.
        Assert.DoesNotContain("mud-panel-expanded", cut.Find("[data-testid=job-step][data-step=plan]").ClassName ?? string.Empty, StringComparison.Ordinal);
        cut.Find("[data-testid=job-step][data-step=plan] .mud-expand-panel-header").Click();
        cut.WaitForAssertion(() => Assert.Contains("mud-panel-expanded", cut.Find("[data-testid=job-step][data-step=plan]").ClassName ?? string.Empty, StringComparison.Ordinal));
        Assert.Equal("soft_bounce = yes", cut.Find("[data-testid=job-step][data-step=plan] [data-testid=step-output]").TextContent);
    }

    [Fact]
    public async Task JobDetails_AgentReportsAFailure_ShowsItsError()
    {
        var (server, agentId) = await Host.AddServerWithAgentAsync(Unique("failed"));
        var job = await Host.CreateDryRunAsync(server.Id, RemediationSetup.BounceCheck);
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<JobDetails>(p => p.Add(x => x.Id, job.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=job]")));

        await Host.ReportCompletionAsync(server.Id, agentId, new JobCompletion(job.Id, AgentJobState.Failed, [], "postconf: fatal: open /etc/postfix/main.cf: Permission denied", DateTimeOffset.UtcNow));

        cut.WaitForAssertion(() => Assert.Contains("Permission denied", cut.Find("[data-testid=job-error]").TextContent, StringComparison.Ordinal));
        Assert.Equal(JobStates.Failed, cut.Find("[data-testid=job]").GetAttribute("data-state"));
        Assert.Empty(cut.FindAll("[data-testid=cancel-job]"));
    }

    private Task<JobDto> JobAsync(Guid id) => Host.WithAsync<IJobService, JobDto>(async jobs => (await jobs.GetAsync(id, CancellationToken.None))!);

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..6];
}
