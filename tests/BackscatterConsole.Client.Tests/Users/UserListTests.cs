using AngleSharp.Dom;
using BackscatterConsole.Client.Features.Users;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Shared.Users;

namespace BackscatterConsole.Client.Tests.Users;

public sealed class UserListTests(ConsoleHost host) : PortalTest(host)
{
    [Theory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.Operator)]
    [InlineData(Roles.Reviewer)]
    public async Task UserList_RoleOtherThanAdmin_SeesAccessDenied(string role)
    {
        await SignInAsync(role);

        var cut = this.RenderRoute<UserList>();

        Assert.NotNull(cut.Find("[data-testid=access-denied]"));
        Assert.Empty(cut.FindAll("[data-testid=user-grid]"));
    }

    [Fact]
    public async Task UserList_Admin_ListsEveryUserWithRoleChipsAndState()
    {
        var reviewer = await Host.CreateUserAsync(Roles.Reviewer, Roles.Viewer);
        await SignInAsync(Roles.Admin);

        var cut = this.RenderRoute<UserList>();

        cut.WaitForAssertion(() => Assert.Contains(reviewer.Identity!.Name!, cut.Markup));
        var row = RowOf(cut, reviewer.Identity!.Name!);
        Assert.Equal(["Reviewer", "Viewer"], row.QuerySelectorAll("[data-testid=user-roles] .mud-chip").Select(c => c.TextContent.Trim()));
        Assert.Equal("active", row.QuerySelector("[data-testid=status]")!.GetAttribute("data-status"));
        Assert.NotNull(cut.Find("[data-testid=new-user]"));
    }

    [Fact]
    public async Task UserList_CreateUser_ListsThemWithTheirRolesAndEmptiesTheForm()
    {
        await SignInAsync(Roles.Admin);
        var cut = RenderPage<UserList>();
        var name = "carol" + Guid.NewGuid().ToString("N")[..6];

        cut.Field("new-user-name").Change(name);
        cut.Field("new-user-email").Change("carol@example.test");
        cut.Field("new-user-password").Change("Carol-Pass-2026!");
        cut.Field("role-reviewer").Change(true);
        await cut.Find("[data-testid=create-user]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains(name, cut.Find("[data-testid=user-grid]").TextContent, StringComparison.Ordinal));
        Assert.Equal(["Reviewer"], RowOf(cut, name).QuerySelectorAll("[data-testid=user-roles] .mud-chip").Select(c => c.TextContent.Trim()));
        Providers.WaitForAssertion(() => Assert.Contains($"User '{name}' was created.", Providers.Markup, StringComparison.Ordinal));
        Assert.Equal(string.Empty, cut.Field("new-user-name").GetAttribute("value") ?? string.Empty);
        var stored = await Host.WithAsync<IUserAdministration, IReadOnlyList<UserDto>>(u => u.ListAsync(CancellationToken.None));
        Assert.Equal("carol@example.test", stored.Single(u => u.UserName == name).Email);
    }

    [Fact]
    public async Task UserList_WeakPassword_ShowsIdentitysRuleOnThePasswordAndKeepsEverythingElse()
    {
        await SignInAsync(Roles.Admin);
        var cut = RenderPage<UserList>();
        var name = "weak" + Guid.NewGuid().ToString("N")[..6];

        cut.Field("new-user-name").Change(name);
        cut.Field("new-user-email").Change("weak@example.test");
        cut.Field("new-user-password").Change("short");
        cut.Field("role-operator").Change(true);
        await cut.Find("[data-testid=create-user]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("at least 10 characters", cut.FieldText("new-user-password"), StringComparison.Ordinal));
        Assert.Equal(name, cut.Field("new-user-name").GetAttribute("value"));
        Assert.Equal("weak@example.test", cut.Field("new-user-email").GetAttribute("value"));
        Assert.True(cut.Field("role-operator").HasAttribute("checked") || cut.Field("role-operator").GetAttribute("aria-checked") == "true");
        Assert.True(string.IsNullOrEmpty(cut.Field("new-user-password").GetAttribute("value")), "the password is never sent back");
        Assert.DoesNotContain(name, cut.Find("[data-testid=user-grid]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserList_NameTakenOrInvalidEmail_ShowsEachOnItsField()
    {
        var existing = await Host.CreateUserAsync(Roles.Viewer);
        await SignInAsync(Roles.Admin);
        var cut = RenderPage<UserList>();

        cut.Field("new-user-name").Change(existing.Identity!.Name!);
        cut.Field("new-user-password").Change("Taken-Pass-2026!");
        await cut.Find("[data-testid=create-user]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("already exists", cut.FieldText("new-user-name"), StringComparison.Ordinal));

        cut.Field("new-user-name").Change("fresh" + Guid.NewGuid().ToString("N")[..6]);
        cut.Field("new-user-email").Change("not-an-address");
        cut.Field("new-user-password").Change("Fresh-Pass-2026!");
        await cut.Find("[data-testid=create-user]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("is not a valid e-mail address", cut.FieldText("new-user-email"), StringComparison.Ordinal));
        Assert.DoesNotContain("already exists", cut.FieldText("new-user-name"), StringComparison.Ordinal);
    }

    private static IElement RowOf<TComponent>(IRenderedComponent<TComponent> cut, string userName)
        where TComponent : Microsoft.AspNetCore.Components.IComponent =>
        cut.FindAll("[data-testid=user-grid] tbody tr").Single(r => r.QuerySelector("[data-testid=user-link]")?.TextContent.Trim() == userName);
}
