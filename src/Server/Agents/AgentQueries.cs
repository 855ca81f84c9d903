using BackscatterConsole.Server.Data;

namespace BackscatterConsole.Server.Agents;

/// <summary>Queries over enrolled agents that several services share.</summary>
internal static class AgentQueries
{
    /// <summary>The server's agent: its newest credential that is not revoked (enrolling a new one retires the old).</summary>
    public static IQueryable<ManagedAgent> CurrentFor(this IQueryable<ManagedAgent> agents, Guid serverId) =>
        agents.Where(a => a.ServerId == serverId && a.RevokedAt == null).OrderByDescending(a => a.EnrolledAt);
}
