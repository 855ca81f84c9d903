using System.Reflection;
using AngleSharp.Dom;
using BackscatterConsole.Client.Features.Servers;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Client.Tests.Servers;

public sealed class ServerEditorTests(ConsoleHost host) : PortalTest(host)
{
    [Fact]
    public void ServerEditor_Route_NeedsTheServersWritePolicy() =>
        Assert.Equal(Policies.ServersWrite, typeof(ServerEditor).GetCustomAttribute<AuthorizeAttribute>()!.Policy);

    [Fact]
    public async Task ServerEditor_InvalidInput_ShowsEachErrorOnItsFieldKeepsTheInputAndStoresNothing()
    {
        var name = Unique("bad");
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<ServerEditor>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=save-server]")));

        Input(cut, "server-name", name);
        Input(cut, "server-hostname", "not a host!");
        Input(cut, "smtp-port", "abc");
        Input(cut, "domain-name", "good.example");
        await cut.Find("[data-testid=add-domain]").ClickAsync(new());
        Input(cut, "domain-name", "bad..domain", index: 1);
        Input(cut, "domain-selectors", "ok, bad!selector", index: 0);
        await cut.Find("[data-testid=save-server]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=form-error]")));
        Assert.Contains("is not a valid hostname", Field(cut, "server-hostname").TextContent);
        Assert.Contains("'abc' is not a port number", Field(cut, "smtp-port").TextContent);
        Assert.Contains("'bad..domain' is not a valid domain name", Field(cut, "domain-name", 1).TextContent);
        Assert.Contains("is not a valid DKIM selector", Field(cut, "domain-selectors", 0).TextContent);
        Assert.Equal("not a host!", InputOf(cut, "server-hostname").GetAttribute("value"));
        Assert.Equal("abc", InputOf(cut, "smtp-port").GetAttribute("value"));
        Assert.Equal("bad..domain", InputOf(cut, "domain-name", 1).GetAttribute("value"));
        var stored = await Host.WithAsync<IServerInventory, OperationResult<PagedResult<ServerDto>>>(i => i.ListAsync(new ServerQuery(Q: name), CancellationToken.None));
        Assert.Equal(0, stored.Value!.Total);
    }

    [Fact]
    public async Task ServerEditor_ServiceRefusesAField_ShowsItsMessageThereAndKeepsTheRest()
    {
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<ServerEditor>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=save-server]")));

        Input(cut, "server-name", Unique("svc"));
        Input(cut, "server-hostname", "mx.example.com");
        Input(cut, "scan-interval", "5");
        await cut.Find("[data-testid=save-server]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("5 minutes is outside", Field(cut, "scan-interval").TextContent));
        Assert.Equal("mx.example.com", InputOf(cut, "server-hostname").GetAttribute("value"));
    }

    [Fact]
    public async Task ServerEditor_ValidNewServer_IsStoredWithDomainsSelectorsAndTagsAndOpensItsPage()
    {
        var name = Unique("new");
        await SignInAsync(Roles.Operator);
        var navigation = Services.GetRequiredService<NavigationManager>();
        var cut = RenderPage<ServerEditor>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=save-server]")));

        Input(cut, "server-name", name);
        Input(cut, "server-hostname", "mx1.example.com");
        Input(cut, "domain-name", "example.com");
        Input(cut, "domain-selectors", "s1, s2");
        Input(cut, "tag-input", "prod");
        await InputOf(cut, "tag-input").KeyDownAsync(new KeyboardEventArgs { Key = "Enter" });
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=tag]")));
        Input(cut, "tag-input", "eu");
        await cut.Find("[data-testid=save-server]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Matches("/servers/[0-9a-f-]{36}$", navigation.Uri));
        var stored = await Host.WithAsync<IServerInventory, ServerDto?>(i => i.GetAsync(Guid.Parse(navigation.Uri[^36..]), CancellationToken.None));
        Assert.Equal(name, stored!.Name);
        Assert.Equal(["s1", "s2"], stored.Domains.Single().DkimSelectors);
        Assert.Equal(["eu", "prod"], stored.Tags.Order());
        Providers.WaitForAssertion(() => Assert.Contains($"Server '{name}' was added.", Providers.Markup));
    }

    [Fact]
    public async Task ServerEditor_NameTaken_SaysSoOnTheNameField()
    {
        var existing = await Host.AddServerAsync(Unique("taken"));
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<ServerEditor>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=save-server]")));

        Input(cut, "server-name", existing.Name);
        Input(cut, "server-hostname", "other.example.com");
        await cut.Find("[data-testid=save-server]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("already", Field(cut, "server-name").TextContent, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task ServerEditor_Edit_LoadsTheServerAndRemovingADomainSavesIt()
    {
        var server = await Host.WithAsync<IServerInventory, ServerDto>(async i => (await i.CreateAsync(
            new ServerInput { Name = Unique("edit"), Hostname = "mx.example.com", Platform = MailPlatforms.Zimbra, Domains = [new HostedDomainInput { Name = "a.example" }, new HostedDomainInput { Name = "b.example", DkimSelectors = ["s1"] }], Tags = ["prod"] },
            CancellationToken.None)).Value!);
        await SignInAsync(Roles.Admin);
        var cut = RenderPage<ServerEditor>(p => p.Add(x => x.Id, server.Id));
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=domain-row]").Count));
        Assert.Equal("b.example", InputOf(cut, "domain-name", 1).GetAttribute("value"));
        Assert.Equal("s1", InputOf(cut, "domain-selectors", 1).GetAttribute("value"));
        Assert.Equal("prod", cut.Find("[data-testid=tag]").TextContent.Trim());

        await cut.FindAll("[data-testid=remove-domain]")[0].ClickAsync(new());
        await cut.Find("[data-testid=save-server]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.EndsWith($"/servers/{server.Id}", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal));
        var stored = await Host.WithAsync<IServerInventory, ServerDto?>(i => i.GetAsync(server.Id, CancellationToken.None));
        Assert.Equal("b.example", stored!.Domains.Single().Name);
        Assert.Equal(server.Revision + 1, stored.Revision);
    }

    [Fact]
    public async Task ServerEditor_SomeoneElseSavedMeanwhile_SaysSoKeepsTheInputAndReloadsOnRequest()
    {
        var server = await Host.AddServerAsync(Unique("race"));
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<ServerEditor>(p => p.Add(x => x.Id, server.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=save-server]")));
        await Host.WithAsync<IServerInventory, OperationResult<ServerDto>>(i => i.UpdateAsync(
            server.Id,
            new ServerInput { Name = server.Name, Hostname = "theirs.example.com", Platform = server.Platform },
            null,
            CancellationToken.None));

        Input(cut, "server-hostname", "mine.example.com");
        await cut.Find("[data-testid=save-server]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Reload to see their change", cut.Find("[data-testid=problem]").TextContent));
        Assert.Equal("mine.example.com", InputOf(cut, "server-hostname").GetAttribute("value"));
        Assert.Equal("theirs.example.com", (await Host.WithAsync<IServerInventory, ServerDto?>(i => i.GetAsync(server.Id, CancellationToken.None)))!.Hostname);

        await cut.Find("[data-testid=reload-server]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal("theirs.example.com", InputOf(cut, "server-hostname").GetAttribute("value")));
        Assert.Empty(cut.FindAll("[data-testid=problem]"));
    }

    [Fact]
    public async Task ServerEditor_EditOfAnUnknownServer_SaysNotFound()
    {
        await SignInAsync(Roles.Operator);

        var cut = RenderPage<ServerEditor>(p => p.Add(x => x.Id, Guid.NewGuid()));

        cut.WaitForAssertion(() => Assert.Contains("No server has this id", cut.Find("[data-testid=empty-state]").TextContent));
    }

    private static IElement InputOf(IRenderedComponent<ServerEditor> cut, string testId, int index = 0) =>
        cut.FindAll($"input[data-testid={testId}], [data-testid={testId}] input, textarea[data-testid={testId}]")[index];

    /// <summary>The whole MudBlazor field (input, label and helper/error text) around an input.</summary>
    private static IElement Field(IRenderedComponent<ServerEditor> cut, string testId, int index = 0) =>
        InputOf(cut, testId, index).Closest(".mud-input-control")!;

    private static void Input(IRenderedComponent<ServerEditor> cut, string testId, string value, int index = 0) =>
        InputOf(cut, testId, index).Input(value);

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..6];
}
