using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace BackscatterConsole.Server.Access;

/// <summary>First-run settings; ignored once any user exists.</summary>
public sealed class BootstrapOptions
{
    public const string Section = "Bootstrap";

    /// <summary>Password of the first <c>admin</c> user; a random one is generated and printed when empty.</summary>
    public string? AdminPassword { get; set; }

    /// <summary>When set on first start, this exact string becomes an Admin API token (for automation and CI).</summary>
    public string? ApiToken { get; set; }
}

/// <summary>Creates the roles, and on an empty database the first Admin.</summary>
internal sealed class FirstRunBootstrap(
    AppDbContext db,
    Audit.AuditTrail audit,
    UserManager<AppUser> users,
    RoleManager<AppRole> roles,
    IConfiguration configuration,
    TimeProvider clock,
    ILogger<FirstRunBootstrap> logger)
{
    public const string AdminUserName = "admin";

    /// <summary>Returns the generated password when one was made, so the host can print it once.</summary>
    public async Task<BootstrapOutcome> RunAsync(CancellationToken cancellationToken)
    {
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new AppRole(role)), $"create role {role}");
            }
        }

        if (await db.Users.AnyAsync(cancellationToken))
        {
            return new BootstrapOutcome(false, null, false);
        }

        var options = configuration.GetSection(BootstrapOptions.Section).Get<BootstrapOptions>() ?? new BootstrapOptions();
        var generated = string.IsNullOrEmpty(options.AdminPassword);
        var password = generated ? TokenSecrets.GeneratePassword() : options.AdminPassword!;
        var now = clock.GetUtcNow().UtcDateTime;
        var admin = new AppUser { UserName = AdminUserName, CreatedAt = now, LockoutEnabled = true };

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var created = await users.CreateAsync(admin, password);
        if (!created.Succeeded)
        {
            throw new InvalidOperationException(
                "Bootstrap:AdminPassword does not meet the password policy: " + string.Join(" ", created.Errors.Select(e => e.Description)));
        }

        Check(await users.AddToRoleAsync(admin, Roles.Admin), "make admin an Admin");

        var tokenCreated = false;
        if (!string.IsNullOrEmpty(options.ApiToken))
        {
            db.ApiTokens.Add(new ApiToken
            {
                Id = Guid.CreateVersion7(),
                UserId = admin.Id,
                Name = "bootstrap",
                TokenHash = TokenSecrets.Hash(options.ApiToken),
                Prefix = TokenSecrets.PrefixOf(options.ApiToken),
                CreatedAt = now,
            });
            await db.SaveChangesAsync(cancellationToken);
            tokenCreated = true;
        }

        await using (await audit.StageAsync(new Audit.AuditEvent(Shared.Audit.AuditActions.UserCreated, "user", admin.Id.ToString(), After: new { admin.UserName, Roles = new[] { Roles.Admin } }, Detail: "First run: created the user admin with the Admin role" + (tokenCreated ? " and the bootstrap API token." : "."), ActorName: "system (first run)"), cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        logger.LogInformation("First run: created the user {UserName} with the Admin role", AdminUserName);
        return new BootstrapOutcome(true, generated ? password : null, tokenCreated);
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not {what}: " + string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }
}

/// <summary>What the first-run bootstrap did.</summary>
/// <param name="CreatedAdmin">The admin user was created now.</param>
/// <param name="GeneratedPassword">The generated password, to print once; null when configured.</param>
/// <param name="CreatedApiToken">Bootstrap:ApiToken was stored as an Admin token.</param>
internal sealed record BootstrapOutcome(bool CreatedAdmin, string? GeneratedPassword, bool CreatedApiToken);
