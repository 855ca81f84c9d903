using BackscatterConsole.Client.Features.Users;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Client.Tests.Users;

public sealed class UserEditTests(ConsoleHost host) : PortalTest(host)
{
    [Fact]
    public async Task UserEdit_Operator_SeesAccessDenied()
    {
        var other = await Host.CreateUserAsync(Roles.Viewer);
        await SignInAsync(Roles.Operator);

        var cut = this.RenderRoute<UserEdit>(new Dictionary<string, object?> { ["Id"] = other.UserId() });

        Assert.NotNull(cut.Find("[data-testid=access-denied]"));
        Assert.Empty(cut.FindAll("[data-testid=edit-user]"));
    }

    [Fact]
    public async Task UserEdit_UnknownId_ShowsNotFound()
    {
        await SignInAsync(Roles.Admin);

        var cut = RenderPage<UserEdit>(p => p.Add(x => x.Id, Guid.NewGuid()));

        cut.WaitForAssertion(() => Assert.Contains("No user has this id", cut.Find("[data-testid=empty-state]").TextContent, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=edit-user]"));
    }

    [Fact]
    public async Task UserEdit_ChangeRolesAndEmail_SavesAndGoesBackToTheList()
    {
        var target = await Host.CreateUserAsync(Roles.Viewer);
        await SignInAsync(Roles.Admin);
        var cut = RenderPage<UserEdit>(p => p.Add(x => x.Id, target.UserId()));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=edit-user]")));

        cut.Field("edit-email").Change("new@example.test");
        cut.Field("role-operator").Change(true);
        cut.Field("role-viewer").Change(false);
        await cut.Find("[data-testid=save-user]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.EndsWith("/users", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal));
        var stored = await Host.WithAsync<IUserAdministration, UserDto?>(u => u.GetAsync(target.UserId(), CancellationToken.None));
        Assert.Equal("new@example.test", stored!.Email);
        Assert.Equal([Roles.Operator], stored.Roles);
        Assert.Contains("was saved", Providers.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserEdit_InvalidEmail_ShowsTheReasonOnTheFieldAndKeepsTheInput()
    {
        var target = await Host.CreateUserAsync(Roles.Viewer);
        await SignInAsync(Roles.Admin);
        var cut = RenderPage<UserEdit>(p => p.Add(x => x.Id, target.UserId()));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=edit-user]")));

        cut.Field("edit-email").Change("not-an-address");
        cut.Field("role-reviewer").Change(true);
        await cut.Find("[data-testid=save-user]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("is not a valid e-mail address", cut.FieldText("edit-email"), StringComparison.Ordinal));
        Assert.Equal("not-an-address", cut.Field("edit-email").GetAttribute("value"));
        Assert.True(IsChecked(cut, "role-reviewer"));
        var stored = await Host.WithAsync<IUserAdministration, UserDto?>(u => u.GetAsync(target.UserId(), CancellationToken.None));
        Assert.Equal([Roles.Viewer], stored!.Roles);
    }

    [Fact]
    public async Task UserEdit_DisableThenCancel_SavesNothing()
    {
        var target = await Host.CreateUserAsync(Roles.Viewer);
        await SignInAsync(Roles.Admin);
        var cut = RenderPage<UserEdit>(p => p.Add(x => x.Id, target.UserId()));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=edit-user]")));

        cut.Field("edit-disabled").Change(true);
        var saving = cut.Find("[data-testid=save-user]").ClickAsync(new());
        Providers.WaitForAssertion(() => Assert.Contains($"Disable {target.Identity!.Name}?", Providers.Markup, StringComparison.Ordinal));
        await Providers.Find("[data-testid=confirm-cancel]").ClickAsync(new());
        await saving;

        var stored = await Host.WithAsync<IUserAdministration, UserDto?>(u => u.GetAsync(target.UserId(), CancellationToken.None));
        Assert.False(stored!.IsDisabled);
        Assert.NotNull(cut.Find("[data-testid=edit-user]"));
        Assert.True(IsChecked(cut, "edit-disabled"), "the switch stays as the user left it");
    }

    [Fact]
    public async Task UserEdit_DisableConfirmed_DisablesTheUser()
    {
        var target = await Host.CreateUserAsync(Roles.Viewer);
        await SignInAsync(Roles.Admin);
        var cut = RenderPage<UserEdit>(p => p.Add(x => x.Id, target.UserId()));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=edit-user]")));

        cut.Field("edit-disabled").Change(true);
        var saving = cut.Find("[data-testid=save-user]").ClickAsync(new());
        Providers.WaitForAssertion(() => Assert.NotNull(Providers.Find("[data-testid=confirm-dialog]")));
        await Providers.Find("[data-testid=confirm-ok]").ClickAsync(new());
        await saving;

        var stored = await Host.WithAsync<IUserAdministration, UserDto?>(u => u.GetAsync(target.UserId(), CancellationToken.None));
        Assert.True(stored!.IsDisabled);
    }

    [Fact]
    public async Task UserEdit_OwnAccountLosingAdmin_IsRefusedWithTheServicesReason()
    {
        var me = await SignInAsync(Roles.Admin);
        var cut = RenderPage<UserEdit>(p => p.Add(x => x.Id, me.UserId()));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=self-note]")));

        cut.Field("role-admin").Change(false);
        await cut.Find("[data-testid=save-user]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("You cannot disable yourself or remove your own Admin role.", cut.Find("[data-testid=problem]").TextContent, StringComparison.Ordinal));
        var stored = await Host.WithAsync<IUserAdministration, UserDto?>(u => u.GetAsync(me.UserId(), CancellationToken.None));
        Assert.Contains(Roles.Admin, stored!.Roles);
        Assert.False(IsChecked(cut, "role-admin"), "the form keeps what the user chose");
    }

    private static bool IsChecked<TComponent>(IRenderedComponent<TComponent> cut, string testId)
        where TComponent : IComponent =>
        cut.Field(testId).HasAttribute("checked");
}
