using BackscatterConsole.Client.Features.Fleet;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Fleet;
using BackscatterConsole.Shared.Users;
using BackscatterConsole.Tests.Shared;

namespace BackscatterConsole.Client.Tests.Fleet;

public sealed class FleetDashboardTests(ConsoleHost host) : PortalTest(host)
{
    [Fact]
    public async Task FleetDashboard_Viewer_SeesEmittersListingsFindingsAndLinksIntoTheInventory()
    {
        var emitter = await Host.AddServerAsync(Unique("emit"));
        var listed = await Host.AddServerAsync(Unique("listed"));
        var now = DateTime.UtcNow;
        await Host.WithAsync<AppDbContext, bool>(async db =>
        {
            await FleetHistory.AddScanAsync(db, emitter.Id, now.AddHours(-1), 82, true, ("smtp.unknown-recipient", "fail"));
            await FleetHistory.AddScanAsync(db, listed.Id, now.AddHours(-1), 30, true, (FleetCheckIds.DnsblListing, "fail"));
            await FleetHistory.AddEmissionHourAsync(db, emitter.Id, now.AddHours(-2), 12, 9);
            return true;
        });
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<FleetDashboard>();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll($"[data-testid=emitting-server][data-server-id='{emitter.Id}']")));
        Assert.Contains(emitter.Name, cut.Find("[data-testid=emitting-servers]").TextContent);
        Assert.Equal($"servers/{listed.Id}", cut.Find($"[data-testid=listed-server][data-server-id='{listed.Id}'] a").GetAttribute("href"));
        Assert.Equal("servers?emitting=true", cut.Find("[data-testid=figure-emitting] a").GetAttribute("href"));
        Assert.Equal("servers?check=dnsbl.listing", cut.Find("[data-testid=figure-listed] a").GetAttribute("href"));
        var failing = cut.Find("[data-testid=failing-check][data-check-id='smtp.unknown-recipient'] a");
        Assert.Equal("servers?check=smtp.unknown-recipient", failing.GetAttribute("href"));
        Assert.Equal(CheckCatalog.TitleOr("smtp.unknown-recipient", CheckStatus.Fail, "?"), failing.TextContent.Trim());
        Assert.Equal("servers?minRisk=80&maxRisk=100&sort=-risk", cut.Find("[data-testid=risk-band][data-band='80-100']").GetAttribute("href"));
        Assert.NotNull(cut.Find("[data-testid=emission-trend-chart]"));
        Assert.NotNull(cut.Find("[data-testid=risk-trend-chart]"));
    }

    [Fact]
    public async Task FleetDashboard_ScanCompletedEvent_ReloadsTheFigures()
    {
        var server = await Host.AddServerAsync(Unique("late"));
        await SignInAsync(Roles.Viewer);
        var cut = RenderPage<FleetDashboard>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=figure-listed]")));
        Assert.Empty(cut.FindAll($"[data-testid=listed-server][data-server-id='{server.Id}']"));

        await Host.WithAsync<AppDbContext, bool>(async db =>
        {
            await FleetHistory.AddScanAsync(db, server.Id, DateTime.UtcNow, 50, true, (FleetCheckIds.DnsblListing, "fail"));
            return true;
        });
        await Host.PublishAsync(new ScanCompletedEvent(Guid.NewGuid(), server.Id, ScanStatuses.Completed, 100, 50, null, null));

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll($"[data-testid=listed-server][data-server-id='{server.Id}']")), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task FleetDashboard_SevenDayRange_RedrawsTheTrendsOverSevenDays()
    {
        var server = await Host.AddServerAsync(Unique("range"));
        await Host.WithAsync<AppDbContext, bool>(async db =>
        {
            await FleetHistory.AddScanAsync(db, server.Id, DateTime.UtcNow.AddDays(-2), 40, true);
            return true;
        });
        await SignInAsync(Roles.Viewer);
        var cut = RenderPage<FleetDashboard>();
        cut.WaitForAssertion(() => Assert.Contains("last 30 days", cut.Find("[data-testid=risk-trend-chart]").GetAttribute("aria-label")));

        await cut.Find("[data-testid=trend-7]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("last 7 days", cut.Find("[data-testid=risk-trend-chart]").GetAttribute("aria-label")));
    }

    [Fact]
    public void FleetTrends_NoScansAndNoReports_SaysSoInsteadOfDrawingEmptyCharts()
    {
        var from = DateTime.UtcNow.Date.AddDays(-6);
        var days = Enumerable.Range(0, 7).Select(i => from.AddDays(i)).ToList();
        var trends = new FleetTrendsDto(7, from, DateTime.UtcNow,
            days.Select(d => new FleetRiskPointDto(d, null, null, 0)).ToList(),
            days.Select(d => new FleetEmissionDayDto(d, 0, 0, 0, 0)).ToList());

        var cut = Render<FleetTrends>(p => p.Add(t => t.Trends, trends));

        Assert.Contains("No scan completed in the last 7 days", cut.Find("[data-testid=risk-trend-empty]").TextContent);
        Assert.Contains("No agent reported", cut.Find("[data-testid=emission-trend-empty]").TextContent);
        Assert.Empty(cut.FindAll("svg"));
    }

    [Fact]
    public void RiskDistribution_Bands_ChartNamesEveryCountAndEachBandLinksToItsServers()
    {
        RiskBandDto[] bands =
        [
            new("0-19", "Low (0–19)", 0, 19, 3, "servers?minRisk=0&maxRisk=19&sort=-risk"),
            new("80-100", "High (80–100)", 80, 100, 1, "servers?minRisk=80&maxRisk=100&sort=-risk"),
            new("unscanned", "Not scanned yet", null, null, 2, "servers?status=unscanned"),
        ];

        var cut = Render<RiskDistribution>(p => p.Add(d => d.Bands, bands));

        Assert.Equal("Servers per risk band: Low (0–19) 3, High (80–100) 1, Not scanned yet 2", cut.Find("[data-testid=risk-chart]").GetAttribute("aria-label"));
        var links = cut.FindAll("[data-testid=risk-band]");
        Assert.Equal(["servers?minRisk=0&maxRisk=19&sort=-risk", "servers?minRisk=80&maxRisk=100&sort=-risk", "servers?status=unscanned"], links.Select(l => l.GetAttribute("href")));
        Assert.Contains("Not scanned yet: 2", links[2].TextContent);
    }

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..6];
}
