using BackscatterConsole.Server.Data;
using Microsoft.AspNetCore.SignalR;

namespace BackscatterConsole.Server.Agents;

/// <summary>
/// When the console cannot store what an agent reports (the database is down, restarting, read-only or full), the agents
/// hub closes that agent's connection. Agents send their reports without waiting for an answer, so a report lost that way
/// looked delivered and nothing sent it again: a job whose completion arrived while PostgreSQL restarted stayed
/// <c>running</c> until the agent happened to reconnect, which on a healthy network is never. A closed connection the agent
/// does notice: it reconnects with backoff and says hello again, and its hello lists the outcome of every job from its
/// journal, which settles the job as soon as the database is back.
/// </summary>
internal sealed partial class AgentStorageFaultFilter(ILogger<AgentStorageFaultFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        ArgumentNullException.ThrowIfNull(invocationContext);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            return await next(invocationContext);
        }
        catch (Exception exception) when (StorageFailures.IsStorageUnavailable(exception, out var reason))
        {
            LogClosing(invocationContext.HubMethodName, invocationContext.Context.UserIdentifier ?? invocationContext.Context.ConnectionId, reason);
            invocationContext.Context.Abort();
            throw new HubException($"The console could not store this ({reason}); it closed the connection so that the agent reconnects and reports again.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent call {Method} from {Agent} could not be stored ({Reason}); closing its connection so that it reconnects and reports again.")]
    private partial void LogClosing(string method, string agent, string reason);
}
