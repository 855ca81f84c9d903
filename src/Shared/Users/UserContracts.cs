using BackscatterConsole.Shared.Common;

namespace BackscatterConsole.Shared.Users;

/// <summary>The roles of the portal and the API.</summary>
public static class Roles
{
    public const string Admin = "Admin";
    public const string Operator = "Operator";
    public const string Reviewer = "Reviewer";
    public const string Viewer = "Viewer";

    public static IReadOnlyList<string> All { get; } = [Admin, Operator, Reviewer, Viewer];
}

/// <summary>A user account as Admins see it.</summary>
public sealed record UserDto(
    Guid Id,
    string UserName,
    string? Email,
    IReadOnlyList<string> Roles,
    bool IsDisabled,
    bool IsLockedOut,
    DateTime CreatedAt);

/// <summary>Input to create a user.</summary>
public sealed class CreateUserInput
{
    public string? UserName { get; set; }

    public string? Email { get; set; }

    public string? Password { get; set; }

    public List<string>? Roles { get; set; }
}

/// <summary>Input to change a user; null fields stay as they are.</summary>
public sealed class UpdateUserInput
{
    public string? Email { get; set; }

    public List<string>? Roles { get; set; }

    public bool? IsDisabled { get; set; }
}

/// <summary>User administration (Admins only; the callers check the role).</summary>
public interface IUserAdministration
{
    Task<IReadOnlyList<UserDto>> ListAsync(CancellationToken cancellationToken);

    Task<UserDto?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<OperationResult<UserDto>> CreateAsync(CreateUserInput input, CancellationToken cancellationToken);

    /// <summary>Changes e-mail, roles or the disabled flag. Disabling ends the user's sessions and tokens at once.</summary>
    Task<OperationResult<UserDto>> UpdateAsync(Guid id, UpdateUserInput input, Guid actingUserId, CancellationToken cancellationToken);
}

/// <summary>The signed-in user's own account.</summary>
public interface IAccountService
{
    /// <summary>Checks the password and issues the sign-in cookie. Failures are counted toward lockout.</summary>
    Task<SignInOutcome> SignInAsync(string userName, string password, bool remember);

    Task SignOutAsync();

    Task<OperationResult> ChangePasswordAsync(Guid userId, string currentPassword, string newPassword);

    /// <summary>The user's portal preferences; null when the user no longer exists.</summary>
    Task<AccountPreferencesDto?> GetPreferencesAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>Stores the user's portal preferences.</summary>
    Task<OperationResult<AccountPreferencesDto>> SetPreferencesAsync(Guid userId, AccountPreferencesInput input, CancellationToken cancellationToken);
}

/// <summary>Colour schemes of the portal.</summary>
public static class ThemeModes
{
    public const string Light = "light";
    public const string Dark = "dark";

    /// <summary>Follow the browser's (operating system's) preference.</summary>
    public const string System = "system";

    /// <summary>Every valid value.</summary>
    public static IReadOnlyList<string> All { get; } = [Light, Dark, System];
}

/// <summary>A user's portal preferences, remembered across browsers and devices.</summary>
/// <param name="Theme">One of <see cref="ThemeModes"/>.</param>
public sealed record AccountPreferencesDto(string Theme);

/// <summary>Body of <c>PUT /api/v1/account/preferences</c>.</summary>
public sealed class AccountPreferencesInput
{
    /// <summary>light, dark or system.</summary>
    public string? Theme { get; set; }
}

/// <summary>Why a sign-in did or did not succeed.</summary>
public enum SignInOutcome
{
    Succeeded,
    InvalidCredentials,
    LockedOut,
    Disabled,
}
