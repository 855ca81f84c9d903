using BackscatterConsole.Client.Features.Checks;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Users;

namespace BackscatterConsole.Client.Tests.Checks;

public sealed class ScanDetailsTests(ConsoleHost host) : PortalTest(host)
{
    [Fact]
    public async Task ScanDetails_UnknownId_SaysNotFound()
    {
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<ScanDetails>(p => p.Add(x => x.Id, Guid.NewGuid()));

        cut.WaitForAssertion(() => Assert.Contains("No scan has this id", cut.Find("[data-testid=empty-state]").TextContent));
    }

    [Fact]
    public async Task ScanDetails_RunningScan_FillsInAsResultsArriveAndEndsWhenItCompletes()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("live"));
        var scanId = await Host.AddRunningScanAsync(server.Id);
        await SignInAsync(Roles.Viewer);
        var cut = RenderPage<ScanDetails>(p => p.Add(x => x.Id, scanId));
        cut.WaitForAssertion(() => Assert.Equal("running", cut.Find("[data-testid=scan-results]").GetAttribute("data-scan-status")));
        Assert.Contains("Waiting for the first results", cut.Find("[data-testid=no-results]").TextContent);

        await Host.AddResultAsync(scanId, 0, "mta.bounce-hygiene", CheckStatus.Warn, 50);
        await Host.PublishAsync(new ScanProgressEvent(scanId, server.Id, ScanStatuses.Running, 50, null));

        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid=scan-results]").GetAttribute("data-result-count")));
        Assert.Equal("50", cut.Find("[data-testid=scan-progress]").GetAttribute("data-value"));
        Assert.Contains("soft_bounce is on", cut.Find("[data-check-id='mta.bounce-hygiene']").TextContent);

        // A passing result shows as well: a running scan is watched whole, not filtered to problems.
        await Host.AddResultAsync(scanId, 1, "mta.policyd", CheckStatus.Pass, 100);
        await Host.FinishScanAsync(scanId, 15);
        await Host.PublishAsync(new ScanCompletedEvent(scanId, server.Id, ScanStatuses.Completed, 100, 15, null, null));

        cut.WaitForAssertion(() => Assert.Equal("completed", cut.Find("[data-testid=scan-results]").GetAttribute("data-scan-status")));
        Assert.Equal("2", cut.Find("[data-testid=scan-results]").GetAttribute("data-result-count"));
        Assert.Equal("pass", cut.Find("[data-check-id='mta.policyd']").GetAttribute("data-check-status"));
        Assert.Equal("15", cut.Find("[data-testid=risk-dial]").GetAttribute("data-risk"));
    }

    [Fact]
    public async Task ScanDetails_EventsOfOtherScans_AreIgnored()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("other"));
        var scanId = await Host.AddRunningScanAsync(server.Id);
        var otherId = await Host.AddRunningScanAsync((await Host.AddSettingsOnlyServerAsync(Unique("other"))).Id);
        await SignInAsync(Roles.Viewer);
        var cut = RenderPage<ScanDetails>(p => p.Add(x => x.Id, scanId));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=scan-results]")));

        await Host.AddResultAsync(scanId, 0, "mta.policyd", CheckStatus.Warn, 50);
        await Host.PublishAsync(new ScanProgressEvent(otherId, server.Id, ScanStatuses.Running, 50, null));
        await Task.Delay(500);

        Assert.Equal("0", cut.Find("[data-testid=scan-results]").GetAttribute("data-result-count"));
    }

    [Fact]
    public async Task ScanDetails_ViewerOnARunningScan_CannotCancel()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("nocancel"));
        var scanId = await Host.AddRunningScanAsync(server.Id);
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<ScanDetails>(p => p.Add(x => x.Id, scanId));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=scan-status]")));
        Assert.Empty(cut.FindAll("[data-testid=cancel-scan]"));
    }

    [Fact]
    public async Task ScanDetails_OperatorCancels_TheScanEndsCancelled()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("cancel"));
        var scanId = await Host.AddRunningScanAsync(server.Id);
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<ScanDetails>(p => p.Add(x => x.Id, scanId));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=cancel-scan]")));

        await cut.Find("[data-testid=cancel-scan]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal("cancelled", cut.Find("[data-testid=scan-status]").GetAttribute("data-scan-status")));
        Assert.Empty(cut.FindAll("[data-testid=cancel-scan]"));
        Assert.Contains("Cancelled by a user", cut.Find("[data-testid=scan-error]").TextContent);
        Providers.WaitForAssertion(() => Assert.Contains("Cancellation requested.", Providers.Markup));
    }

    [Fact]
    public async Task ScanDetails_CompletedScanAfterAFix_ListsWhatChangedAndOpensOnProblems()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("changes"));
        await Host.UploadSettingsAsync(server.Id, ScanSetup.WeakPostconf);
        await Host.ScanAsync(server.Id);
        await Host.UploadSettingsAsync(server.Id, ScanSetup.FixedPostconf);
        var second = await Host.ScanAsync(server.Id);
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<ScanDetails>(p => p.Add(x => x.Id, second.Id));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=changes]")));
        Assert.NotNull(cut.Find("[data-testid=change][data-change-id='mta.bounce-hygiene']"));
        Assert.Empty(cut.FindAll("[data-check-status=pass]"));
        Assert.Equal("100", cut.Find("[data-testid=scan-progress]").GetAttribute("data-value"));
    }

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..6];
}
