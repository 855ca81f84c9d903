using System.Security.Claims;
using BackscatterConsole.Shared.Tokens;

namespace BackscatterConsole.Shared.Users;

/// <summary>Reads the acting user from a signed-in principal (cookie or API token alike).</summary>
public static class PrincipalExtensions
{
    /// <summary>The user id claim; throws when the principal is anonymous, which an endpoint requiring sign-in never sees.</summary>
    public static Guid UserId(this ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return Guid.TryParse(principal.FindFirst(ClaimTypes.NameIdentifier)?.Value, out var id)
            ? id
            : throw new InvalidOperationException("The principal has no user id; the endpoint must require authentication.");
    }

    /// <summary>The principal as an <see cref="Actor"/>.</summary>
    public static Actor ToActor(this ClaimsPrincipal principal) => new(principal.UserId(), principal.IsInRole(Roles.Admin));

    /// <summary>The principal as a change-request actor: may author (Operator, Admin) and may review (Reviewer, Admin).</summary>
    public static ChangeRequests.ReviewActor ToReviewActor(this ClaimsPrincipal principal) => new(
        principal.UserId(),
        principal.Identity?.Name ?? "unknown",
        principal.IsInRole(Roles.Operator) || principal.IsInRole(Roles.Admin),
        principal.IsInRole(Roles.Reviewer) || principal.IsInRole(Roles.Admin),
        principal.IsInRole(Roles.Admin));

    /// <summary>Whether the principal may change servers.</summary>
    public static bool CanEditServers(this ClaimsPrincipal principal) =>
        principal?.IsInRole(Roles.Admin) == true || principal?.IsInRole(Roles.Operator) == true;
}
