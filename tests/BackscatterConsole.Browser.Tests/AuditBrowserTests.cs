namespace BackscatterConsole.Browser.Tests;

public sealed class AuditBrowserTests(PortalFixture portal) : IClassFixture<PortalFixture>
{
    [Fact]
    public async Task AuditPage_ShowsTheSignInWithItsSourceAddressAndAnIntactChain()
    {
        var page = await portal.SignedInPageAsync();

        await page.ClickAsync("text=Audit trail");
        await page.ClickAsync("[data-testid=verify]");

        await page.WaitForSelectorAsync("[data-testid=verification][data-intact='true']");
        var signIn = page.Locator("[data-testid=audit-table] tr[data-action='account.signed-in']").First;
        Assert.Contains("127.0.0.1", await signIn.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("admin", await signIn.InnerTextAsync(), StringComparison.Ordinal);
        await portal.ScreenshotAsync(page, "20-audit");
    }
}
