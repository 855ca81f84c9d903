using BackscatterConsole.Domain.Text;
using BackscatterConsole.Server.Audit;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Tokens;
using Microsoft.EntityFrameworkCore;

namespace BackscatterConsole.Server.Access;

internal sealed class ApiTokenService(AppDbContext db, AuditTrail audit, TimeProvider clock) : IApiTokenService
{
    public async Task<IReadOnlyList<ApiTokenDto>> ListAsync(Actor actor, bool allUsers, CancellationToken cancellationToken)
    {
        var query = db.ApiTokens.AsNoTracking();
        if (!(allUsers && actor.IsAdmin))
        {
            query = query.Where(t => t.UserId == actor.UserId);
        }

        var tokens = await query.Include(t => t.User).ToListAsync(cancellationToken);
        return tokens.OrderByDescending(t => t.CreatedAt).Select(ToDto).ToList();
    }

    public async Task<OperationResult<ApiTokenDto>> GetAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        var token = await db.ApiTokens.AsNoTracking().Include(t => t.User).SingleOrDefaultAsync(t => t.Id == id, cancellationToken);

        // Someone else's token is reported as missing, not forbidden, so ids cannot be probed.
        if (token is null || (token.UserId != actor.UserId && !actor.IsAdmin))
        {
            return new(OperationStatus.NotFound, null, $"No token has the id {id}.");
        }

        return OperationResult<ApiTokenDto>.Ok(ToDto(token));
    }

    public async Task<OperationResult<CreatedApiTokenDto>> CreateAsync(Actor actor, CreateApiTokenInput input, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var errors = new Dictionary<string, string[]>();
        var name = input.Name?.Trim() ?? string.Empty;
        if (name.Length is 0 or > 100)
        {
            errors["name"] = ["Name is required (at most 100 characters)."];
        }
        else
        {
            TextRules.AddControlCharacterError(errors, "name", name, "The token name");
        }

        var expiresAt = input.ExpiresAt?.ToUniversalTime();
        if (expiresAt is { } e && e <= now)
        {
            errors["expiresAt"] = ["The expiry must be in the future."];
        }

        if (errors.Count > 0)
        {
            return OperationResult<CreatedApiTokenDto>.From(OperationResult.Invalid(errors));
        }

        var userId = input.UserId ?? actor.UserId;
        if (userId != actor.UserId && !actor.IsAdmin)
        {
            return new(OperationStatus.Forbidden, null, "Only an Admin may create a token for another user.");
        }

        var owner = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (owner is null)
        {
            return OperationResult<CreatedApiTokenDto>.From(OperationResult.Invalid(new Dictionary<string, string[]> { ["userId"] = [$"No user has the id {userId}."] }));
        }

        var secret = TokenSecrets.Generate();
        var token = new ApiToken
        {
            Id = Guid.CreateVersion7(),
            UserId = userId,
            Name = name,
            TokenHash = TokenSecrets.Hash(secret),
            Prefix = TokenSecrets.PrefixOf(secret),
            CreatedAt = now,
            ExpiresAt = expiresAt,
        };
        db.ApiTokens.Add(token);
        var dto = ToDto(token) with { UserName = owner.UserName ?? string.Empty };
        await audit.RecordAsync(new AuditEvent(AuditActions.TokenCreated, "token", token.Id.ToString(), After: dto, Detail: $"Created API token '{token.Name}' for {owner.UserName}."), cancellationToken);

        return OperationResult<CreatedApiTokenDto>.Ok(new(token.Id, token.Name, token.UserId, secret, token.Prefix, token.CreatedAt, token.ExpiresAt));
    }

    public async Task<OperationResult> RevokeAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        var token = await db.ApiTokens.Include(t => t.User).SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (token is null || (token.UserId != actor.UserId && !actor.IsAdmin))
        {
            return OperationResult.Fail(OperationStatus.NotFound, $"No token has the id {id}.");
        }

        if (token.RevokedAt is not null)
        {
            return OperationResult.Ok();
        }

        var before = ToDto(token);
        token.RevokedAt = clock.GetUtcNow().UtcDateTime;
        await audit.RecordAsync(new AuditEvent(AuditActions.TokenRevoked, "token", token.Id.ToString(), before, ToDto(token), $"Revoked API token '{token.Name}'."), cancellationToken);

        return OperationResult.Ok();
    }

    private static ApiTokenDto ToDto(ApiToken t) =>
        new(t.Id, t.Name, t.UserId, t.User?.UserName ?? string.Empty, t.Prefix, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt);
}
