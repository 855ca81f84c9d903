namespace BackscatterConsole.Server.Cluster;

/// <summary>
/// The <c>Cluster</c> configuration section: how this console instance names itself and how quickly the others notice
/// that it is gone. Only PostgreSQL can be shared by several instances; on SQLite there is one instance and these
/// settings only time its own housekeeping.
/// </summary>
public sealed class ClusterOptions
{
    public const string Section = "Cluster";

    /// <summary>This instance's name in leases and agent presence; empty means host name, process id and a random suffix.</summary>
    public string? InstanceId { get; set; }

    /// <summary>How often the instance renews its leases and its agents' presence, and sweeps what others left behind.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a lease or an agent's presence outlives the last renewal: after an instance dies, its scans are taken
    /// over and its agents count as offline within this time plus one heartbeat.
    /// </summary>
    public TimeSpan LeaseExpiry { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Refuses settings under which leases would lapse while their holder is healthy.</summary>
    public void Validate()
    {
        if (HeartbeatInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}:HeartbeatInterval must be positive; it is {HeartbeatInterval}.");
        }

        if (LeaseExpiry < 2 * HeartbeatInterval)
        {
            throw new InvalidOperationException($"{Section}:LeaseExpiry ({LeaseExpiry}) must be at least twice {Section}:HeartbeatInterval ({HeartbeatInterval}), or a healthy instance would lose its leases between two renewals.");
        }

        if (InstanceId is { Length: > 200 })
        {
            throw new InvalidOperationException($"{Section}:InstanceId is longer than 200 characters.");
        }
    }
}

/// <summary>This process as one console instance.</summary>
/// <param name="Id">The name its leases and agent connections carry.</param>
/// <param name="SharedDatabase">
/// True on PostgreSQL, where other instances may work on the same database: background work is claimed with leases that
/// others take over when they expire. False on SQLite: this instance is the only one, so what a previous process left
/// running is over at start-up.
/// </param>
internal sealed record ClusterInstance(string Id, bool SharedDatabase);
