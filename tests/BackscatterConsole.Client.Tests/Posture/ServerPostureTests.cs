using BackscatterConsole.Client.Features.Posture;
using BackscatterConsole.Client.Features.Servers;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Shared.Users;

namespace BackscatterConsole.Client.Tests.Posture;

public sealed class ServerPostureTests(PostureHost host) : PortalTest(host), IClassFixture<PostureHost>
{
    [Fact]
    public async Task ServerPosture_ServerWithTwoDomains_ChecksBothOnOpening()
    {
        var server = await AddServerAsync("good.test", "plusall.test");
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<ServerPosture>(p => p.Add(x => x.Id, server.Id));

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=posture-report]").Count), TimeSpan.FromSeconds(10));
        Assert.Equal("fail", cut.Find("[data-domain='plusall.test'] [data-check-id='spf.all']").GetAttribute("data-check-status"));
        Assert.Equal("pass", cut.Find("[data-domain='good.test'] [data-check-id='dkim.sel']").GetAttribute("data-check-status"));
        Assert.Equal("done", cut.Find("[data-testid=domain-posture]").GetAttribute("data-state"));
    }

    [Fact]
    public async Task ServerPosture_ServerWithoutDomains_SaysThereIsNothingToCheck()
    {
        var server = await Host.AddSettingsOnlyServerAsync("nodomains" + Guid.NewGuid().ToString("N")[..6]);
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<ServerPosture>(p => p.Add(x => x.Id, server.Id));

        cut.WaitForAssertion(() => Assert.Contains("No hosted domains", cut.Find("[data-testid=empty-state]").TextContent));
    }

    [Fact]
    public async Task ServerPosture_UnknownServer_SaysNotFound()
    {
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<ServerPosture>(p => p.Add(x => x.Id, Guid.NewGuid()));

        cut.WaitForAssertion(() => Assert.Contains("No server has this id", cut.Find("[data-testid=empty-state]").TextContent));
    }

    [Fact]
    public async Task ServerDetails_CheckNow_LoadsTheDomainsPostureInPlace()
    {
        var server = await AddServerAsync("plusall.test");
        await SignInAsync(Roles.Viewer);
        var cut = RenderPage<ServerDetails>(p => p.Add(x => x.Id, server.Id));
        cut.WaitForAssertion(() => Assert.Equal("idle", cut.Find("[data-testid=domain-posture]").GetAttribute("data-state")));

        await cut.Find("[data-testid=check-posture-now]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal("plusall.test", cut.Find("[data-testid=posture-report]").GetAttribute("data-domain")), TimeSpan.FromSeconds(10));
        Assert.Equal("Check again", cut.Find("[data-testid=check-posture-now]").TextContent.Trim());
    }

    private Task<ServerDto> AddServerAsync(params string[] domains) =>
        Host.WithAsync<IServerInventory, ServerDto>(async inventory =>
        {
            var name = "posture" + Guid.NewGuid().ToString("N")[..6];
            var result = await inventory.CreateAsync(
                new ServerInput { Name = name, Hostname = $"{name}.example.com", Platform = MailPlatforms.Postfix, Domains = domains.Select(d => new HostedDomainInput { Name = d, DkimSelectors = d == "good.test" ? ["sel"] : [] }).ToList() },
                CancellationToken.None);
            return result.Value ?? throw new InvalidOperationException(result.Describe());
        });
}
