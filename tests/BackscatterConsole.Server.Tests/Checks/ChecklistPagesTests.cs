using System.Net;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Checks;

namespace BackscatterConsole.Server.Tests.Checks;

/// <summary>The checklist pages over HTTP as a browser without script sees them (static server rendering).</summary>
public sealed class ChecklistPagesTests(AppFactory factory) : IClassFixture<AppFactory>
{
    private readonly HttpClient _api = factory.CreateApiClient();

    [Fact]
    public async Task SettingsPage_PasteWeakPostconfThenScanNow_ServerPageShowsGroupedChecklistWithCommandsAndRisk()
    {
        var server = await ScanApi.CreateServerAsync(_api);
        using var portal = await PortalSession.SignInAsync(factory, "admin", AppFactory.AdminPassword);

        var stored = await portal.SubmitAsync($"/servers/{server.Id}/settings", "snapshot", new()
        {
            ["Input.Text"] = "-bash: postconf: not quite\n" + ScanApi.Sample("postconf-n-weak.txt"),
            ["Input.PostconfP"] = ScanApi.Sample("postconf-P-weak.txt"),
        });
        Assert.Equal(HttpStatusCode.Redirect, stored.StatusCode);
        var settings = await portal.GetPageAsync($"/servers/{server.Id}/settings");
        Assert.Contains("-bash: postconf: not quite", settings.QuerySelector("[data-testid=ignored-lines]")?.TextContent, StringComparison.Ordinal);
        Assert.Contains("local_recipient_maps", settings.QuerySelector("[data-testid=latest-snapshot]")!.TextContent, StringComparison.Ordinal);

        var started = await portal.SubmitAsync($"/servers/{server.Id}", "scan-now", []);
        Assert.Equal(HttpStatusCode.Redirect, started.StatusCode);
        var scanPath = new Uri(new Uri("http://localhost"), started.Headers.Location!).AbsolutePath;
        Assert.StartsWith("/scans/", scanPath, StringComparison.Ordinal);
        await ScanApi.WaitUntilFinishedAsync(_api, Guid.Parse(scanPath["/scans/".Length..]));

        var scanPage = await portal.GetPageAsync(scanPath);
        Assert.Equal(ScanStatuses.Completed, scanPage.QuerySelector("[data-testid=scan-results]")!.GetAttribute("data-scan-status"));
        Assert.Equal("scan", scanPage.QuerySelector("#scan-live")!.GetAttribute("data-live"));

        var page = await portal.GetPageAsync($"/servers/{server.Id}");
        Assert.NotNull(page.QuerySelector("[data-testid=check-group-smtp] tr[data-check-id='smtp.unknown-recipient'][data-check-source=settings][data-check-status=fail]"));
        Assert.NotNull(page.QuerySelector("[data-testid=check-group-mta] tr[data-check-id^='mta.']"));
        var copy = page.QuerySelector("[data-testid=check-group-smtp] button[data-copy-target]")!;
        var command = page.QuerySelector(copy.GetAttribute("data-copy-target")!)!;
        Assert.StartsWith("postconf ", command.TextContent, StringComparison.Ordinal);
        Assert.True(int.Parse(page.QuerySelector("[data-testid=risk-gauge]")!.GetAttribute("data-risk")!, System.Globalization.CultureInfo.InvariantCulture) >= 60);
        Assert.Contains("Unknown recipients", page.QuerySelector("[data-testid=worst-finding]")!.TextContent, StringComparison.Ordinal);
        Assert.Single(page.QuerySelectorAll("[data-testid=scan-history] tbody tr"));
        Assert.Equal("server", page.QuerySelector("#server-live")!.GetAttribute("data-live"));

        var list = await portal.GetPageAsync("/servers?q=" + server.Name);
        Assert.NotNull(list.QuerySelector($"[data-testid=server-risk][data-server-id='{server.Id}'] [data-testid=risk-score]"));
        Assert.Contains("Unknown recipients", list.QuerySelector("[data-testid=server-worst]")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SettingsPage_GarbageText_Returns400WithInlineErrorAndStoresNothing()
    {
        var server = await ScanApi.CreateServerAsync(_api, platform: "zimbra");
        using var portal = await PortalSession.SignInAsync(factory, "admin", AppFactory.AdminPassword);

        var response = await portal.SubmitAsync($"/servers/{server.Id}/settings", "snapshot", new() { ["Input.Text"] = "hello world\nno attributes here" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var page = await PortalSession.ParseAsync(response);
        Assert.Contains("zmprov gacf", page.QuerySelector(".invalid-feedback")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("hello world\nno attributes here", page.QuerySelector("#text")!.TextContent);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetAsync($"/api/v1/servers/{server.Id}/settings-snapshots/latest")).StatusCode);
    }

    [Fact]
    public async Task ServerPage_AsViewer_HasNoScanButtonButShowsChecklist()
    {
        var server = await ScanApi.CreateServerAsync(_api);
        await ScanApi.WaitUntilFinishedAsync(_api, await ScanApi.StartAsync(_api, server.Id));
        using var viewer = await factory.CreateUserAsync("Viewer");
        using var portal = await PortalSession.SignInAsync(factory, viewer.UserName, viewer.Password);

        var page = await portal.GetPageAsync($"/servers/{server.Id}");

        Assert.Null(page.QuerySelector("[data-testid=scan-now]"));
        Assert.NotNull(page.QuerySelector("[data-testid=check-group-mta] tr[data-check-status=unknown]"));
    }

    [Fact]
    public async Task ServerList_ScanAll_QueuesAScanOfEveryServerAndSaysHowMany()
    {
        var server = await ScanApi.CreateServerAsync(_api);
        using var portal = await PortalSession.SignInAsync(factory, "admin", AppFactory.AdminPassword);

        var response = await portal.SubmitAsync("/servers", "scan-all", []);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var list = await portal.GetPageAsync("/servers");
        Assert.Contains("Queued", list.QuerySelector("[data-testid=flash]")!.TextContent, StringComparison.Ordinal);
        var history = await _api.GetStringAsync($"/api/v1/servers/{server.Id}/scans");
        Assert.Contains("\"trigger\":\"fleet\"", history, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScanPage_UnknownId_Returns404()
    {
        using var portal = await PortalSession.SignInAsync(factory, "admin", AppFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.NotFound, (await portal.GetAsync($"/scans/{Guid.NewGuid()}")).StatusCode);
    }
}
