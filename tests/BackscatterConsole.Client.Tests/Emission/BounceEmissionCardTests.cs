using BackscatterConsole.Client.Features.Emission;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Emission;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Users;

namespace BackscatterConsole.Client.Tests.Emission;

/// <summary>The server page's emission card on the real console services, reports stored by the same code the agents hub calls.</summary>
public sealed class BounceEmissionCardTests(ConsoleHost host) : PortalTest(host)
{
    [Fact]
    public async Task Card_NoReport_SaysSoAndLinksToTheAgentPage()
    {
        var server = await Host.AddServerAsync(Unique("none"));
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<BounceEmissionCard>(p => p.Add(x => x.ServerId, server.Id));

        cut.WaitForAssertion(() => Assert.Equal("no-report", cut.Find("[data-testid=bounce-emission]").GetAttribute("data-state")));
        Assert.Contains("No emission report yet", cut.Find("[data-testid=empty-state]").TextContent, StringComparison.Ordinal);
        Assert.Equal($"servers/{server.Id}/agent", cut.Find("[data-testid=emission-agent-link]").GetAttribute("href"));
    }

    [Fact]
    public async Task Card_Report_DrawsOneBarPerReportedHourAndGapsForTheRestAndShowsTheQueue()
    {
        var (server, agentId) = await Host.AddServerWithAgentAsync(Unique("bars"));
        var current = CurrentHour();
        await StoreAsync(server.Id, agentId, Report(agentId, [(current.AddHours(-2), 4, 1), (current, 7, 6)], queued: 2));
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<BounceEmissionCard>(p => p.Add(x => x.ServerId, server.Id));

        cut.WaitForAssertion(() => Assert.Equal("emitting", cut.Find("[data-testid=bounce-emission]").GetAttribute("data-state")));
        Assert.Equal("7", cut.Find("[data-testid=emission-to-foreign]").TextContent.Trim());
        Assert.Equal("11", cut.Find("[data-testid=emission-notifications]").TextContent.Trim());
        Assert.Equal("2", cut.Find("[data-testid=emission-queued]").TextContent.Trim());
        var bars = cut.FindAll("[data-testid=emission-bar]");
        Assert.Equal(2, bars.Count);
        Assert.Equal("6", bars[1].GetAttribute("data-to-foreign"));
        Assert.Equal(22, cut.FindAll("[data-testid=emission-gap]").Count);
        Assert.Contains("7 to foreign domains", cut.Find("[data-testid=status]").TextContent, StringComparison.Ordinal);
        Assert.Contains("forged.example.org (7)", cut.Find("[data-testid=emission-domains]").TextContent, StringComparison.Ordinal);
        Assert.Contains("4A1B2C3D4E", cut.Find("[data-testid=emission-queue]").TextContent, StringComparison.Ordinal);
        Assert.Contains("to foreign domains of 11", cut.Find("[data-testid=emission-chart] svg").GetAttribute("aria-label"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Card_SevenDays_ShowsTheOlderHourTheDayRangeLeavesOut()
    {
        var (server, agentId) = await Host.AddServerWithAgentAsync(Unique("week"));
        var current = CurrentHour();
        await StoreAsync(server.Id, agentId, Report(agentId, [(current.AddDays(-3), 5, 5), (current, 0, 0)], queued: 0));
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<BounceEmissionCard>(p => p.Add(x => x.ServerId, server.Id));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=emission-bar]")));
        Assert.Equal("quiet", cut.Find("[data-testid=bounce-emission]").GetAttribute("data-state"));

        await cut.Find("[data-testid=emission-range-7d]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=emission-bar]").Count));
        Assert.Equal(7 * 24 - 2, cut.FindAll("[data-testid=emission-gap]").Count);
        Assert.Equal("emitting", cut.Find("[data-testid=bounce-emission]").GetAttribute("data-state"));
        Assert.Equal("true", cut.Find("[data-testid=emission-range-7d]").GetAttribute("aria-pressed"));
    }

