using System.Net;
using System.Net.Http.Json;
using BackscatterConsole.Domain.Tests.Smtp;
using Microsoft.Playwright;

namespace BackscatterConsole.Browser.Tests;

/// <summary>A scan started in the portal against a real (scripted) SMTP server: the scan page and the server page fill in live.</summary>
public sealed class ChecklistBrowserTests(PortalFixture portal) : IClassFixture<PortalFixture>
{
    /// <summary>Long enough that the pages are open and subscribed before the probe can answer.</summary>
    private static readonly TimeSpan GreetingDelay = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task ScanNow_SlowSmtpServer_ScanPageAndServerPageFillInLiveWithoutReload()
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
        var errors = page.CollectConsoleErrors();
        var serverPage = await page.Context.NewPageAsync();
        await serverPage.GotoAsync($"/servers/{serverId}");
        await PortalFixture.WaitForPortalAsync(serverPage);
        await Assertions.Expect(serverPage.Locator("[data-testid=not-scanned]")).ToBeVisibleAsync();
        await serverPage.MarkDocumentAsync();

        await page.GotoAsync($"/servers/{serverId}");
        await PortalFixture.WaitForPortalAsync(page);
        await page.ClickAsync("[data-testid=scan-now]");
        await page.WaitForURLAsync("**/scans/**");
        await page.MarkDocumentAsync();

        // Subscribed while the probe still waits for the greeting: the settings rows may be in already, no probe row yet.
        await Assertions.Expect(page.Locator("[data-testid=scan-results]")).ToHaveAttributeAsync("data-scan-status", "running");
        Assert.Equal(0, await page.Locator("[data-check-source=probe]").CountAsync());
        await portal.ScreenshotAsync(page, "scan-running");

        await Assertions.Expect(page.Locator("[data-testid=scan-results]")).ToHaveAttributeAsync("data-scan-status", "completed", new() { Timeout = 45_000 });
        var probeRow = page.Locator("[data-check-source=probe][data-check-id='smtp.unknown-recipient']");
        await Assertions.Expect(probeRow).ToHaveAttributeAsync("data-check-status", "pass");
        await Assertions.Expect(probeRow).ToContainTextAsync("Unknown recipients are rejected at RCPT");
        Assert.True(await page.Locator("[data-check-source=settings]").CountAsync() > 0);
        await Assertions.Expect(page.Locator("[data-testid=scan-progress]")).ToHaveAttributeAsync("data-value", "100");
        Assert.True(await page.IsSameDocumentAsync(), "the scan page was reloaded or navigated");

        // The evidence opens in place and holds the transcript.
        await probeRow.Locator(".mud-expand-panel-header").ClickAsync();
        await Assertions.Expect(probeRow.Locator("[data-testid=evidence]")).ToContainTextAsync("550 5.1.1");
        await portal.ScreenshotAsync(page, "scan-completed");
        await portal.AssertAccessibleInBothThemesAsync(page, "scan-page");

        // The server page in the other tab was never touched: the events alone brought the new state.
        await Assertions.Expect(serverPage.Locator("[data-testid=scan-history] tbody tr")).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Assertions.Expect(serverPage.Locator("[data-testid=risk-dial]")).ToHaveAttributeAsync("data-risk", new System.Text.RegularExpressions.Regex(@"^\d+$"));
        await Assertions.Expect(serverPage.Locator("[data-testid=checklist]")).ToBeVisibleAsync();
        Assert.True(await serverPage.IsSameDocumentAsync(), "the server page was reloaded");
        await portal.ScreenshotAsync(serverPage, "server-checklist");
        await portal.AssertAccessibleInBothThemesAsync(serverPage, "server-page-scanned");

        // The settings page: pasted postconf -n with a stray prompt line, stored, the ignored line listed back.
        await serverPage.ClickAsync("[data-testid=settings-snapshot]");
        await serverPage.WaitForURLAsync($"**/servers/{serverId}/settings");
        await serverPage.Field("snapshot-text").FillAsync("root@mx:~# postconf -n\nlocal_recipient_maps =\nsmtpd_reject_unlisted_recipient = no\nsoft_bounce = yes");
        await serverPage.ClickAsync("[data-testid=save-snapshot]");
        await Assertions.Expect(serverPage.Locator("[data-testid=ignored-lines]")).ToContainTextAsync("root@mx:~# postconf -n");
        await Assertions.Expect(serverPage.Locator("[data-testid=latest-snapshot]")).ToContainTextAsync("soft_bounce");
        await portal.ScreenshotAsync(serverPage, "settings-snapshot");
        await portal.AssertAccessibleInBothThemesAsync(serverPage, "settings-page");

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

    private sealed record IdOnly(Guid Id);
}
