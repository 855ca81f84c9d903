using StackExchange.Redis;

namespace BackscatterConsole.Server.Live;

/// <summary>The <c>SignalR</c> configuration section: the Redis backplane that lets several console instances share live events.</summary>
public sealed class BackplaneOptions
{
    public const string Section = "SignalR";

    /// <summary>
    /// A StackExchange.Redis configuration string (<c>redis.example.com:6379,password=…</c>). Set on every instance that
    /// shares the database; empty means one instance, whose events stay in the process.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>Prefix of every Redis channel the console uses, so several consoles can share one Redis.</summary>
    public string ChannelPrefix { get; set; } = "BackscatterConsole";
}

/// <summary>
/// The one connection to Redis, shared by the hubs' backplane and the live bus. It never stops the console: a Redis
/// that cannot be reached at start-up or goes away later only degrades live events (logged, and reported by
/// <c>/readyz</c>), and the client reconnects and restores its subscriptions by itself.
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    private readonly ConfigurationOptions _configuration;
    private readonly ILogger<RedisConnection> _logger;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ConnectionMultiplexer? _multiplexer;

    public RedisConnection(BackplaneOptions options, string instanceId, ILogger<RedisConnection> logger)
    {
        _logger = logger;
        try
        {
            _configuration = ConfigurationOptions.Parse(options.Redis!);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{BackplaneOptions.Section}:Redis is not a valid Redis configuration string: {e.Message}", e);
        }

        // Start and keep running without Redis: the API must not depend on it.
        _configuration.AbortOnConnectFail = false;
        _configuration.ClientName ??= "bsc-" + instanceId;
        _configuration.ChannelPrefix = RedisChannel.Literal(options.ChannelPrefix + ":");
        _configuration.ReconnectRetryPolicy ??= new ExponentialRetry(500, 5000);
        Endpoints = string.Join(", ", _configuration.EndPoints.Select(e => e.ToString()));
    }

    /// <summary>Where Redis is, for messages (no password).</summary>
    public string Endpoints { get; }

    public bool IsConnected => _multiplexer?.IsConnected == true;

    /// <summary>The connection, created on first use; it reconnects by itself from then on.</summary>
    public async Task<IConnectionMultiplexer> GetAsync()
    {
        if (_multiplexer is { } ready)
        {
            return ready;
        }

        await _connecting.WaitAsync();
        try
        {
            if (_multiplexer is null)
            {
                var multiplexer = await ConnectionMultiplexer.ConnectAsync(_configuration);
                multiplexer.ConnectionFailed += (_, e) =>
                {
                    // One line per outage: the subscription connection is the one live events ride on.
                    if (e.ConnectionType == ConnectionType.Subscription)
                    {
                        _logger.LogWarning(e.Exception, "Lost the connection to Redis at {Endpoint} ({Failure}): live events of other instances do not reach this one, and hub connections are refused, until it is back; the API keeps working. Reconnecting",
                            e.EndPoint, e.FailureType);
                    }
                };
                multiplexer.ConnectionRestored += (_, e) =>
                {
                    if (e.ConnectionType == ConnectionType.Subscription)
                    {
                        _logger.LogInformation("The connection to Redis at {Endpoint} is back; live events flow between instances again", e.EndPoint);
                    }
                };
                if (!multiplexer.IsConnected)
                {
                    _logger.LogWarning("Redis at {Endpoints} cannot be reached yet; live events stay on this instance until it can. Retrying in the background", Endpoints);
                }

                _multiplexer = multiplexer;
            }

            return _multiplexer;
        }
        finally
        {
            _connecting.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer is not null)
        {
            await _multiplexer.CloseAsync(allowCommandsToComplete: false);
            _multiplexer.Dispose();
        }

        _connecting.Dispose();
    }
}