    [Fact]
    public async Task Card_AgentCouldNotReadTheLog_ShowsTheReason()
    {
        var (server, agentId) = await Host.AddServerWithAgentAsync(Unique("error"));
        await StoreAsync(server.Id, agentId, Report(agentId, [], queued: 0) with { LogError = "The mail log /var/log/mail.log does not exist.", Log = null });
        await SignInAsync(Roles.Reviewer);

        var cut = RenderPage<BounceEmissionCard>(p => p.Add(x => x.ServerId, server.Id));

        cut.WaitForAssertion(() => Assert.Equal("error", cut.Find("[data-testid=bounce-emission]").GetAttribute("data-state")));
        Assert.Contains("/var/log/mail.log does not exist", cut.Find("[data-testid=emission-log-error]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Card_NewReportArrives_ReRendersLive()
    {
        var (server, agentId) = await Host.AddServerWithAgentAsync(Unique("live"));
        var current = CurrentHour();
        await StoreAsync(server.Id, agentId, Report(agentId, [(current, 0, 0)], queued: 0));
        await SignInAsync(Roles.Viewer);
        var cut = RenderPage<BounceEmissionCard>(p => p.Add(x => x.ServerId, server.Id));
        cut.WaitForAssertion(() => Assert.Equal("quiet", cut.Find("[data-testid=bounce-emission]").GetAttribute("data-state")));

        // The store publishes BounceEmissionUpdatedEvent, as when the agents hub receives a report.
        await StoreAsync(server.Id, agentId, Report(agentId, [(current, 3, 3)], queued: 1) with { CollectedAt = DateTimeOffset.UtcNow.AddSeconds(1) });

        cut.WaitForAssertion(() => Assert.Equal("emitting", cut.Find("[data-testid=bounce-emission]").GetAttribute("data-state")));
        Assert.Equal("3", cut.Find("[data-testid=emission-to-foreign]").TextContent.Trim());
    }

    [Fact]
    public async Task Card_Emitting_NamesTheScansFailingCausesWithAProposeLinkForOperators()
    {
        var (server, agentId) = await Host.AddServerWithAgentAsync(Unique("cause"));
        await StoreAsync(server.Id, agentId, Report(agentId, [(CurrentHour(), 5, 5)], queued: 0));
        await Host.ScanAsync(server.Id);
        await SignInAsync(Roles.Operator);

        var cut = RenderPage<BounceEmissionCard>(p => p.Add(x => x.ServerId, server.Id));

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=emission-cause]")));
        var cause = cut.Find($"[data-testid=emission-cause][data-check='{RemediationSetup.BounceCheck}']");
        Assert.Equal($"change-requests/new?server={server.Id}&checks={RemediationSetup.BounceCheck}", cause.QuerySelector("[data-testid=emission-cause-propose]")!.GetAttribute("href"));
        Assert.Empty(cut.FindAll("[data-testid=emission-cause][data-check='mta.unlisted-sender']"));
    }

    [Fact]
    public async Task Card_Viewer_SeesTheCausesWithoutAProposeButton()
    {
        var (server, agentId) = await Host.AddServerWithAgentAsync(Unique("viewcause"));
        await StoreAsync(server.Id, agentId, Report(agentId, [(CurrentHour(), 5, 5)], queued: 0));
        await Host.ScanAsync(server.Id);
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<BounceEmissionCard>(p => p.Add(x => x.ServerId, server.Id));

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=emission-cause]")));
        Assert.Empty(cut.FindAll("[data-testid=emission-cause-propose]"));
        Assert.Contains("through a change request", cut.Find($"[data-testid=emission-cause][data-check='{RemediationSetup.BounceCheck}']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Card_ChangeAppliedAndLaterHoursQuiet_SaysItStoppedAndMarksTheChart()
    {
        var (server, agentId) = await Host.AddServerWithAgentAsync(Unique("stopped"));
        var current = CurrentHour();
        await StoreAsync(server.Id, agentId, Report(agentId, [(current.AddHours(-5), 6, 6), (current.AddHours(-4), 4, 4), (current.AddHours(-2), 0, 0), (current.AddHours(-1), 0, 0)], queued: 0));
        await AddAppliedJobAsync(server.Id, current.AddHours(-3).AddMinutes(20).UtcDateTime);
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<BounceEmissionCard>(p => p.Add(x => x.ServerId, server.Id));

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=emission-change]")));
        var change = cut.Find("[data-testid=emission-change]");
        Assert.Equal("true", change.GetAttribute("data-stopped"));
        Assert.Contains("Stopped", change.TextContent, StringComparison.Ordinal);
        Assert.Contains("10 to foreign domains in the 2 reported hour(s) before", change.TextContent, StringComparison.Ordinal);
        Assert.Contains("0 in the 2 reported hour(s) since", change.TextContent, StringComparison.Ordinal);
        Assert.Single(cut.FindAll("[data-testid=emission-change-marker]"));
    }

    [Fact]
    public async Task Card_ChangeAppliedButEmissionGoesOn_SaysStillEmitting()
    {
        var (server, agentId) = await Host.AddServerWithAgentAsync(Unique("goes-on"));
        var current = CurrentHour();
        await StoreAsync(server.Id, agentId, Report(agentId, [(current.AddHours(-4), 4, 4), (current.AddHours(-1), 3, 3)], queued: 0));
        await AddAppliedJobAsync(server.Id, current.AddHours(-3).AddMinutes(5).UtcDateTime);
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<BounceEmissionCard>(p => p.Add(x => x.ServerId, server.Id));

        cut.WaitForAssertion(() => Assert.Equal("false", cut.Find("[data-testid=emission-change]").GetAttribute("data-stopped")));
        Assert.Contains("Still emitting", cut.Find("[data-testid=emission-change]").TextContent, StringComparison.Ordinal);
    }

    private Task AddAppliedJobAsync(Guid serverId, DateTime finishedAt) =>
        Host.WithAsync<AppDbContext, bool>(async db =>
        {
            db.Jobs.Add(new RemediationJob
            {
                Id = Guid.CreateVersion7(),
                ServerId = serverId,
                State = JobStates.Succeeded,
                CheckIds = ["smtp.unknown-recipient"],
                ChangesJson = "[]",
                CreatedAt = finishedAt.AddMinutes(-2),
                CreatedBy = "setup",
                DispatchedAt = finishedAt.AddMinutes(-1),
                FinishedAt = finishedAt,
                ExpiresAt = finishedAt.AddHours(1),
            });
            await db.SaveChangesAsync();
            return true;
        });

    private static DateTimeOffset CurrentHour()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
    }

    private static EmissionReport Report(Guid agentId, (DateTimeOffset Start, int Notifications, int ToForeign)[] hours, int queued) => new(
        agentId,
        DateTimeOffset.UtcNow,
        ["example.com"],
        new QueueEmission(queued + 3, queued, queued, queued > 0 ? 600 : 0, queued > 0 ? [new DomainCount("forged.example.org", queued)] : [], queued > 0 ? ["4A1B2C3D4E"] : []),
        null,
        hours.Select(h => new EmissionHour(h.Start, h.Notifications, 0, 0, h.Notifications, h.ToForeign, h.ToForeign > 0 ? [new DomainCount("forged.example.org", h.ToForeign)] : [], 0)).ToList(),
        new LogScanState("/var/log/mail.log", 2048, 1, CurrentHour().AddHours(-3), DateTimeOffset.UtcNow),
        null);

    private Task StoreAsync(Guid serverId, Guid agentId, EmissionReport report) =>
        Host.WithAsync<BounceEmissionStore, bool>(async store =>
        {
            await store.StoreAsync(serverId, agentId, report, CancellationToken.None);
            return true;
        });

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..6];
}
