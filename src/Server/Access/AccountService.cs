using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Identity;

namespace BackscatterConsole.Server.Access;

internal sealed class AccountService(SignInManager<AppUser> signIn, UserManager<AppUser> users) : IAccountService
{
    public async Task<SignInOutcome> SignInAsync(string userName, string password, bool remember)
    {
        var user = await users.FindByNameAsync(userName.Trim());
        if (user is null)
        {
            return SignInOutcome.InvalidCredentials;
        }

        var result = await signIn.PasswordSignInAsync(user, password, remember, lockoutOnFailure: true);
        return result switch
        {
            { Succeeded: true } => SignInOutcome.Succeeded,
            { IsLockedOut: true } => SignInOutcome.LockedOut,
            { IsNotAllowed: true } when user.IsDisabled => SignInOutcome.Disabled,
            _ => SignInOutcome.InvalidCredentials,
        };
    }

    public Task SignOutAsync() => signIn.SignOutAsync();

    public async Task<OperationResult> ChangePasswordAsync(Guid userId, string currentPassword, string newPassword)
    {
        var user = await users.FindByIdAsync(userId.ToString());
        if (user is null)
        {
            return OperationResult.Fail(OperationStatus.NotFound, "Your account no longer exists.");
        }

        var result = await users.ChangePasswordAsync(user, currentPassword, newPassword);
        if (!result.Succeeded)
        {
            var errors = result.Errors
                .GroupBy(e => e.Code == "PasswordMismatch" ? "currentPassword" : "newPassword")
                .ToDictionary(g => g.Key, g => g.Select(e => e.Code == "PasswordMismatch" ? "The current password is wrong." : e.Description).ToArray());
            return OperationResult.Invalid(errors);
        }

        // The stamp changed with the password; keep this session signed in with a fresh cookie.
        if (signIn.Context.User.Identity?.AuthenticationType == IdentityConstants.ApplicationScheme)
        {
            await signIn.RefreshSignInAsync(user);
        }

        return OperationResult.Ok();
    }
}
