using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using BackscatterConsole.Server.Cluster;
using StackExchange.Redis;

namespace BackscatterConsole.Server.Live;

/// <summary>
/// Carries live events between instances over one Redis channel: every event raised in this process goes out, every
/// event another instance raised comes in and is handed to this process's subscribers (portal components, the
/// instance-to-instance requests), never to the status hub relay, whose broadcasts the backplane already delivers.
/// An instance ignores its own messages.
/// </summary>
internal sealed partial class RedisLiveBus(
    RedisConnection redis,
    LiveNotifier notifier,
    ClusterInstance instance,
    ILogger<RedisLiveBus> logger) : BackgroundService
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("live");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<Type, bool> _unregisteredLogged = new();
    private int _publishFailing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var tap = notifier.TapLocal(ForwardAsync);

        // Subscribing needs Redis once; from then on the client restores the subscription after every reconnect itself.
        var retry = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var multiplexer = await redis.GetAsync();

                // A message queue, not a handler: it delivers in order, so a scan's progress never overtakes its start.
                var queue = await multiplexer.GetSubscriber().SubscribeAsync(Channel);
                queue.OnMessage(message => Receive(message.Message));
                break;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogSubscribeFailed(ex, retry);
                await Task.Delay(retry, stoppingToken);
                retry = TimeSpan.FromSeconds(Math.Min(30, retry.TotalSeconds * 2));
            }
        }

        try
        {
            // The tap lives as long as the service.
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task ForwardAsync(object e)
    {
        var type = e.GetType();
        if (!LiveEventTypes.ByName.TryGetValue(type.Name, out var registered) || registered != type)
        {
            if (_unregisteredLogged.TryAdd(type, true))
            {
                LogUnregistered(type.FullName ?? type.Name);
            }

            return;
        }

        var envelope = new Envelope(instance.Id, type.Name, JsonSerializer.SerializeToElement(e, type, Json));
        try
        {
            var multiplexer = await redis.GetAsync();
            await multiplexer.GetSubscriber().PublishAsync(Channel, JsonSerializer.SerializeToUtf8Bytes(envelope, Json));
            if (Interlocked.Exchange(ref _publishFailing, 0) == 1)
            {
                LogPublishRecovered();
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Once per outage: the connection's own log line already says Redis is gone.
            if (Interlocked.Exchange(ref _publishFailing, 1) == 0)
            {
                LogPublishFailed(ex, type.Name);
            }
        }
    }

    private void Receive(RedisValue message)
    {
        try
        {
            var envelope = JsonSerializer.Deserialize<Envelope>((byte[])message!, Json);
            if (envelope is null || envelope.Origin == instance.Id || !LiveEventTypes.ByName.TryGetValue(envelope.Type, out var type))
            {
                return;
            }

            if (envelope.Event.Deserialize(type, Json) is { } e)
            {
                notifier.DeliverRemote(e);
            }
        }
        catch (JsonException ex)
        {
            LogUnreadable(ex);
        }
    }

    /// <summary>One message on the channel: who raised the event, its type name, the event.</summary>
    private sealed record Envelope(
        [property: JsonPropertyName("o")] string Origin,
        [property: JsonPropertyName("t")] string Type,
        [property: JsonPropertyName("e")] JsonElement Event);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot subscribe to the live events of other instances yet; trying again in {Retry}")]
    private partial void LogSubscribeFailed(Exception exception, TimeSpan retry);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live event {Type} is not in LiveEventTypes, so other instances never see it")]
    private partial void LogUnregistered(string type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send a live event ({Type}) to the other instances; they miss events until Redis is back")]
    private partial void LogPublishFailed(Exception exception, string type);

    [LoggerMessage(Level = LogLevel.Information, Message = "Live events reach the other instances again")]
    private partial void LogPublishRecovered();

    [LoggerMessage(Level = LogLevel.Warning, Message = "A live event from another instance could not be read and was dropped")]
    private partial void LogUnreadable(Exception exception);
}
