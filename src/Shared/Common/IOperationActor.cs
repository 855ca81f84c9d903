using System.Security.Claims;

namespace BackscatterConsole.Shared.Common;

/// <summary>
/// Who performs the operations of the current service scope, for the audit trail. An HTTP request has its
/// <c>HttpContext</c>; an interactive portal component runs its operations in a scope of their own, where there is none,
/// so the portal states the signed-in user and their address here before calling a service.
/// </summary>
public interface IOperationActor
{
    /// <summary>The acting user, or null when the scope has none (then the HTTP request's user is used, if any).</summary>
    ClaimsPrincipal? User { get; }

    /// <summary>The client's network address as the server saw it, or null.</summary>
    string? ClientAddress { get; }

    /// <summary>Sets the actor of this scope.</summary>
    /// <param name="user">The signed-in user.</param>
    /// <param name="clientAddress">Their address.</param>
    void Use(ClaimsPrincipal user, string? clientAddress);
}
