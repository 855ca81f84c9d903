using AngleSharp.Dom;
using BackscatterConsole.Client.Features.Posture;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Client.Tests.Posture;

public sealed class DomainPostureTests(PostureHost host) : PortalTest(host), IClassFixture<PostureHost>
{
    [Fact]
    public async Task DomainPosture_NothingAskedYet_ExplainsWhatToEnter()
    {
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<DomainPosture>();

        cut.WaitForAssertion(() => Assert.Contains("Check a domain", cut.Find("[data-testid=empty-state]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=posture-report]"));
    }

    [Fact]
    public async Task DomainPosture_DomainInTheAddress_ChecksItWithItsSelectorsAndDrawsTheIncludeTree()
    {
        await SignInAsync(Roles.Viewer);
        Services.GetRequiredService<NavigationManager>().NavigateTo("posture?domain=good.test&selectors=sel,%20weak");

        var cut = RenderPage<DomainPosture>();

        cut.WaitForAssertion(() => Assert.Equal("good.test", cut.Find("[data-testid=posture-report]").GetAttribute("data-domain")), TimeSpan.FromSeconds(10));
        Assert.Equal("good.test", InputOf(cut, "posture-domain").GetAttribute("value"));
        var weak = cut.Find("[data-check-id='dkim.weak']");
        Assert.Equal("warn", weak.GetAttribute("data-check-status"));
        Assert.Contains("DKIM key weak is weak or marked as testing", weak.TextContent);
        Assert.True(cut.FindAll("[data-testid=spf-node]").Count >= 2);
        Assert.Equal("2", cut.Find("[data-testid=lookup-gauge]").GetAttribute("data-used"));
    }

    [Fact]
    public async Task DomainPosture_Submitted_ChecksTheDomainAndPutsItInTheAddress()
    {
        await SignInAsync(Roles.Viewer);
        var navigation = Services.GetRequiredService<NavigationManager>();
        var cut = RenderPage<DomainPosture>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=posture-check]")));

        InputOf(cut, "posture-domain").Input("plusall.test");
        await cut.Find("form").SubmitAsync();

        cut.WaitForAssertion(() => Assert.Equal("plusall.test", cut.Find("[data-testid=posture-report]").GetAttribute("data-domain")), TimeSpan.FromSeconds(10));
        var all = cut.Find("[data-check-id='spf.all']");
        Assert.Equal("fail", all.GetAttribute("data-check-status"));
        Assert.Contains("SPF does not reject senders it does not list", all.TextContent);
        Assert.EndsWith("posture?domain=plusall.test", navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DomainPosture_InvalidDomainAndSelector_ShowsTheErrorsOnTheFieldsAndKeepsThem()
    {
        await SignInAsync(Roles.Viewer);
        var cut = RenderPage<DomainPosture>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=posture-check]")));

        InputOf(cut, "posture-domain").Input("not a domain");
        InputOf(cut, "posture-selectors").Input("bad!sel");
        await cut.Find("form").SubmitAsync();

        cut.WaitForAssertion(() => Assert.Contains("is not a valid domain name", InputOf(cut, "posture-domain").Closest(".mud-input-control")!.TextContent));
        Assert.Contains("is not a valid DKIM selector", InputOf(cut, "posture-selectors").Closest(".mud-input-control")!.TextContent);
        Assert.Equal("not a domain", InputOf(cut, "posture-domain").GetAttribute("value"));
        Assert.Equal("bad!sel", InputOf(cut, "posture-selectors").GetAttribute("value"));
        Assert.Empty(cut.FindAll("[data-testid=posture-report]"));
    }

    private static IElement InputOf(IRenderedComponent<DomainPosture> cut, string testId) =>
        cut.Find($"input[data-testid={testId}], [data-testid={testId}] input");
}
