using BackscatterConsole.Client.Features.ChangeRequests;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Shared.ChangeRequests;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Client.Tests.ChangeRequests;

public sealed class NewChangeRequestTests(ConsoleHost host) : PortalTest(host)
{
    [Fact]
    public async Task New_UnknownServerAndALineWithoutAColon_NameTheLinesUnderTheFieldAndKeepTheInput()
    {
        var (server, _) = await Host.AddServerWithAgentAsync(Unique("new"));
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<NewChangeRequest>();
        var items = $"{server.Name}: {RemediationSetup.BounceCheck}\nno-such-server: {RemediationSetup.BounceCheck}\njust words";
        cut.Type("cr-title", "Both MX");
        cut.Type("cr-items", items);

        await cut.Find("[data-testid=create-change-request]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Line 2: no server is named 'no-such-server'.", cut.FieldText("cr-items"), StringComparison.Ordinal));
        Assert.Contains("Line 3: write the server's name, a colon", cut.FieldText("cr-items"), StringComparison.Ordinal);
        Assert.Equal(items, cut.Value("cr-items"));
        Assert.Equal("Both MX", cut.Value("cr-title"));
        Assert.DoesNotContain("change-requests/", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task New_TheServiceRefusesTheTitleAndACheck_ShowsEachUnderItsFieldKeepingTheInput()
    {
        var (server, _) = await Host.AddServerWithAgentAsync(Unique("refused"));
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<NewChangeRequest>();
        var items = $"{server.Name}: spf.all";
        cut.Type("cr-rationale", "Kept as typed.");
        cut.Type("cr-items", items);

        await cut.Find("[data-testid=create-change-request]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("A title is required", cut.FieldText("cr-title"), StringComparison.Ordinal));
        Assert.Equal("Kept as typed.", cut.Value("cr-rationale"));

        cut.Type("cr-title", "Fix SPF");
        await cut.Find("[data-testid=create-change-request]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Line 1: Not settings checks of", cut.FieldText("cr-items"), StringComparison.Ordinal));
        Assert.DoesNotContain("A title is required", cut.FieldText("cr-title"), StringComparison.Ordinal);
        Assert.Equal(items, cut.Value("cr-items"));
    }

    [Fact]
    public async Task New_LinkFromAFindingWithServerIdAndChecks_FillsTheServersLineAndATitle()
    {
        var (server, _) = await Host.AddServerWithAgentAsync(Unique("linked"));
        await SignInAsync(Roles.Operator);
        Services.GetRequiredService<NavigationManager>().NavigateTo($"change-requests/new?server={server.Id}&checks={RemediationSetup.BounceCheck}%2C{RemediationSetup.UnlistedSenderCheck}");

        var cut = RenderPage<NewChangeRequest>();

        cut.WaitForAssertion(() => Assert.Equal($"{server.Name}: {RemediationSetup.BounceCheck}, {RemediationSetup.UnlistedSenderCheck}", cut.Value("cr-items")));
        Assert.Equal($"Fix {RemediationSetup.BounceCheck}, {RemediationSetup.UnlistedSenderCheck} on {server.Name}", cut.Value("cr-title"));
    }

    [Fact]
    public async Task New_TwoServers_CreatesADraftAndOpensIt()
    {
        var (first, _) = await Host.AddServerWithAgentAsync(Unique("one"));
        var (second, _) = await Host.AddServerWithAgentAsync(Unique("two"));
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<NewChangeRequest>();
        cut.Type("cr-title", "Both MX");
        cut.Type("cr-rationale", "Backscatter from both exchangers.");
        cut.Type("cr-items", $"{first.Name}: {RemediationSetup.BounceCheck}\n\n{second.Name.ToUpperInvariant()}: {RemediationSetup.BounceCheck}, {RemediationSetup.UnlistedSenderCheck}");

        await cut.Find("[data-testid=create-change-request]").ClickAsync(new());

        var navigation = Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.Contains("/change-requests/", navigation.Uri, StringComparison.Ordinal));
        var request = await Host.WithAsync<IChangeRequestService, ChangeRequestDto?>(r => r.GetAsync(Guid.Parse(navigation.Uri[(navigation.Uri.LastIndexOf('/') + 1)..]), CancellationToken.None));
        Assert.Equal(ChangeRequestStates.Draft, request!.State);
        Assert.Equal("Backscatter from both exchangers.", request.Rationale);
        Assert.Equal([first.Id, second.Id], request.Items.Select(i => i.ServerId));
        Assert.Equal([RemediationSetup.BounceCheck, RemediationSetup.UnlistedSenderCheck], request.Items[1].CheckIds);
        Providers.WaitForAssertion(() => Assert.Contains("Draft created", Providers.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public async Task New_Picker_PutsTheServersFixableChecksOnItsLine()
    {
        var (server, _) = await Host.AddServerWithAgentAsync(Unique("pick"));
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<NewChangeRequest>();
        cut.Type("cr-items", $"{server.Name}: {RemediationSetup.UnlistedSenderCheck}");
        cut.Find("[data-testid=server-picker] .mud-expand-panel-header").Click();

        cut.Type("picker-server", server.Name);
        cut.WaitForAssertion(() => Assert.NotEmpty(Providers.FindAll(".mud-popover .mud-list-item")), TimeSpan.FromSeconds(5));
        await Providers.FindAll(".mud-popover .mud-list-item").First(i => i.TextContent.Contains(server.Name, StringComparison.Ordinal)).ClickAsync(new());
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=picker-check]")));

        // Every check an agent can change starts ticked; untick one and put the line in.
        cut.Find($"[data-testid=picker-check][data-check-id='{RemediationSetup.UnlistedSenderCheck}'] input, input[data-testid=picker-check][data-check-id='{RemediationSetup.UnlistedSenderCheck}']").Change(false);
        await cut.Find("[data-testid=picker-add]").ClickAsync(new());

        // The server's line is replaced, not repeated.
        cut.WaitForAssertion(() => Assert.Contains(RemediationSetup.BounceCheck, cut.Value("cr-items"), StringComparison.Ordinal));
        var line = Assert.Single(cut.Value("cr-items").Split('\n'));
        Assert.StartsWith($"{server.Name}: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain(RemediationSetup.UnlistedSenderCheck, line, StringComparison.Ordinal);
    }

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..6];
}
