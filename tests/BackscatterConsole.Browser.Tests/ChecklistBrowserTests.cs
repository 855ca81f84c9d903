using System.Net;
using System.Net.Http.Json;
using BackscatterConsole.Domain.Tests.Smtp;
using Microsoft.Playwright;

namespace BackscatterConsole.Browser.Tests;

public sealed class ChecklistBrowserTests(PortalFixture portal) : IClassFixture<PortalFixture>
{
    /// <summary>Long enough that the pages are open and subscribed before the probe can answer.</summary>
    private static readonly TimeSpan GreetingDelay = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task ScanNow_SlowSmtpServer_ScanPageServerPageAndFleetListFillInLiveWithoutReload()
    {
        await using var mta = new ScriptedSmtpServer(SlowRejectingMta);
        using var api = portal.CreateApiClient();
        var name = "live-" + Guid.NewGuid().ToString("N")[..6];
        var created = await api.PostAsJsonAsync("/api/v1/servers", new
        {
            name,
            hostname = "mx.backscatter.test",
            platform = "postfix",
            smtpHost = "127.0.0.1",
            smtpPort = mta.Port,
            probeEnabled = true,
            domains = new[] { new { name = "backscatter.test" } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var serverId = (await created.Content.ReadFromJsonAsync<IdOnly>())!.Id;

        var page = await portal.SignedInPageAsync();
        var errors = CollectConsoleErrors(page);
        var serverPage = await page.Context.NewPageAsync();
        var fleetPage = await page.Context.NewPageAsync();
        await serverPage.GotoAsync($"/servers/{serverId}");
        await serverPage.WaitForSelectorAsync("#server-live[data-live-connected]");
        await fleetPage.GotoAsync("/servers?q=" + name);
        await fleetPage.WaitForSelectorAsync("#server-results[data-live-connected]");
        Assert.Equal("not scanned", (await fleetPage.InnerTextAsync("[data-testid=server-risk]")).Trim());
        foreach (var p in new[] { serverPage, fleetPage })
        {
            await p.EvaluateAsync("() => { window.__sameDocument = true; }");
        }

        await page.GotoAsync($"/servers/{serverId}");
        await page.ClickAsync("[data-testid=scan-now]");
        await page.WaitForURLAsync("**/scans/**");
        await page.WaitForSelectorAsync("#scan-live[data-live-connected]");
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");

        // Subscribed while the probe still waits for the greeting: no probe row yet, the settings rows may be in already.
        Assert.Equal(0, await page.Locator("tr[data-check-source=probe]").CountAsync());
        await portal.ScreenshotAsync(page, "10-scan-running");

        await page.WaitForSelectorAsync("[data-testid=scan-results][data-scan-status=completed]", new() { Timeout = 45_000 });
        Assert.True(await page.Locator("tr[data-check-source=probe][data-check-id='smtp.unknown-recipient'][data-check-status=pass]").CountAsync() == 1);
        Assert.True(await page.Locator("tr[data-check-source=settings]").CountAsync() > 0);
        Assert.Equal("100", await page.GetAttributeAsync("progress.scan-progress", "value"));
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the scan page was reloaded or navigated");
        await portal.ScreenshotAsync(page, "11-scan-completed");

        // The other two pages were never touched: the hub events alone brought the new state.
        await serverPage.WaitForSelectorAsync("#server-live tr[data-check-source=probe][data-check-id='smtp.unknown-recipient']", new() { Timeout = 15_000 });
        Assert.NotNull(await serverPage.GetAttributeAsync("[data-testid=risk-gauge]", "data-risk"));
        Assert.True(await serverPage.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the server page was reloaded");
        await portal.ScreenshotAsync(serverPage, "12-server-checklist");
        await fleetPage.WaitForSelectorAsync("[data-testid=server-risk] [data-testid=risk-score]", new() { Timeout = 15_000 });
        Assert.True(await fleetPage.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the fleet list was reloaded");
        await portal.ScreenshotAsync(fleetPage, "13-fleet-risk");

        // Evidence opens in place and the fix has a copy button.
        await serverPage.ClickAsync("tr[data-check-source=probe][data-check-id='smtp.unknown-recipient'] summary");
        Assert.Contains("550 5.1.1", await serverPage.InnerTextAsync("tr[data-check-source=probe][data-check-id='smtp.unknown-recipient'] pre.evidence"), StringComparison.Ordinal);

        // The settings form in the browser: pasted postconf -n with a stray prompt line, stored, the ignored line listed back.
        await serverPage.ClickAsync("[data-testid=settings-snapshot]");
        await serverPage.FillAsync("#text", "root@mx:~# postconf -n\nlocal_recipient_maps =\nsmtpd_reject_unlisted_recipient = no\nsoft_bounce = yes");
        await serverPage.ClickAsync("[data-testid=save-snapshot]");
        await serverPage.WaitForSelectorAsync("[data-testid=flash]");
        Assert.Contains("root@mx:~# postconf -n", await serverPage.InnerTextAsync("[data-testid=ignored-lines]"), StringComparison.Ordinal);
        Assert.Contains("soft_bounce", await serverPage.InnerTextAsync("[data-testid=latest-snapshot]"), StringComparison.Ordinal);
        await portal.ScreenshotAsync(serverPage, "14-settings-snapshot");

        Assert.Empty(errors);
        Assert.DoesNotContain(mta.Received, l => l.StartsWith("DATA", StringComparison.OrdinalIgnoreCase));
    }

    private static async Task SlowRejectingMta(ScriptedConnection c, CancellationToken ct)
    {
        await Task.Delay(GreetingDelay, ct);
        await c.SendAsync("220 mx.backscatter.test ESMTP slow test server", ct);
        while (await c.ReadLineAsync(ct) is { } line)
        {
            var verb = line.Split(' ', ':')[0].ToUpperInvariant();
            var reply = verb switch
            {
                "EHLO" or "HELO" => "250 mx.backscatter.test",
                "MAIL" or "RSET" => "250 2.0.0 Ok",
                "RCPT" when line.Contains("@example.com", StringComparison.OrdinalIgnoreCase) => "554 5.7.1 Relay access denied",
                "RCPT" => "550 5.1.1 User unknown in local recipient table",
                "QUIT" => "221 2.0.0 Bye",
                _ => "502 5.5.2 Error: command not recognized",
            };
            await c.SendAsync(reply, ct);
            if (verb == "QUIT")
            {
                return;
            }
        }
    }

    private static List<string> CollectConsoleErrors(IPage page)
    {
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add($"{message.Text} ({message.Location})");
            }
        };
        return errors;
    }

    private sealed record IdOnly(Guid Id);
}
