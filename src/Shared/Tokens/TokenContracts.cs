using BackscatterConsole.Shared.Common;

namespace BackscatterConsole.Shared.Tokens;

/// <summary>An API token's metadata; the secret itself is never stored or shown again after creation.</summary>
public sealed record ApiTokenDto(
    Guid Id,
    string Name,
    Guid UserId,
    string UserName,
    string Prefix,
    DateTime CreatedAt,
    DateTime? ExpiresAt,
    DateTime? LastUsedAt,
    DateTime? RevokedAt)
{
    /// <summary>active, expired or revoked at <paramref name="now"/>.</summary>
    public string StateAt(DateTime now) => RevokedAt is not null ? "revoked" : ExpiresAt is { } e && e <= now ? "expired" : "active";
}

/// <summary>A newly created token: <see cref="Token"/> is shown exactly once.</summary>
public sealed record CreatedApiTokenDto(
    Guid Id,
    string Name,
    Guid UserId,
    string Token,
    string Prefix,
    DateTime CreatedAt,
    DateTime? ExpiresAt);

/// <summary>Input to create a token.</summary>
public sealed class CreateApiTokenInput
{
    public string? Name { get; set; }

    public DateTime? ExpiresAt { get; set; }

    /// <summary>Owner; only an Admin may name another user. Defaults to the caller.</summary>
    public Guid? UserId { get; set; }
}

/// <summary>The caller's identity for operations whose permission depends on the object.</summary>
/// <param name="UserId">The acting user.</param>
/// <param name="IsAdmin">Whether the actor holds the Admin role.</param>
public sealed record Actor(Guid UserId, bool IsAdmin);

/// <summary>API token management.</summary>
public interface IApiTokenService
{
    /// <summary>The actor's tokens; an Admin sees everybody's when <paramref name="allUsers"/> is true.</summary>
    Task<IReadOnlyList<ApiTokenDto>> ListAsync(Actor actor, bool allUsers, CancellationToken cancellationToken);

    Task<OperationResult<ApiTokenDto>> GetAsync(Actor actor, Guid id, CancellationToken cancellationToken);

    Task<OperationResult<CreatedApiTokenDto>> CreateAsync(Actor actor, CreateApiTokenInput input, CancellationToken cancellationToken);

    Task<OperationResult> RevokeAsync(Actor actor, Guid id, CancellationToken cancellationToken);
}
