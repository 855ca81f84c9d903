using BackscatterConsole.Cluster.Tests.Infrastructure;
using BackscatterConsole.Shared.Checks;
using Microsoft.Playwright;

namespace BackscatterConsole.Cluster.Tests;

/// <summary>The portal behind nginx: a session made on one instance is good on the other, and a page follows work done elsewhere.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PortalAcrossInstancesTests(ClusterFixture cluster) : IAsyncLifetime
{
    public Task InitializeAsync() => cluster.EnsureHealthyAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Browser_SignedInOnOneInstanceThenPinnedToTheOther_FollowsAScanTheFirstRuns()
    {
        await using var slow = SlowMta.Start(TimeSpan.FromSeconds(4));
        var server = await cluster.CreateServerAsync(slow.Port);

        // The first render of the sign-in page compiles a lot; do it on both instances outside the browser's timeouts.
        foreach (var instance in cluster.Instances)
        {
            using var warmUp = cluster.Api(instance.Route);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await warmUp.GetAsync("/account/login")).StatusCode);
        }

        var context = await NewContextAsync();
        var page = await context.NewPageAsync();

        // Sign in through nginx pinned to A: A checks the password and issues the sign-in cookie.
        await PinAsync(context, cluster.A);
        await SignInAsync(page);
        Assert.Equal(cluster.A.Route, await RouteAsync(context));

        // Pinned to B from now on: B accepts A's cookie (the key ring is in the database) and runs the page's circuit.
        await PinAsync(context, cluster.B);
        await page.GotoAsync($"/servers?q={server.Name}");
        await page.Locator(".mud-appbar").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.DoesNotContain("/account/login", page.Url, StringComparison.Ordinal);
        Assert.Equal(cluster.B.Route, await RouteAsync(context));
        var risk = page.Locator($"[data-testid=server-risk][data-server-id='{server.Id}']");
        await Assertions.Expect(risk).ToBeVisibleAsync();
        await Assertions.Expect(risk.Locator(".mud-progress-circular")).ToHaveCountAsync(0);

        // A queues and runs the scan; the page on B shows it running, then its result, from A's events alone.
        var scanId = await ScanRunByAsync(cluster.A, server.Id);
        await Assertions.Expect(risk.Locator(".mud-progress-circular")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(risk.Locator(".mud-progress-circular")).ToHaveCountAsync(0, new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-testid=server-worst]").First).ToContainTextAsync("fail");
        using var api = cluster.Api();
        var scan = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<ScanDto>(api, $"/api/v1/scans/{scanId}");
        Assert.Equal(ScanStatuses.Completed, scan!.Status);
        Assert.Equal(cluster.A.InstanceId, await cluster.ScalarAsync<string>($"SELECT \"LeaseOwner\" FROM \"Scans\" WHERE \"Id\" = '{scanId}'"));
        await context.CloseAsync();
    }

    /// <summary>
    /// Queues a scan through <paramref name="instance"/> and makes sure that instance is the one running it: the instance
    /// that queues a scan nearly always claims it first; when the other one won the race, that run is waited out and the
    /// scan queued again, so the test is about the instance it names.
    /// </summary>
    private async Task<Guid> ScanRunByAsync(ConsoleProcess instance, Guid serverId)
    {
        for (var attempt = 0; ; attempt++)
        {
            var scanId = await ClusterFixture.StartScanAsync(instance, serverId);
            if (await cluster.ScanRunnerAsync(scanId) == instance || attempt == 4)
            {
                return scanId;
            }

            await cluster.EventuallyAsync(async () => await cluster.ScalarAsync<string>($"SELECT \"Status\" FROM \"Scans\" WHERE \"Id\" = '{scanId}'") != ScanStatuses.Running, "the other instance's run ended");
        }
    }

    private async Task<IBrowserContext> NewContextAsync()
    {
        var browser = await cluster.BrowserAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = cluster.Nginx.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1366, Height = 900 },
        });
        context.SetDefaultTimeout(20_000);
        return context;
    }

    private Task PinAsync(IBrowserContext context, ConsoleProcess instance) =>
        context.AddCookiesAsync([new Cookie { Name = "bsc_route", Value = instance.Route, Url = cluster.Nginx.BaseAddress.ToString() }]);

    private static async Task<string?> RouteAsync(IBrowserContext context) =>
        (await context.CookiesAsync()).SingleOrDefault(c => c.Name == "bsc_route")?.Value;

    private static async Task SignInAsync(IPage page)
    {
        await page.GotoAsync("/servers");
        await page.FillAsync("#userName", "admin");
        await page.FillAsync("#password", ClusterFixture.AdminPassword);
        await page.ClickAsync("[data-testid=sign-in]");
        await page.WaitForURLAsync("**/servers", new PageWaitForURLOptions { Timeout = 45_000 });
        await page.Locator(".mud-appbar").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
    }
}
