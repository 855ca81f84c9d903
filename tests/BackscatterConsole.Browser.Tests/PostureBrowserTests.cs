using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;

namespace BackscatterConsole.Browser.Tests;

/// <summary>The DNS pages against the knotd of the fixture: domain posture, SPF tester and a server's hosted domains.</summary>
public sealed class PostureBrowserTests(PortalFixture portal) : IClassFixture<PortalFixture>
{
    [Fact]
    public async Task PosturePage_ChecksADomainAndDrawsTheIncludeTree()
    {
        var page = await portal.SignedInPageAsync();
        var errors = page.CollectConsoleErrors();
        await page.ClickAsync("text=Domain posture");
        await page.WaitForURLAsync("**/posture");
        await Assertions.Expect(page.Locator("[data-testid=empty-state]")).ToBeVisibleAsync();
        await portal.AssertAccessibleAsync(page, "posture-empty");

        await page.Field("posture-domain").FillAsync("good.test");
        await page.Field("posture-selectors").FillAsync("sel, weak");
        await page.Field("posture-selectors").PressAsync("Enter");

        await Assertions.Expect(page.Locator("[data-testid=posture-report]")).ToHaveAttributeAsync("data-domain", "good.test");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"posture\?domain=good\.test&selectors=sel"));
        var weak = page.Locator("[data-check-id='dkim.weak']");
        await Assertions.Expect(weak).ToHaveAttributeAsync("data-check-status", "warn");
        Assert.True(await page.Locator("[data-testid=spf-tree] [data-testid=spf-node]").CountAsync() >= 2);
        await weak.Locator(".mud-expand-panel-header").ClickAsync();
        await Assertions.Expect(weak.Locator("[data-testid=evidence]")).ToContainTextAsync("1024 bits");
        await portal.ScreenshotAsync(page, "domain-posture");
        await portal.AssertAccessibleInBothThemesAsync(page, "posture-page");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task SpfTester_ShowsTheResultTraceAndTree()
    {
        var page = await portal.SignedInPageAsync();
        await page.GotoAsync("/posture/spf");
        await PortalFixture.WaitForPortalAsync(page);
        await portal.AssertAccessibleAsync(page, "spf-tester-empty");

        await page.Field("spf-domain").FillAsync("good.test");
        await page.Field("spf-ip").FillAsync("999.1.1.1");
        await page.ClickAsync("[data-testid=spf-test]");
        await Assertions.Expect(page.FieldControl("spf-ip")).ToContainTextAsync("is not an IPv4 or IPv6 address");
        await Assertions.Expect(page.Field("spf-ip")).ToHaveValueAsync("999.1.1.1");
        await portal.AssertAccessibleAsync(page, "spf-tester-error");

        await page.Field("spf-ip").FillAsync("192.0.2.99");
        await page.ClickAsync("[data-testid=spf-test]");

        await Assertions.Expect(page.Locator("[data-testid=spf-result]")).ToHaveAttributeAsync("data-result", "pass");
        Assert.True(await page.Locator("[data-testid=spf-trace] li").CountAsync() > 2);
        Assert.True(await page.Locator("[data-testid=spf-node]").CountAsync() >= 2);
        await portal.ScreenshotAsync(page, "spf-tester");
        await portal.AssertAccessibleInBothThemesAsync(page, "spf-tester");
    }

    [Fact]
    public async Task ServerPosture_CheckNowOnTheServerPageAndItsOwnPage()
    {
        using var api = portal.CreateApiClient();
        var created = await api.PostAsJsonAsync("/api/v1/servers", new
        {
            name = "posture-" + Guid.NewGuid().ToString("N")[..6],
            hostname = "mx.good.test",
            platform = "postfix",
            domains = new object[] { new { name = "good.test", dkimSelectors = new[] { "sel" } }, new { name = "plusall.test" } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<IdOnly>())!.Id;
        var page = await portal.SignedInPageAsync();
        await page.GotoAsync($"/servers/{id}");
        await PortalFixture.WaitForPortalAsync(page);

        await page.ClickAsync("[data-testid=check-posture-now]");

        await Assertions.Expect(page.Locator("[data-testid=domain-posture]")).ToHaveAttributeAsync("data-state", "done");
        await Assertions.Expect(page.Locator("[data-testid=posture-report][data-domain='plusall.test'] [data-check-id='spf.all']")).ToHaveAttributeAsync("data-check-status", "fail");
        await Assertions.Expect(page.Locator("[data-testid=posture-report]")).ToHaveCountAsync(2);

        await page.ClickAsync("[data-testid=server-posture]");
        await page.WaitForURLAsync($"**/servers/{id}/posture");
        await Assertions.Expect(page.Locator("[data-testid=posture-report]")).ToHaveCountAsync(2);
        await portal.ScreenshotAsync(page, "server-posture");
        await portal.AssertAccessibleInBothThemesAsync(page, "server-posture");
    }

    private sealed record IdOnly(Guid Id);
}
