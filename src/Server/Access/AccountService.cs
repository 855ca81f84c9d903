using BackscatterConsole.Server.Audit;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Identity;

namespace BackscatterConsole.Server.Access;

internal sealed class AccountService(SignInManager<AppUser> signIn, UserManager<AppUser> users, AuditTrail audit) : IAccountService
{
    public async Task<SignInOutcome> SignInAsync(string userName, string password, bool remember)
    {
        var user = await users.FindByNameAsync(userName.Trim());
        if (user is null)
        {
            await audit.RecordAsync(new AuditEvent(AuditActions.SignInFailed, "account", null, Detail: "Sign-in failed: no such user.", ActorName: userName.Trim()), CancellationToken.None);
            return SignInOutcome.InvalidCredentials;
        }

        var result = await signIn.PasswordSignInAsync(user, password, remember, lockoutOnFailure: true);
        var outcome = result switch
        {
            { Succeeded: true } => SignInOutcome.Succeeded,
            { IsLockedOut: true } => SignInOutcome.LockedOut,
            { IsNotAllowed: true } when user.IsDisabled => SignInOutcome.Disabled,
            _ => SignInOutcome.InvalidCredentials,
        };
        var (action, detail) = outcome switch
        {
            SignInOutcome.Succeeded => (AuditActions.SignedIn, "Signed in."),
            SignInOutcome.LockedOut => (AuditActions.LockedOut, "Sign-in refused: the account is locked out."),
            SignInOutcome.Disabled => (AuditActions.SignInFailed, "Sign-in refused: the account is disabled."),
            _ => (AuditActions.SignInFailed, "Sign-in failed: wrong password."),
        };
        await audit.RecordAsync(new AuditEvent(action, "account", user.Id.ToString(), Detail: detail, ActorId: user.Id, ActorName: user.UserName), CancellationToken.None);
        return outcome;
    }

    public async Task SignOutAsync()
    {
        var principal = signIn.Context.User;
        if (principal.Identity?.IsAuthenticated == true)
        {
            await audit.RecordAsync(new AuditEvent(AuditActions.SignedOut, "account", principal.UserId().ToString(), Detail: "Signed out."), CancellationToken.None);
        }

        await signIn.SignOutAsync();
    }

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

        await audit.RecordAsync(new AuditEvent(AuditActions.PasswordChanged, "account", user.Id.ToString(), Detail: "Changed the password."), CancellationToken.None);

        // The stamp changed with the password; keep this session signed in with a fresh cookie.
        if (signIn.Context.User.Identity?.AuthenticationType == IdentityConstants.ApplicationScheme)
        {
            await signIn.RefreshSignInAsync(user);
        }

        return OperationResult.Ok();
    }

    public async Task<AccountPreferencesDto?> GetPreferencesAsync(Guid userId, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(userId.ToString());
        return user is null ? null : new AccountPreferencesDto(user.ThemeMode);
    }

    public async Task<OperationResult<AccountPreferencesDto>> SetPreferencesAsync(Guid userId, AccountPreferencesInput input, CancellationToken cancellationToken)
    {
        var theme = input.Theme?.Trim().ToLowerInvariant();
        if (theme is null || !ThemeModes.All.Contains(theme))
        {
            return OperationResult<AccountPreferencesDto>.From(OperationResult.Invalid(new Dictionary<string, string[]>
            {
                ["theme"] = [$"Choose one of {string.Join(", ", ThemeModes.All)}."],
            }));
        }

        var user = await users.FindByIdAsync(userId.ToString());
        if (user is null)
        {
            return new(OperationStatus.NotFound, null, "Your account no longer exists.");
        }

        user.ThemeMode = theme;
        var result = await users.UpdateAsync(user);
        return result.Succeeded
            ? OperationResult<AccountPreferencesDto>.Ok(new AccountPreferencesDto(theme))
            : new(OperationStatus.Conflict, null, string.Join(" ", result.Errors.Select(e => e.Description)));
    }
}
