namespace BackscatterConsole.Browser.Tests;

public sealed class PostureBrowserTests(PortalFixture portal) : IClassFixture<PortalFixture>
{
    [Fact]
    public async Task ServerPage_CheckNow_LoadsDomainPostureInPlace()
    {
        var page = await portal.SignedInPageAsync();
        await page.ClickAsync("[data-testid=add-server]");
        await page.FillAsync("#name", "posture-" + Guid.NewGuid().ToString("N")[..6]);
        await page.FillAsync("#hostname", "mx.good.test");
        await page.FillAsync("#domains", "good.test: sel\nplusall.test");
        await page.ClickAsync("[data-testid=save-server]");

        // The live check runs on request; htmx replaces the placeholder with the checks once DNS has answered.
        await page.ClickAsync("[data-testid=check-posture-now]");
        await page.WaitForSelectorAsync("[data-testid=domain-posture] [data-testid=posture-report][data-domain='plusall.test']");
        Assert.Equal(0, await page.Locator("[data-testid=posture-live-check]").CountAsync());
        Assert.Equal("fail", await page.GetAttributeAsync("[data-domain='plusall.test'] .check-row[data-check-id='spf.all']", "data-status"));
        await portal.ScreenshotAsync(page, "10-server-posture");
    }

    [Fact]
    public async Task PosturePage_ChecksADomainAndDrawsTheIncludeTree()
    {
        var page = await portal.SignedInPageAsync();
        await page.ClickAsync("text=Domain posture");
        await page.FillAsync("#domain", "good.test");
        await page.FillAsync("#selectors", "sel, weak");
        await page.ClickAsync("[data-testid=posture-form] button[type=submit]");

        await page.WaitForSelectorAsync("[data-testid=posture-report]");
        Assert.Equal("warn", await page.GetAttributeAsync(".check-row[data-check-id='dkim.weak']", "data-status"));
        Assert.True(await page.Locator(".spf-tree .spf-node").CountAsync() >= 2);
        await page.ClickAsync(".check-row[data-check-id='dkim.weak'] summary");
        Assert.True(await page.Locator(".check-row[data-check-id='dkim.weak'] .evidence").IsVisibleAsync());
        await portal.ScreenshotAsync(page, "11-domain-posture");
    }
}
