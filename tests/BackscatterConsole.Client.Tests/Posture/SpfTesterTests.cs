using AngleSharp.Dom;
using BackscatterConsole.Client.Features.Posture;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Client.Tests.Posture;

public sealed class SpfTesterTests(PostureHost host) : PortalTest(host), IClassFixture<PostureHost>
{
    [Fact]
    public async Task SpfTester_NothingAskedYet_ExplainsWhatToEnter()
    {
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<SpfTester>();

        cut.WaitForAssertion(() => Assert.Contains("Test an SPF policy", cut.Find("[data-testid=empty-state]").TextContent));
    }

    [Fact]
    public async Task SpfTester_ListedClient_PassesWithTraceTreeAndAddress()
    {
        await SignInAsync(Roles.Viewer);
        var navigation = Services.GetRequiredService<NavigationManager>();
        var cut = RenderPage<SpfTester>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=spf-test]")));

        InputOf(cut, "spf-domain").Input("good.test");
        InputOf(cut, "spf-ip").Input("192.0.2.99");
        await cut.Find("form").SubmitAsync();

        cut.WaitForAssertion(() => Assert.Equal("pass", cut.Find("[data-testid=spf-result]").GetAttribute("data-result")), TimeSpan.FromSeconds(10));
        Assert.NotEmpty(cut.FindAll("[data-testid=spf-trace] li"));
        Assert.True(cut.FindAll("[data-testid=spf-node]").Count >= 2);
        Assert.Contains("postmaster@good.test", cut.Find("[data-testid=spf-result]").TextContent);
        Assert.EndsWith("posture/spf?domain=good.test&ip=192.0.2.99", navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SpfTester_UnlistedClientFromTheAddress_FailsWithTheExplanation()
    {
        await SignInAsync(Roles.Viewer);
        Services.GetRequiredService<NavigationManager>().NavigateTo("posture/spf?domain=good.test&ip=203.0.113.9&sender=someone%40good.test");

        var cut = RenderPage<SpfTester>();

        cut.WaitForAssertion(() => Assert.Equal("fail", cut.Find("[data-testid=spf-result]").GetAttribute("data-result")), TimeSpan.FromSeconds(10));
        Assert.Contains("someone@good.test", cut.Find("[data-testid=spf-result]").TextContent);
        Assert.Equal("203.0.113.9", InputOf(cut, "spf-ip").GetAttribute("value"));
    }

    [Fact]
    public async Task SpfTester_InvalidAddressAndSender_ShowsTheErrorsOnTheFieldsAndKeepsThem()
    {
        await SignInAsync(Roles.Viewer);
        var cut = RenderPage<SpfTester>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=spf-test]")));

        InputOf(cut, "spf-domain").Input("good.test");
        InputOf(cut, "spf-ip").Input("999.1.1.1");
        InputOf(cut, "spf-sender").Input("no-at-sign");
        await cut.Find("form").SubmitAsync();

        cut.WaitForAssertion(() => Assert.Contains("is not an IPv4 or IPv6 address", InputOf(cut, "spf-ip").Closest(".mud-input-control")!.TextContent));
        Assert.Contains("is not an envelope sender", InputOf(cut, "spf-sender").Closest(".mud-input-control")!.TextContent);
        Assert.Equal("999.1.1.1", InputOf(cut, "spf-ip").GetAttribute("value"));
        Assert.Empty(cut.FindAll("[data-testid=spf-result]"));
    }

    private static IElement InputOf(IRenderedComponent<SpfTester> cut, string testId) =>
        cut.Find($"input[data-testid={testId}], [data-testid={testId}] input");
}
