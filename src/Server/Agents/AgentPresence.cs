using System.Collections.Concurrent;
using BackscatterConsole.Server.Cluster;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Live;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Live;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Agents;

/// <summary>Asks whichever instance holds an agent's hub connection to close it (revocation, a newer connection elsewhere).</summary>
/// <param name="AgentId">The agent.</param>
/// <param name="ConnectionId">Only this connection; null closes whatever connection the agent has.</param>
internal sealed record AgentDisconnectRequested(Guid AgentId, string? ConnectionId);

/// <summary>
/// The agents connected to this process, by hub connection, so they can be closed (revocation, replacement). Which agents
/// are online fleet-wide is in the database (<see cref="AgentPresence"/>); this only holds what this process can abort.
/// </summary>
internal sealed class LocalAgentConnections : IDisposable
{
    private readonly ConcurrentDictionary<Guid, HubCallerContext> _connections = new();
    private readonly IDisposable _subscription;

    public LocalAgentConnections(ILiveEvents live)
    {
        // Requests raised on any instance arrive here (through the live bus when there are several).
        _subscription = live.Subscribe<AgentDisconnectRequested>(request =>
        {
            Abort(request.AgentId, request.ConnectionId);
            return Task.CompletedTask;
        });
    }

    public int Count => _connections.Count;

    public IReadOnlyDictionary<Guid, string> ConnectionIds => _connections.ToDictionary(c => c.Key, c => c.Value.ConnectionId);

    public bool Holds(Guid agentId, string connectionId) => _connections.TryGetValue(agentId, out var context) && context.ConnectionId == connectionId;

    /// <summary>Registers the connection; an older connection of the same agent on this process is closed.</summary>
    public void Add(Guid agentId, HubCallerContext context)
    {
        HubCallerContext? previous = null;
        _connections.AddOrUpdate(agentId, context, (_, existing) =>
        {
            previous = existing;
            return context;
        });
        if (previous is not null && previous.ConnectionId != context.ConnectionId)
        {
            previous.Abort();
        }
    }

    /// <summary>Forgets the connection unless a newer one already replaced it.</summary>
    public void Remove(Guid agentId, string connectionId)
    {
        if (_connections.TryGetValue(agentId, out var current) && current.ConnectionId == connectionId)
        {
            // Removes only this exact entry, so a replacement that raced in is kept.
            _connections.TryRemove(new KeyValuePair<Guid, HubCallerContext>(agentId, current));
        }
    }

    /// <summary>Closes the agent's connection on this process, if it has that one (or any, without a connection id).</summary>
    public bool Abort(Guid agentId, string? connectionId)
    {
        if (_connections.TryGetValue(agentId, out var context) && (connectionId is null || context.ConnectionId == connectionId))
        {
            _connections.TryRemove(new KeyValuePair<Guid, HubCallerContext>(agentId, context));
            context.Abort();
            return true;
        }

        return false;
    }

    public void Dispose() => _subscription.Dispose();
}

