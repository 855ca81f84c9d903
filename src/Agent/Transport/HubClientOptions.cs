using System.Text.Json;

namespace BackscatterConsole.Agent.Transport;

/// <summary>Settings of <see cref="HubClient"/>. The defaults match ASP.NET Core SignalR's server defaults (15 s keep-alive, 30 s timeout).</summary>
public sealed class HubClientOptions
{
    /// <summary>The hub address (<c>http(s)://host/hubs/agents</c>); the client connects to its WebSocket form.</summary>
    public required Uri HubUrl { get; init; }

    /// <summary>Supplies the bearer token for each connection attempt; null connects without one.</summary>
    public Func<CancellationToken, ValueTask<string?>>? AccessTokenProvider { get; init; }

    /// <summary>How often the client pings the server. Must stay under the server's client timeout (30 s by default).</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The connection is dropped and re-established when nothing arrives for this long (the server pings every 15 s).</summary>
    public TimeSpan ServerTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time limit for the WebSocket connect plus the handshake.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>First reconnect delay (before jitter).</summary>
    public TimeSpan InitialReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Ceiling of the reconnect delay.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A single hub message larger than this is a protocol error: the connection is dropped and re-established.</summary>
    public int MaxMessageBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Serializer for arguments and results; camelCase like the server's JSON hub protocol.</summary>
    public JsonSerializerOptions SerializerOptions { get; init; } = new(JsonSerializerDefaults.Web);
}
