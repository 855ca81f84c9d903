using BackscatterConsole.Client.Layout;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Shared.Alerts;
using BackscatterConsole.Shared.Users;

namespace BackscatterConsole.Client.Tests.Layout;

public sealed class AlertNotificationTests(ConsoleHost host) : PortalTest(host)
{
    [Fact]
    public async Task LiveNotifications_AlertRaised_ShowsAStickySnackbarToAReader()
    {
        await SignInAsync(Roles.Viewer);
        var cut = RenderPage<LiveNotifications>();
        var serverId = Guid.NewGuid();

        await Host.PublishAsync(new AlertRaisedEvent(Guid.NewGuid(), serverId, "mx-alert", AlertCauses.Listed, "mx-alert has an egress address on a blocklist (dnsbl.listing)."));

        Providers.WaitForAssertion(() => Assert.Contains("Alert: mx-alert has an egress address on a blocklist", Providers.Find(".mud-snackbar").TextContent, StringComparison.Ordinal));
        Assert.Contains("Open server", Providers.Find(".mud-snackbar").TextContent, StringComparison.Ordinal);
        Assert.NotNull(cut);
    }

    [Fact]
    public async Task LiveNotifications_UserWithoutRole_HearsNoAlert()
    {
        await SignInAsync();
        RenderPage<LiveNotifications>();

        await Host.PublishAsync(new AlertRaisedEvent(Guid.NewGuid(), Guid.NewGuid(), "mx-hidden", AlertCauses.Emitting, "mx-hidden is emitting backscatter."));
        await Task.Delay(200);

        Assert.Empty(Providers.FindAll(".mud-snackbar"));
    }
}
