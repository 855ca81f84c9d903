using System.Collections.Frozen;
using BackscatterConsole.Server.Agents;
using BackscatterConsole.Server.Checks;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.ChangeRequests;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Jobs;

namespace BackscatterConsole.Server.Live;

/// <summary>
/// The events that travel between instances, by name. An event type missing here stays on the instance that raised it
/// (the bus logs that once), so a new event that pages on other instances must see is added here.
/// </summary>
internal static class LiveEventTypes
{
    public static FrozenDictionary<string, Type> ByName { get; } = new[]
    {
        typeof(ScanQueuedEvent), typeof(ScanProgressEvent), typeof(ScanCompletedEvent), typeof(JobUpdatedEvent), typeof(AgentPresenceEvent),
        typeof(ChangeRequestUpdatedEvent), typeof(AgentDisconnectRequested), typeof(ScanCancelRequested),
    }.ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);
}