/// <summary>
/// Which agents are online, fleet-wide: one row per connected agent in <c>AgentConnections</c>, naming the instance that
/// holds the connection and an expiry that instance renews every heartbeat (<see cref="ClusterMaintenance"/>). An agent
/// counts as online while its row has not expired, so the agents of an instance that died go offline within
/// <see cref="ClusterOptions.LeaseExpiry"/>; they reconnect to another instance through the load balancer.
/// </summary>
internal sealed class AgentPresence(
    AppDbContext db,
    LocalAgentConnections local,
    ClusterInstance instance,
    IHubContext<AgentsHub, IAgentClient> hub,
    ILiveNotifier events,
    IOptions<ClusterOptions> cluster,
    TimeProvider clock,
    ILogger<AgentPresence> logger)
{
    public Task<bool> IsOnlineAsync(Guid agentId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.AgentConnections.AnyAsync(c => c.AgentId == agentId && c.ExpiresAt > now, cancellationToken);
    }

    /// <summary>Records the agent's new connection here; a connection it still has on another instance is closed there.</summary>
    public async Task ConnectedAsync(Guid agentId, Guid serverId, HubCallerContext context, CancellationToken cancellationToken)
    {
        local.Add(agentId, context);
        var previous = await db.AgentConnections.AsNoTracking().Where(c => c.AgentId == agentId).Select(c => new { c.ConnectionId, c.InstanceId }).SingleOrDefaultAsync(cancellationToken);
        await UpsertAsync(agentId, serverId, context.ConnectionId, cancellationToken);
        if (previous is not null && previous.ConnectionId != context.ConnectionId && previous.InstanceId != instance.Id)
        {
            await events.PublishAsync(new AgentDisconnectRequested(agentId, previous.ConnectionId));
        }
    }

    /// <summary>Forgets the connection unless a newer one replaced it; true when the agent is now offline.</summary>
    public async Task<bool> DisconnectedAsync(Guid agentId, string connectionId, CancellationToken cancellationToken)
    {
        local.Remove(agentId, connectionId);
        var removed = await db.AgentConnections.Where(c => c.AgentId == agentId && c.ConnectionId == connectionId).ExecuteDeleteAsync(cancellationToken);
        return removed > 0;
    }

    /// <summary>
    /// Closes the agent's connection wherever it is (revocation, a replaced agent) and publishes that it is offline when it
    /// was online. The instance holding the connection aborts it on the request.
    /// </summary>
    public async Task DisconnectAsync(Guid agentId, Guid serverId, CancellationToken cancellationToken)
    {
        var removed = await db.AgentConnections.Where(c => c.AgentId == agentId).ExecuteDeleteAsync(cancellationToken);
        await events.PublishAsync(new AgentDisconnectRequested(agentId, null));
        if (removed > 0)
        {
            await events.PublishAsync(new AgentPresenceEvent(serverId, agentId, AgentStatusDto.Offline));
        }
    }

    /// <summary>
    /// Calls the agent on its connection: directly when it is connected to this instance, else through the backplane
    /// to the agent's group, which only the instance holding the connection delivers. False when the agent is offline.
    /// </summary>
    public async Task<bool> SendAsync(Guid agentId, Func<IAgentClient, Task> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var now = clock.GetUtcNow().UtcDateTime;
        var connection = await db.AgentConnections.AsNoTracking().Where(c => c.AgentId == agentId && c.ExpiresAt > now)
            .Select(c => new { c.ConnectionId, c.InstanceId }).SingleOrDefaultAsync(cancellationToken);
        if (connection is null)
        {
            return false;
        }

        // A local connection needs no Redis, so dispatch to agents on this instance keeps working while the backplane is down.
        await call(connection.InstanceId == instance.Id && local.Holds(agentId, connection.ConnectionId)
            ? hub.Clients.Client(connection.ConnectionId)
            : hub.Clients.Group(AgentsHub.AgentGroup(agentId)));
        return true;
    }

    /// <summary>
    /// The heartbeat: renews the rows of the agents connected here, writes back any a sweep removed while this instance
    /// was unreachable, and drops rows of this instance that no connection backs any more.
    /// </summary>
    public async Task RenewAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now + cluster.Value.LeaseExpiry;
        var me = instance.Id;
        await db.AgentConnections.Where(c => c.InstanceId == me).ExecuteUpdateAsync(s => s.SetProperty(c => c.ExpiresAt, until), cancellationToken);
        var stored = await db.AgentConnections.AsNoTracking().Where(c => c.InstanceId == me).Select(c => new { c.AgentId, c.ConnectionId }).ToListAsync(cancellationToken);
        var held = local.ConnectionIds;
        foreach (var orphan in stored.Where(s => !held.TryGetValue(s.AgentId, out var id) || id != s.ConnectionId))
        {
            await db.AgentConnections.Where(c => c.AgentId == orphan.AgentId && c.ConnectionId == orphan.ConnectionId && c.InstanceId == me).ExecuteDeleteAsync(cancellationToken);
        }

        foreach (var (agentId, connectionId) in held.Where(h => !stored.Any(s => s.AgentId == h.Key && s.ConnectionId == h.Value)))
        {
            var serverId = await db.Agents.Where(a => a.Id == agentId).Select(a => (Guid?)a.ServerId).SingleOrDefaultAsync(cancellationToken);
            if (serverId is null || !local.Holds(agentId, connectionId))
            {
                continue;
            }

            logger.LogWarning("Agent {AgentId} is connected here but its presence was gone (this instance missed its renewals); recorded again", agentId);
            await UpsertAsync(agentId, serverId.Value, connectionId, cancellationToken);
            await events.PublishAsync(new AgentPresenceEvent(serverId.Value, agentId, AgentStatusDto.Online));
        }
    }

    /// <summary>Removes presence whose instance stopped renewing it (it died or lost the database) and announces those agents offline.</summary>
    public async Task<int> ExpireAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var expired = await db.AgentConnections.AsNoTracking().Where(c => c.ExpiresAt <= now).ToListAsync(cancellationToken);
        var count = 0;
        foreach (var connection in expired)
        {
            // Conditional: a reconnect that replaced the row meanwhile keeps the agent online.
            var removed = await db.AgentConnections
                .Where(c => c.AgentId == connection.AgentId && c.ConnectionId == connection.ConnectionId && c.ExpiresAt <= now)
                .ExecuteDeleteAsync(cancellationToken);
            if (removed == 0)
            {
                continue;
            }

            count++;
            logger.LogWarning("Agent {AgentId} was connected to instance {Instance}, which stopped renewing its presence; the agent is offline until it reconnects", connection.AgentId, connection.InstanceId);
            await events.PublishAsync(new AgentPresenceEvent(connection.ServerId, connection.AgentId, AgentStatusDto.Offline));
        }

        return count;
    }

    private async Task UpsertAsync(Guid agentId, Guid serverId, string connectionId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now + cluster.Value.LeaseExpiry;
        var me = instance.Id;
        for (var attempt = 0; ; attempt++)
        {
            var updated = await db.AgentConnections.Where(c => c.AgentId == agentId).ExecuteUpdateAsync(
                s => s.SetProperty(c => c.ConnectionId, connectionId).SetProperty(c => c.InstanceId, me).SetProperty(c => c.ServerId, serverId)
                    .SetProperty(c => c.ConnectedAt, now).SetProperty(c => c.ExpiresAt, until),
                cancellationToken);
            if (updated == 1)
            {
                return;
            }

            var row = new AgentConnection { AgentId = agentId, ServerId = serverId, ConnectionId = connectionId, InstanceId = me, ConnectedAt = now, ExpiresAt = until };
            db.AgentConnections.Add(row);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return;
            }
            catch (DbUpdateException e) when (attempt == 0 && StorageFailures.IsUniqueViolation(e))
            {
                // Another connection of the same agent inserted first; the update on the next round replaces it.
            }
            finally
            {
                db.Entry(row).State = EntityState.Detached;
            }
        }
    }
}
