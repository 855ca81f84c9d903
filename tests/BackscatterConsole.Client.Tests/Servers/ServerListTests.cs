using BackscatterConsole.Client.Features.Servers;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Client.Tests.Servers;

public sealed class ServerListTests(ConsoleHost host) : PortalTest(host)
{
    [Fact]
    public async Task ServerList_Viewer_SeesServersButNoChangingActions()
    {
        var name = Unique("view");
        await Host.AddServerAsync(name);
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<ServerList>();

        cut.WaitForAssertion(() => Assert.Contains(name, cut.Markup));
        Assert.Empty(cut.FindAll("[data-testid=add-server]"));
        Assert.Empty(cut.FindAll("[data-testid=scan-all]"));
        Assert.Empty(cut.FindAll("input[type=checkbox]"));
    }

    [Fact]
    public async Task ServerList_Operator_SeesAddScanAndSelection()
    {
        var name = Unique("op");
        await Host.AddServerAsync(name);
        await SignInAsync(Roles.Operator);

        var cut = RenderPage<ServerList>();

        cut.WaitForAssertion(() => Assert.Contains(name, cut.Markup));
        Assert.NotNull(cut.Find("[data-testid=add-server]"));
        Assert.NotNull(cut.Find("[data-testid=scan-all]"));
        Assert.NotEmpty(cut.FindAll("input[type=checkbox]"));
    }

    [Fact]
    public async Task ServerList_FilterFromAddress_IsAppliedByTheServiceAndKeptInTheAddress()
    {
        var tag = Unique("t");
        var tagged = Unique("tagged");
        var other = Unique("other");
        await Host.AddServerAsync(tagged, MailPlatforms.Carbonio, tag);
        await Host.AddServerAsync(other, MailPlatforms.Carbonio);
        await SignInAsync(Roles.Viewer);
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo($"servers?platform=carbonio&tag={tag}&sort=-name");

        var cut = RenderPage<ServerList>();

        cut.WaitForAssertion(() => Assert.Contains(tagged, cut.Markup));
        Assert.DoesNotContain(other, cut.Markup);
        Assert.Equal("1 server", cut.Find("[data-testid=server-count]").TextContent.Trim());
        Assert.Contains("platform=carbonio", navigation.Uri, StringComparison.Ordinal);
        Assert.Contains($"tag={tag}", navigation.Uri, StringComparison.Ordinal);
        Assert.Contains("sort=-name", navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerList_InvalidFilterInAddress_ShowsTheServicesReasonInline()
    {
        await SignInAsync(Roles.Viewer);
        Services.GetRequiredService<NavigationManager>().NavigateTo("servers?minRisk=70&maxRisk=20");

        var cut = RenderPage<ServerList>();

        cut.WaitForAssertion(() => Assert.Contains("The highest risk (20) is below the lowest (70).", cut.Find("[data-testid=problem]").TextContent));
    }

    [Fact]
    public async Task ServerList_ScanCompletedForAVisibleServer_ReloadsItsRowWithoutReloadingThePage()
    {
        var name = Unique("live");
        var server = await Host.AddServerAsync(name);
        await SignInAsync(Roles.Viewer);
        Services.GetRequiredService<NavigationManager>().NavigateTo($"servers?q={name}");
        var cut = RenderPage<ServerList>();
        cut.WaitForAssertion(() => Assert.Contains("not scanned", cut.Find("[data-testid=server-risk]").TextContent));

        await Host.WithAsync<AppDbContext, int>(db => db.Servers.Where(s => s.Id == server.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.RiskScore, 84).SetProperty(s => s.WorstStatus, "fail").SetProperty(s => s.LastScannedAt, DateTime.UtcNow)));
        await Host.PublishAsync(new ScanCompletedEvent(Guid.NewGuid(), server.Id, ScanStatuses.Completed, 100, 84, null, null));

        cut.WaitForAssertion(() => Assert.Equal("84", cut.Find("[data-testid=server-risk]").TextContent.Trim()), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ServerList_TagSelected_AddsTheTagToEverySelectedServer()
    {
        var prefix = Unique("bulk");
        var first = await Host.AddServerAsync(prefix + "-a");
        var second = await Host.AddServerAsync(prefix + "-b");
        await SignInAsync(Roles.Operator);
        Services.GetRequiredService<NavigationManager>().NavigateTo($"servers?q={prefix}");
        var cut = RenderPage<ServerList>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=server-link]").Count));

        // The header checkbox selects the page.
        cut.FindAll("input[type=checkbox]")[0].Change(true);
        cut.WaitForAssertion(() => Assert.Equal("2 selected", cut.Find("[data-testid=selection-count]").TextContent.Trim()));
        // The click's handler waits for the dialog, so it completes only after the dialog closes.
        var tagging = cut.Find("[data-testid=tag-selected]").ClickAsync(new());
        Providers.WaitForAssertion(() => Assert.NotNull(Providers.Find("[data-testid=tag-dialog]")));
        Providers.Find("input[data-testid=tag-input], [data-testid=tag-input] input").Input("critical");
        await Providers.Find("[data-testid=tag-apply]").ClickAsync(new());
        await tagging;

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=tag-chip]").Count(c => c.TextContent.Trim() == "critical")));
        foreach (var id in new[] { first.Id, second.Id })
        {
            var stored = await Host.WithAsync<IServerInventory, ServerDto?>(i => i.GetAsync(id, CancellationToken.None));
            Assert.Contains("critical", stored!.Tags);
        }
    }

    [Fact]
    public async Task ServerList_ScanAll_QueuesAFleetScanOfEveryServerAndSaysHowMany()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("fleet"));
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<ServerList>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=scan-all]")));

        await cut.Find("[data-testid=scan-all]").ClickAsync(new());

        Providers.WaitForAssertion(() => Assert.Contains("Queued", Providers.Markup));
        var history = await Host.WithAsync<IScanService, Shared.Common.OperationResult<Shared.Common.PagedResult<ScanSummaryDto>>>(s => s.ListAsync(server.Id, 1, 10, CancellationToken.None));
        Assert.Contains(history.Value!.Items, s => s.Trigger == ScanTriggers.Fleet);
    }

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..6];
}
