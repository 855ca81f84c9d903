using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace BackscatterConsole.Server.Agents;

/// <summary>
/// Which agents are connected right now, to which hub connection. One connection per agent: a second one replaces the
/// first. Revocation aborts the connection through the context kept here.
/// </summary>
internal sealed class AgentPresence
{
    private readonly ConcurrentDictionary<Guid, HubCallerContext> _connections = new();

    public bool IsOnline(Guid agentId) => _connections.ContainsKey(agentId);

    public int Count => _connections.Count;

    public HubCallerContext? Connection(Guid agentId) => _connections.GetValueOrDefault(agentId);

    public void Connected(Guid agentId, HubCallerContext context)
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
    public void Disconnected(Guid agentId, string connectionId)
    {
        if (_connections.TryGetValue(agentId, out var current) && current.ConnectionId == connectionId)
        {
            // Removes only this exact entry, so a replacement that raced in is kept.
            _connections.TryRemove(new KeyValuePair<Guid, HubCallerContext>(agentId, current));
        }
    }

    /// <summary>Closes the agent's connection, if it has one.</summary>
    public bool Disconnect(Guid agentId)
    {
        if (_connections.TryRemove(agentId, out var context))
        {
            context.Abort();
            return true;
        }

        return false;
    }
}
