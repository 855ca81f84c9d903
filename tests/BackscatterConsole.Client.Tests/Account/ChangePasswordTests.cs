using BackscatterConsole.Client.Features.Account;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Client.Tests.Account;

/// <summary>
/// The static change-password form. Success refreshes the sign-in cookie, which needs an HTTP response: that path is
/// covered by the browser tests; here, everything the form shows.
/// </summary>
public sealed class ChangePasswordTests(ConsoleHost host) : PortalTest(host)
{
    private const string Current = "Current-Pass-2026!";

    private Guid _userId;

    [Fact]
    public async Task ChangePassword_WrongCurrentPassword_SaysSoOnThatFieldAndSendsNoPasswordBack()
    {
        await SignInWithPasswordAsync();
        var cut = RenderPage<ChangePassword>();

        cut.Find("#current").Change("Wrong-Pass-2026!");
        cut.Find("#new").Change("Another-Pass-2026!");
        cut.Find("#confirm").Change("Another-Pass-2026!");
        await cut.Find("form").SubmitAsync();

        cut.WaitForAssertion(() => Assert.Contains("The current password is wrong.", cut.Find("#current").ParentElement!.TextContent, StringComparison.Ordinal));
        Assert.All(cut.FindAll("input[type=password]"), i => Assert.True(string.IsNullOrEmpty(i.GetAttribute("value"))));
        Assert.Equal("true", cut.Find("#current").GetAttribute("aria-invalid"));
        Assert.Empty(cut.FindAll("[data-testid=password-changed]"));
    }

    [Fact]
    public async Task ChangePassword_NewPasswordBreaksTheRules_ShowsIdentitysRulesUnderTheNewField()
    {
        await SignInWithPasswordAsync();
        var cut = RenderPage<ChangePassword>();

        cut.Find("#current").Change(Current);
        cut.Find("#new").Change("short");
        cut.Find("#confirm").Change("short");
        await cut.Find("form").SubmitAsync();

        cut.WaitForAssertion(() => Assert.Contains("at least 10 characters", cut.Find("#new").ParentElement!.TextContent, StringComparison.Ordinal));
        Assert.Equal("true", cut.Find("#new").GetAttribute("aria-invalid"));
        Assert.True(string.IsNullOrEmpty(cut.Find("#new").GetAttribute("value")));
        Assert.True(await PasswordIsAsync(Current), "nothing was changed");
    }

    [Fact]
    public async Task ChangePassword_RepeatDiffers_ShowsTheMessageWithoutCallingTheService()
    {
        await SignInWithPasswordAsync();
        var cut = RenderPage<ChangePassword>();

        cut.Find("#current").Change(Current);
        cut.Find("#new").Change("Another-Pass-2026!");
        cut.Find("#confirm").Change("Other-Pass-2026!");
        await cut.Find("form").SubmitAsync();

        cut.WaitForAssertion(() => Assert.Contains("The two new passwords differ.", cut.Markup, StringComparison.Ordinal));
        Assert.All(cut.FindAll("input[type=password]"), i => Assert.True(string.IsNullOrEmpty(i.GetAttribute("value"))));
        Assert.True(await PasswordIsAsync(Current));
    }

    [Fact]
    public async Task ChangePassword_EmptyForm_AsksForEachField()
    {
        await SignInWithPasswordAsync();
        var cut = RenderPage<ChangePassword>();

        await cut.Find("form").SubmitAsync();

        cut.WaitForAssertion(() => Assert.Contains("Enter your current password.", cut.Markup, StringComparison.Ordinal));
        Assert.Contains("Enter a new password.", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("Repeat the new password.", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangePassword_AfterSuccess_SaysThePasswordWasChanged()
    {
        await SignInWithPasswordAsync();
        Services.GetRequiredService<NavigationManager>().NavigateTo("account/password?changed=1");

        var cut = RenderPage<ChangePassword>();

        Assert.Equal("Your password was changed.", cut.Find("[data-testid=password-changed]").TextContent.Trim());
    }

    private async Task SignInWithPasswordAsync()
    {
        var user = await SignInAsync(Roles.Viewer);
        await Host.WithAsync<UserManager<AppUser>, IdentityResult>(async users =>
        {
            var stored = await users.FindByIdAsync(user.UserId().ToString());
            await users.RemovePasswordAsync(stored!);
            return await users.AddPasswordAsync(stored!, Current);
        });
        _userId = user.UserId();
    }

    private Task<bool> PasswordIsAsync(string password) =>
        Host.WithAsync<UserManager<AppUser>, bool>(async users => await users.CheckPasswordAsync((await users.FindByIdAsync(_userId.ToString()))!, password));
}
