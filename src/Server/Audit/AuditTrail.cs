using System.Security.Claims;
using System.Text.Json;
using BackscatterConsole.Domain.Audit;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace BackscatterConsole.Server.Audit;

/// <summary>What a feature reports to the audit trail.</summary>
/// <param name="Action">One of <see cref="Shared.Audit.AuditActions"/>.</param>
/// <param name="ObjectType">user, token, server, account.</param>
/// <param name="ObjectId">The object's id.</param>
/// <param name="Before">The object before the change (serialized to JSON); null when created.</param>
/// <param name="After">The object after the change; null when deleted.</param>
/// <param name="Detail">A sentence for people.</param>
/// <param name="ActorId">Overrides the signed-in user (a sign-in records the user signing in).</param>
/// <param name="ActorName">Overrides the signed-in user's name (a failed sign-in records the name tried).</param>
internal sealed record AuditEvent(
    string Action,
    string ObjectType,
    string? ObjectId,
    object? Before = null,
    object? After = null,
    string? Detail = null,
    Guid? ActorId = null,
    string? ActorName = null);

/// <summary>Serializes appends within this process, so that each entry's hash chains to the one committed before it (SQLite).</summary>
internal sealed class AuditChainLock
{
    public SemaphoreSlim Gate { get; } = new(1, 1);
}

/// <summary>
/// Appends audit entries in the same database transaction as the change they describe. The chain lock is held from
/// reading the last hash until the caller has committed, so concurrent writers cannot fork the chain: on SQLite (one
/// instance) an in-process lock; on PostgreSQL, where several instances may append, a transaction-scoped advisory lock
/// that the database releases at commit or rollback, so writers on different instances wait for each other instead of
/// colliding on the entry id.
/// </summary>
internal sealed class AuditTrail(AppDbContext db, AuditChainLock chainLock, IOperationActor actor, TimeProvider clock)
{
    /// <summary>The advisory lock key of the chain (any constant shared by all instances; "BSCAUDIT" in ASCII).</summary>
    public const long ChainLockKey = 0x4253_4341_5544_4954;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Stages an entry in the context. Save (and commit) the change and the entry, then dispose the lease, which releases
    /// the lock and drops the entry from the context if it was never saved.
    /// </summary>
    public async Task<IAsyncDisposable> StageAsync(AuditEvent audit, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            // The lock lives as long as a transaction: the caller's, or one of the lease's own that it commits once the
            // entry is saved, so a plain SaveChanges inside the lease is as atomic and as ordered as before.
            var owned = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
            try
            {
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({ChainLockKey})", cancellationToken);
                return new Lease(db, await StageEntryAsync(audit, cancellationToken), null, owned);
            }
            catch
            {
                if (owned is not null)
                {
                    await owned.DisposeAsync();
                }

                throw;
            }
        }

        await chainLock.Gate.WaitAsync(cancellationToken);
        try
        {
            return new Lease(db, await StageEntryAsync(audit, cancellationToken), chainLock.Gate, null);
        }
        catch
        {
            chainLock.Gate.Release();
            throw;
        }
    }

    private async Task<AuditEntry> StageEntryAsync(AuditEvent audit, CancellationToken cancellationToken)
    {
        var last = await db.AuditEntries.AsNoTracking().OrderByDescending(e => e.Id)
            .Select(e => new { e.Id, e.Hash }).FirstOrDefaultAsync(cancellationToken);
        var user = actor.User;
        var content = new AuditContent(
            (last?.Id ?? 0) + 1,
            WholeMicroseconds(clock.GetUtcNow().UtcDateTime),
            audit.ActorId ?? UserIdOf(user),
            Clip(audit.ActorName ?? user?.Identity?.Name, 256),
            actor.ClientAddress,
            audit.Action,
            audit.ObjectType,
            audit.ObjectId,
            audit.Before is null ? null : JsonSerializer.Serialize(audit.Before, Json),
            audit.After is null ? null : JsonSerializer.Serialize(audit.After, Json),
            Clip(audit.Detail, 1000));
        var previousHash = last?.Hash ?? AuditChain.Genesis;
        var entry = new AuditEntry
        {
            Id = content.Id,
            OccurredAt = content.OccurredAt,
            ActorId = content.ActorId,
            ActorName = content.ActorName,
            SourceAddress = content.SourceAddress,
            Action = content.Action,
            ObjectType = content.ObjectType,
            ObjectId = content.ObjectId,
            Before = content.Before,
            After = content.After,
            Detail = content.Detail,
            PreviousHash = previousHash,
            Hash = AuditChain.Hash(previousHash, content),
        };
        db.AuditEntries.Add(entry);
        return entry;
    }

    /// <summary>
    /// Saves the context's pending changes together with the entry, in one commit under the chain lock. Callers that also
    /// commit an explicit transaction stage the entry themselves (<see cref="StageAsync"/>) and commit inside the lease.
    /// </summary>
    public async Task RecordAsync(AuditEvent audit, CancellationToken cancellationToken)
    {
        await using (await StageAsync(audit, cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    // Agents are authenticated too but are not users: only a user id claim makes an actor id.
    private static Guid? UserIdOf(ClaimsPrincipal? user) =>
        Guid.TryParse(user?.FindFirst(ClaimTypes.NameIdentifier)?.Value, out var id) ? id : null;

    // The time is part of the hashed content, so it must read back exactly as hashed: PostgreSQL keeps microseconds,
    // not the 100 ns ticks of DateTime, and an untruncated time would make every entry fail verification there.
    private static DateTime WholeMicroseconds(DateTime time) => new(time.Ticks - (time.Ticks % 10), time.Kind);

    private static string? Clip(string? value, int max) => value is null || value.Length <= max ? value : value[..max];

    private sealed class Lease(AppDbContext db, AuditEntry entry, SemaphoreSlim? gate, IDbContextTransaction? owned) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            // A failed save leaves the entry staged; it must not ride along with a later save of this context.
            var saved = db.Entry(entry).State != EntityState.Added;
            if (!saved)
            {
                db.Entry(entry).State = EntityState.Detached;
            }

            try
            {
                if (owned is not null)
                {
                    // Committing releases the advisory lock; without a saved entry nothing of this lease is kept.
                    if (saved)
                    {
                        await owned.CommitAsync();
                    }
                    else
                    {
                        await owned.RollbackAsync();
                    }
                }
            }
            finally
            {
                if (owned is not null)
                {
                    await owned.DisposeAsync();
                }

                gate?.Release();
            }
        }
    }
}
