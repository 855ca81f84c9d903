using System.Reflection;
using BackscatterConsole.Client.Features.Servers;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Client.Tests.Servers;

public sealed class ServerDetailsTests(ConsoleHost host) : PortalTest(host)
{
    [Fact]
    public async Task ServerDetails_Viewer_SeesTheChecklistButNoChangingActions()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("view"));
        await Host.UploadSettingsAsync(server.Id, ScanSetup.WeakPostconf);
        await Host.ScanAsync(server.Id);
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<ServerDetails>(p => p.Add(x => x.Id, server.Id));

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-check-id]")));
        Assert.Empty(cut.FindAll("[data-testid=scan-now]"));
        Assert.Empty(cut.FindAll("[data-testid=edit-server]"));
        Assert.Empty(cut.FindAll("[data-testid=delete-server]"));
        Assert.NotNull(cut.Find("[data-testid=settings-snapshot]"));
        Assert.NotNull(cut.Find("[data-testid=server-agent]"));
    }

    [Fact]
    public async Task ServerDetails_OperatorOnANeverScannedServer_OffersScanNowEditAndDelete()
    {
        var server = await Host.AddServerAsync(Unique("op"));
        await SignInAsync(Roles.Operator);

        var cut = RenderPage<ServerDetails>(p => p.Add(x => x.Id, server.Id));

        cut.WaitForAssertion(() => Assert.Contains("Not scanned yet. Press Scan now.", cut.Find("[data-testid=not-scanned]").TextContent));
        Assert.NotNull(cut.Find("[data-testid=scan-now]"));
        Assert.NotNull(cut.Find("[data-testid=edit-server]"));
        Assert.NotNull(cut.Find("[data-testid=delete-server]"));
        Assert.Contains("No scans yet.", cut.Find("[data-testid=scan-history]").TextContent);
        Assert.Contains(server.Domains[0].Name, cut.Find("[data-testid=domain-table]").TextContent);
    }

    [Fact]
    public async Task ServerDetails_UnknownId_SaysNotFound()
    {
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<ServerDetails>(p => p.Add(x => x.Id, Guid.NewGuid()));

        cut.WaitForAssertion(() => Assert.Contains("No server has this id", cut.Find("[data-testid=empty-state]").TextContent));
    }

    [Fact]
    public async Task ServerDetails_ScanWithProblems_ShowsProblemsOnlyWithFindingTitlesAndAllChecksAfterTheToggle()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("weak"));
        await Host.UploadSettingsAsync(server.Id, ScanSetup.WeakPostconf);
        await Host.ScanAsync(server.Id);
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<ServerDetails>(p => p.Add(x => x.Id, server.Id));

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-check-id]")));
        var unknownRecipient = cut.Find("[data-check-id='smtp.unknown-recipient'][data-check-source=settings]");
        Assert.Equal("fail", unknownRecipient.GetAttribute("data-check-status"));
        Assert.Contains("Unknown recipients are accepted, then bounced", unknownRecipient.TextContent);
        Assert.Contains("postconf -e", unknownRecipient.TextContent);
        Assert.Equal("warn", cut.Find("[data-check-id='mta.bounce-hygiene']").GetAttribute("data-check-status"));
        Assert.Empty(cut.FindAll("[data-check-status=pass]"));
        Assert.True(int.Parse(cut.Find("[data-testid=risk-dial]").GetAttribute("data-risk")!, System.Globalization.CultureInfo.InvariantCulture) >= 60);
        Assert.NotNull(cut.Find("[data-testid=worst-finding]"));
        Assert.Equal("fail", cut.Find("[data-testid=family-summary] [data-family=smtp]").GetAttribute("data-status"));
        Assert.Single(cut.FindAll("[data-testid=scan-history] tbody tr"));

        cut.Find("[data-testid=problems-only] input, input[data-testid=problems-only]").Change(false);

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-check-status=pass]")));
    }

    [Fact]
    public async Task ServerDetails_SecondScanAfterAFix_ShowsWhatChangedAndATrendOfTwoScans()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("fixed"));
        await Host.UploadSettingsAsync(server.Id, ScanSetup.WeakPostconf);
        await Host.ScanAsync(server.Id);
        await Host.UploadSettingsAsync(server.Id, ScanSetup.FixedPostconf);
        await Host.ScanAsync(server.Id);
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<ServerDetails>(p => p.Add(x => x.Id, server.Id));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=changes]")));
        var change = cut.Find("[data-testid=change][data-change-id='smtp.unknown-recipient']");
        Assert.Equal(["fail", "pass"], change.QuerySelectorAll("[data-testid=status]").Select(s => s.GetAttribute("data-status")!));
        Assert.Contains("Unknown recipients are rejected at RCPT", change.TextContent);
        Assert.Equal("2", cut.Find("[data-testid=risk-trend]").GetAttribute("data-points"));
        Assert.Equal(2, cut.FindAll("[data-testid=scan-history] tbody tr").Count);
    }

    [Fact]
    public async Task ServerDetails_AScanOfThisServerRuns_ThePageFillsInWithoutReloading()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("live"));
        await Host.UploadSettingsAsync(server.Id, ScanSetup.WeakPostconf);
        await SignInAsync(Roles.Viewer);
        var cut = RenderPage<ServerDetails>(p => p.Add(x => x.Id, server.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=not-scanned]")));

        await Host.ScanAsync(server.Id);

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-check-id='smtp.unknown-recipient']")), TimeSpan.FromSeconds(10));
        Assert.Empty(cut.FindAll("[data-testid=not-scanned]"));
        Assert.Single(cut.FindAll("[data-testid=scan-history] tbody tr"));
    }

    [Fact]
    public async Task ServerDetails_ScanNow_QueuesAScanAndOpensItsPage()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("now"));
        await SignInAsync(Roles.Operator);
        var navigation = Services.GetRequiredService<NavigationManager>();
        var cut = RenderPage<ServerDetails>(p => p.Add(x => x.Id, server.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=scan-now]")));

        await cut.Find("[data-testid=scan-now]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Matches("/scans/[0-9a-f-]{36}$", navigation.Uri));
    }

    [Fact]
    public async Task ServerDetails_DeleteConfirmed_DeletesTheServerAndReturnsToTheList()
    {
        var server = await Host.AddServerAsync(Unique("del"));
        await SignInAsync(Roles.Operator);
        var navigation = Services.GetRequiredService<NavigationManager>();
        var cut = RenderPage<ServerDetails>(p => p.Add(x => x.Id, server.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=delete-server]")));

        var deleting = cut.Find("[data-testid=delete-server]").ClickAsync(new());
        Providers.WaitForAssertion(() => Assert.Contains(server.Name, Providers.Find("[data-testid=confirm-dialog]").TextContent));
        await Providers.Find("[data-testid=confirm-ok]").ClickAsync(new());
        await deleting;

        Assert.EndsWith("/servers", navigation.Uri, StringComparison.Ordinal);
        Assert.Null(await Host.WithAsync<IServerInventory, ServerDto?>(i => i.GetAsync(server.Id, CancellationToken.None)));
        Providers.WaitForAssertion(() => Assert.Contains("was deleted", Providers.Markup));
    }

    [Fact]
    public async Task ServerDetails_DeleteCancelled_KeepsTheServer()
    {
        var server = await Host.AddServerAsync(Unique("keep"));
        await SignInAsync(Roles.Admin);
        var cut = RenderPage<ServerDetails>(p => p.Add(x => x.Id, server.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=delete-server]")));

        var deleting = cut.Find("[data-testid=delete-server]").ClickAsync(new());
        Providers.WaitForAssertion(() => Assert.NotNull(Providers.Find("[data-testid=confirm-dialog]")));
        await Providers.Find("[data-testid=confirm-cancel]").ClickAsync(new());
        await deleting;

        Assert.NotNull(await Host.WithAsync<IServerInventory, ServerDto?>(i => i.GetAsync(server.Id, CancellationToken.None)));
        Assert.NotNull(cut.Find("[data-testid=delete-server]"));
    }

    [Fact]
    public async Task ServerDetails_DeleteAfterSomeoneElseEdited_DeletesNothingAndShowsTheCurrentVersion()
    {
        var server = await Host.AddServerAsync(Unique("stale"));
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<ServerDetails>(p => p.Add(x => x.Id, server.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=delete-server]")));
        await Host.WithAsync<IServerInventory, Shared.Common.OperationResult<ServerDto>>(i => i.UpdateAsync(
            server.Id,
            new ServerInput { Name = server.Name, Hostname = "renamed.example.com", Platform = server.Platform, Domains = [new HostedDomainInput { Name = server.Domains[0].Name }] },
            null,
            CancellationToken.None));

        var deleting = cut.Find("[data-testid=delete-server]").ClickAsync(new());
        Providers.WaitForAssertion(() => Assert.NotNull(Providers.Find("[data-testid=confirm-dialog]")));
        await Providers.Find("[data-testid=confirm-ok]").ClickAsync(new());
        await deleting;

        Assert.NotNull(await Host.WithAsync<IServerInventory, ServerDto?>(i => i.GetAsync(server.Id, CancellationToken.None)));
        Providers.WaitForAssertion(() => Assert.Contains("changed by someone else", Providers.Markup));
        cut.WaitForAssertion(() => Assert.Contains("renamed.example.com", cut.Markup));
    }

    [Fact]
    public async Task ServerDelete_OldAddress_OpensTheDeleteDialogOnTheServerPage()
    {
        var server = await Host.AddServerAsync(Unique("old"));
        await SignInAsync(Roles.Operator);
        var navigation = Services.GetRequiredService<NavigationManager>();

        Render<ServerDelete>(p => p.Add(x => x.Id, server.Id));
        Assert.EndsWith($"/servers/{server.Id}?delete=true", navigation.Uri, StringComparison.Ordinal);
        var cut = RenderPage<ServerDetails>(p => p.Add(x => x.Id, server.Id));

        Providers.WaitForAssertion(() => Assert.Contains(server.Name, Providers.Find("[data-testid=confirm-dialog]").TextContent));
        await Providers.Find("[data-testid=confirm-cancel]").ClickAsync(new());
        Assert.EndsWith($"/servers/{server.Id}", navigation.Uri, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("[data-testid=delete-server]"));
        Assert.Equal(Policies.ServersWrite, typeof(ServerDelete).GetCustomAttribute<AuthorizeAttribute>()!.Policy);
    }

    [Fact]
    public async Task ServerDetails_ViewerOnTheOldDeleteAddress_GetsNoDialog()
    {
        var server = await Host.AddServerAsync(Unique("nodel"));
        await SignInAsync(Roles.Viewer);
        Services.GetRequiredService<NavigationManager>().NavigateTo($"servers/{server.Id}?delete=true");

        var cut = RenderPage<ServerDetails>(p => p.Add(x => x.Id, server.Id));

        cut.WaitForAssertion(() => Assert.Contains(server.Name, cut.Markup));
        Assert.Empty(Providers.FindAll("[data-testid=confirm-dialog]"));
    }

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..6];
}
