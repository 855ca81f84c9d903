using BackscatterConsole.Domain.Text;
using BackscatterConsole.Server.Audit;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace BackscatterConsole.Server.Access;

internal sealed class UserAdministration(UserManager<AppUser> users, AppDbContext db, AuditTrail audit, TimeProvider clock) : IUserAdministration
{
    public async Task<IReadOnlyList<UserDto>> ListAsync(CancellationToken cancellationToken)
    {
        var all = await db.Users.AsNoTracking().OrderBy(u => u.NormalizedUserName).ToListAsync(cancellationToken);
        var roles = await RolesByUserAsync(cancellationToken);
        return all.Select(u => ToDto(u, roles.GetValueOrDefault(u.Id, []))).ToList();
    }

    public async Task<UserDto?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, cancellationToken);
        return user is null ? null : ToDto(user, await users.GetRolesAsync(user));
    }

    public async Task<OperationResult<UserDto>> CreateAsync(CreateUserInput input, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var userName = input.UserName?.Trim() ?? string.Empty;
        if (userName.Length is 0 or > 64)
        {
            errors["userName"] = ["User name is required (at most 64 characters)."];
        }
        else
        {
            TextRules.AddControlCharacterError(errors, "userName", userName, "The user name");
        }

        var email = string.IsNullOrWhiteSpace(input.Email) ? null : input.Email.Trim();
        if (!TextRules.AddControlCharacterError(errors, "email", email, "The e-mail address")
            && email is not null && (email.Length > 254 || !System.Net.Mail.MailAddress.TryCreate(email, out _)))
        {
            errors["email"] = [$"'{email}' is not a valid e-mail address."];
        }

        var roles = NormalizeRoles(input.Roles, errors);
        if (string.IsNullOrEmpty(input.Password))
        {
            errors["password"] = ["Password is required."];
        }

        if (errors.Count > 0)
        {
            return OperationResult<UserDto>.From(OperationResult.Invalid(errors));
        }

        if (await users.FindByNameAsync(userName) is not null)
        {
            return new(OperationStatus.Conflict, null, $"A user named '{userName}' already exists.");
        }

        var user = new AppUser { UserName = userName, Email = email, CreatedAt = clock.GetUtcNow().UtcDateTime, LockoutEnabled = true };
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var created = await users.CreateAsync(user, input.Password!);
        if (!created.Succeeded)
        {
            return OperationResult<UserDto>.From(OperationResult.Invalid(IdentityErrors(created)));
        }

        if (roles.Count > 0)
        {
            var added = await users.AddToRolesAsync(user, roles);
            if (!added.Succeeded)
            {
                return OperationResult<UserDto>.From(OperationResult.Invalid(IdentityErrors(added, "roles")));
            }
        }

        var dto = ToDto(user, roles);
        await using (await audit.StageAsync(new AuditEvent(AuditActions.UserCreated, "user", user.Id.ToString(), After: dto, Detail: $"Created user '{user.UserName}' with roles {RoleList(roles)}."), cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        return OperationResult<UserDto>.Ok(dto);
    }

    public async Task<OperationResult<UserDto>> UpdateAsync(Guid id, UpdateUserInput input, Guid actingUserId, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(id.ToString());
        if (user is null)
        {
            return new(OperationStatus.NotFound, null, $"No user has the id {id}.");
        }

        var errors = new Dictionary<string, string[]>();
        var newRoles = input.Roles is null ? null : NormalizeRoles(input.Roles, errors);
        if (!TextRules.AddControlCharacterError(errors, "email", input.Email?.Trim(), "The e-mail address")
            && input.Email is { } email && email.Length > 0 && !System.Net.Mail.MailAddress.TryCreate(email.Trim(), out _))
        {
            errors["email"] = [$"'{email}' is not a valid e-mail address."];
        }

        if (errors.Count > 0)
        {
            return OperationResult<UserDto>.From(OperationResult.Invalid(errors));
        }

        var currentRoles = await users.GetRolesAsync(user);
        var losesAdmin = currentRoles.Contains(Roles.Admin)
            && ((newRoles is not null && !newRoles.Contains(Roles.Admin)) || input.IsDisabled == true);
        if (losesAdmin && id == actingUserId)
        {
            return new(OperationStatus.Conflict, null, "You cannot disable yourself or remove your own Admin role.");
        }

        if (losesAdmin && !user.IsDisabled)
        {
            var admins = await users.GetUsersInRoleAsync(Roles.Admin);
            if (admins.Count(a => !a.IsDisabled) <= 1)
            {
                return new(OperationStatus.Conflict, null, "This is the last active Admin; make another user Admin first.");
            }
        }

        var before = ToDto(user, currentRoles);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (input.Email is not null)
        {
            user.Email = input.Email.Trim().Length == 0 ? null : input.Email.Trim();
        }

        if (input.IsDisabled is { } disabled)
        {
            user.IsDisabled = disabled;
        }

        var updated = await users.UpdateAsync(user);
        if (!updated.Succeeded)
        {
            return OperationResult<UserDto>.From(OperationResult.Invalid(IdentityErrors(updated)));
        }

        if (newRoles is not null)
        {
            var removed = await users.RemoveFromRolesAsync(user, currentRoles.Except(newRoles));
            var added = await users.AddToRolesAsync(user, newRoles.Except(currentRoles));
            if (!removed.Succeeded || !added.Succeeded)
            {
                return OperationResult<UserDto>.From(OperationResult.Invalid(IdentityErrors(removed.Succeeded ? added : removed, "roles")));
            }
        }

        // A new stamp ends every session of this user (cookies at their next request, open portal pages at their next
        // revalidation). Only what a session carries needs it: the roles and whether the user may sign in at all; an
        // e-mail change must not sign out the Admin who corrected their own address.
        var after = ToDto(user, await users.GetRolesAsync(user));
        if (before.IsDisabled != after.IsDisabled || !before.Roles.SequenceEqual(after.Roles))
        {
            await users.UpdateSecurityStampAsync(user);
        }

        await using (await audit.StageAsync(new AuditEvent(AuditActions.UserUpdated, "user", user.Id.ToString(), before, after, DescribeChange(before, after)), cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        return OperationResult<UserDto>.Ok(after);
    }

    private static string RoleList(IReadOnlyCollection<string> roles) => roles.Count == 0 ? "none" : string.Join(", ", roles);

    private static string DescribeChange(UserDto before, UserDto after)
    {
        var changes = new List<string>();
        if (!before.Roles.SequenceEqual(after.Roles))
        {
            changes.Add($"roles {RoleList(before.Roles.ToList())} → {RoleList(after.Roles.ToList())}");
        }

        if (before.IsDisabled != after.IsDisabled)
        {
            changes.Add(after.IsDisabled ? "disabled" : "enabled");
        }

        if (before.Email != after.Email)
        {
            changes.Add("e-mail changed");
        }

        return $"Changed user '{after.UserName}': {(changes.Count == 0 ? "no visible change" : string.Join("; ", changes))}.";
    }

    private static List<string> NormalizeRoles(List<string>? input, Dictionary<string, string[]> errors)
    {
        var roles = new List<string>();
        foreach (var role in input ?? [])
        {
            var match = Roles.All.FirstOrDefault(r => string.Equals(r, role?.Trim(), StringComparison.OrdinalIgnoreCase));
            if (match is null)
            {
                errors["roles"] = [$"'{role}' is not a role: use {string.Join(", ", Roles.All)}."];
            }
            else if (!roles.Contains(match))
            {
                roles.Add(match);
            }
        }

        return roles;
    }

    private async Task<Dictionary<Guid, List<string>>> RolesByUserAsync(CancellationToken cancellationToken) =>
        (await (from ur in db.UserRoles
                join r in db.Roles on ur.RoleId equals r.Id
                select new { ur.UserId, r.Name }).ToListAsync(cancellationToken))
        .GroupBy(x => x.UserId)
        .ToDictionary(g => g.Key, g => g.Select(x => x.Name!).Order(StringComparer.Ordinal).ToList());

    private UserDto ToDto(AppUser user, IEnumerable<string> roles) => new(
        user.Id,
        user.UserName!,
        user.Email,
        roles.OrderBy(r => Array.IndexOf(Roles.All.ToArray(), r)).ToList(),
        user.IsDisabled,
        user.LockoutEnd is { } end && end > clock.GetUtcNow(),
        user.CreatedAt);

    private static Dictionary<string, string[]> IdentityErrors(IdentityResult result, string? field = null) =>
        result.Errors
            .GroupBy(e => field ?? FieldOf(e.Code))
            .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray());

    private static string FieldOf(string code) => code switch
    {
        _ when code.StartsWith("Password", StringComparison.Ordinal) => "password",
        _ when code.Contains("UserName", StringComparison.Ordinal) => "userName",
        _ when code.Contains("Email", StringComparison.Ordinal) => "email",
        _ => "user",
    };
}
