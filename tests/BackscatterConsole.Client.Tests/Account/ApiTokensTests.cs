using System.Net;
using System.Net.Http.Headers;
using BackscatterConsole.Client.Features.Account;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Shared.Tokens;
using BackscatterConsole.Shared.Users;

namespace BackscatterConsole.Client.Tests.Account;

public sealed class ApiTokensTests(ConsoleHost host) : PortalTest(host)
{
    [Fact]
    public async Task ApiTokens_UserWithoutTokens_SeesTheEmptyStateAndNoUserChoice()
    {
        await SignInAsync();

        var cut = this.RenderRoute<ApiTokens>();

        cut.WaitForAssertion(() => Assert.Contains("No API tokens yet", cut.Find("[data-testid=empty-state]").TextContent, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=token-user]"));
        Assert.Empty(cut.FindAll("[data-testid=all-tokens]"));
        Assert.Contains("Your tokens (0)", cut.Find("[data-testid=token-count]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiTokens_Viewer_SeesOnlyTheirOwnTokens()
    {
        var other = await Host.CreateUserAsync(Roles.Operator);
        await CreateTokenAsync(other, "someone-elses");
        var me = await SignInAsync(Roles.Viewer);
        await CreateTokenAsync(me, "mine");

        var cut = RenderPage<ApiTokens>();

        cut.WaitForAssertion(() => Assert.Equal(["mine"], cut.FindAll("[data-testid=token-name]").Select(n => n.TextContent.Trim())));
    }

    [Fact]
    public async Task ApiTokens_Admin_SeesEverybodysTokensAndMaySwitchToTheirOwn()
    {
        var other = await Host.CreateUserAsync(Roles.Operator);
        var theirs = "theirs-" + Guid.NewGuid().ToString("N")[..6];
        await CreateTokenAsync(other, theirs);
        var me = await SignInAsync(Roles.Admin);
        var mine = "mine-" + Guid.NewGuid().ToString("N")[..6];
        await CreateTokenAsync(me, mine);

        var cut = RenderPage<ApiTokens>();

        cut.WaitForAssertion(() => Assert.Contains(theirs, cut.Find("[data-testid=token-grid]").TextContent, StringComparison.Ordinal));
        Assert.Contains(other.Identity!.Name!, cut.Find("[data-testid=token-grid]").TextContent, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("[data-testid=token-user]"));

        cut.Field("all-tokens").Change(false);

        cut.WaitForAssertion(() => Assert.Equal([mine], cut.FindAll("[data-testid=token-name]").Select(n => n.TextContent.Trim())));
    }

    [Fact]
    public async Task ApiTokens_Create_ShowsTheSecretOnceThatWorksAndForgetsIt()
    {
        var me = await SignInAsync(Roles.Operator);
        var cut = RenderPage<ApiTokens>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=empty-state]")));

        cut.Field("token-name-input").Change("nightly-scan");
        cut.Field("token-expiry").Change(DateTime.UtcNow.AddDays(30).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await cut.Find("[data-testid=create-token]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=new-token]")));
        var secret = cut.Find("[data-testid=token-secret]").TextContent.Trim();
        Assert.StartsWith("bsc_", secret, StringComparison.Ordinal);
        Assert.Contains("not shown again", cut.Find("[data-testid=new-token]").TextContent, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("[data-testid=new-token] [data-testid=copy]"));
        Assert.Equal(["nightly-scan"], cut.FindAll("[data-testid=token-name]").Select(n => n.TextContent.Trim()));
        var stored = await Host.WithAsync<IApiTokenService, IReadOnlyList<ApiTokenDto>>(t => t.ListAsync(me.ToActor(), false, CancellationToken.None));
        Assert.NotNull(stored.Single().ExpiresAt);
        Assert.Equal(HttpStatusCode.OK, await CallApiAsync(secret));

        await cut.Find("[data-testid=token-done]").ClickAsync(new());

        Assert.Empty(cut.FindAll("[data-testid=new-token]"));
        Assert.DoesNotContain(secret, cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiTokens_NoName_ShowsTheReasonOnTheFieldAndKeepsTheExpiry()
    {
        await SignInAsync(Roles.Viewer);
        var cut = RenderPage<ApiTokens>();
        var expiry = DateTime.UtcNow.AddDays(10).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=create-token]")));

        cut.Field("token-expiry").Change(expiry);
        await cut.Find("[data-testid=create-token]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Name is required", cut.FieldText("token-name-input"), StringComparison.Ordinal));
        Assert.Equal(expiry, cut.Field("token-expiry").GetAttribute("value"));
        Assert.Empty(cut.FindAll("[data-testid=new-token]"));
    }

    [Fact]
    public async Task ApiTokens_RevokeCancelled_KeepsTheTokenActive()
    {
        var me = await SignInAsync(Roles.Viewer);
        await CreateTokenAsync(me, "keep-me");
        var cut = RenderPage<ApiTokens>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=revoke-token]")));

        var revoking = cut.Find("[data-testid=revoke-token]").ClickAsync(new());
        Providers.WaitForAssertion(() => Assert.Contains("Revoke “keep-me”?", Providers.Markup, StringComparison.Ordinal));
        await Providers.Find("[data-testid=confirm-cancel]").ClickAsync(new());
        await revoking;

        var stored = await Host.WithAsync<IApiTokenService, IReadOnlyList<ApiTokenDto>>(t => t.ListAsync(me.ToActor(), false, CancellationToken.None));
        Assert.Null(stored.Single().RevokedAt);
        Assert.Equal("active", cut.Find("[data-testid=token-grid] [data-testid=status]").GetAttribute("data-status"));
    }

    [Fact]
    public async Task ApiTokens_RevokeConfirmed_RevokesItAndShowsItRevoked()
    {
        var me = await SignInAsync(Roles.Viewer);
        var token = await CreateTokenAsync(me, "revoke-me");
        Assert.Equal(HttpStatusCode.OK, await CallApiAsync(token.Token));
        var cut = RenderPage<ApiTokens>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=revoke-token]")));

        var revoking = cut.Find("[data-testid=revoke-token]").ClickAsync(new());
        Providers.WaitForAssertion(() => Assert.NotNull(Providers.Find("[data-testid=confirm-dialog]")));
        await Providers.Find("[data-testid=confirm-ok]").ClickAsync(new());
        await revoking;

        cut.WaitForAssertion(() => Assert.Equal("revoked", cut.Find("[data-testid=token-grid] [data-testid=status]").GetAttribute("data-status")));
        Assert.Empty(cut.FindAll("[data-testid=revoke-token]"));
        var stored = await Host.WithAsync<IApiTokenService, IReadOnlyList<ApiTokenDto>>(t => t.ListAsync(me.ToActor(), false, CancellationToken.None));
        Assert.NotNull(stored.Single().RevokedAt);
        Assert.Equal(HttpStatusCode.Unauthorized, await CallApiAsync(token.Token));
    }

    private async Task<HttpStatusCode> CallApiAsync(string token)
    {
        using var api = Host.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await api.GetAsync("/api/v1/account")).StatusCode;
    }

    private Task<CreatedApiTokenDto> CreateTokenAsync(System.Security.Claims.ClaimsPrincipal owner, string name) =>
        Host.WithAsync<IApiTokenService, CreatedApiTokenDto>(async tokens =>
            (await tokens.CreateAsync(owner.ToActor(), new CreateApiTokenInput { Name = name }, CancellationToken.None)).Value!);
}
