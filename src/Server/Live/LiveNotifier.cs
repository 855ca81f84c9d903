using System.Collections.Immutable;
using BackscatterConsole.Shared.Live;

namespace BackscatterConsole.Server.Live;

/// <summary>What features call to publish a live event (scan, job, agent presence, change request).</summary>
internal interface ILiveNotifier
{
    /// <summary>Hands the event to every subscriber of its type; never throws and never waits for a subscriber's work.</summary>
    Task PublishAsync<TEvent>(TEvent e)
        where TEvent : class;
}

/// <summary>
/// The one in-process notifier. Features publish to it; interactive portal components subscribe through
/// <see cref="ILiveEvents"/>. With several instances (<c>SignalR:Redis</c>) the live bus (<see cref="RedisLiveBus"/>)
/// carries every event raised here to the other instances and hands theirs to this one's subscribers, so a page sees
/// what happens anywhere. Some subscribers only want what this process raised (<see cref="SubscribeLocal{TEvent}"/>):
/// the status hub relay, because the backplane already fans its broadcasts out to every instance's hub clients.
/// </summary>
internal sealed class LiveNotifier(ILogger<LiveNotifier> logger) : ILiveNotifier, ILiveEvents
{
    // Copy-on-write: publishing (frequent) reads a snapshot without locking; subscribing (rare) swaps the list.
    private ImmutableDictionary<Type, ImmutableArray<Subscription>> _subscriptions = ImmutableDictionary<Type, ImmutableArray<Subscription>>.Empty;
    private ImmutableArray<Subscription> _localTaps = [];

    /// <summary>Every event of the type, whichever instance raised it.</summary>
    public IDisposable Subscribe<TEvent>(Func<TEvent, Task> handler)
        where TEvent : class =>
        Add<TEvent>(handler, localOnly: false);

    /// <summary>Only events of the type raised in this process.</summary>
    public IDisposable SubscribeLocal<TEvent>(Func<TEvent, Task> handler)
        where TEvent : class =>
        Add<TEvent>(handler, localOnly: true);

    /// <summary>Every event raised in this process, whatever its type (the live bus's way out).</summary>
    public IDisposable TapLocal(Func<object, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var subscription = new Subscription(this, null, handler, LocalOnly: true);
        ImmutableInterlocked.Update(ref _localTaps, taps => taps.Add(subscription));
        return subscription;
    }

    public Task PublishAsync<TEvent>(TEvent e)
        where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(e);
        Deliver(e, remote: false);
        foreach (var tap in _localTaps)
        {
            Invoke(tap, e);
        }

        return Task.CompletedTask;
    }

    /// <summary>Hands an event that another instance raised to this process's subscribers, except the local-only ones.</summary>
    public void DeliverRemote(object e)
    {
        ArgumentNullException.ThrowIfNull(e);
        Deliver(e, remote: true);
    }

    private IDisposable Add<TEvent>(Func<TEvent, Task> handler, bool localOnly)
        where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(handler);
        var subscription = new Subscription(this, typeof(TEvent), e => handler((TEvent)e), localOnly);
        ImmutableInterlocked.AddOrUpdate(ref _subscriptions, typeof(TEvent), [subscription], (_, list) => list.Add(subscription));
        return subscription;
    }

    private void Deliver(object e, bool remote)
    {
        if (!_subscriptions.TryGetValue(e.GetType(), out var subscribers))
        {
            return;
        }

        foreach (var subscriber in subscribers)
        {
            if (!remote || !subscriber.LocalOnly)
            {
                Invoke(subscriber, e);
            }
        }
    }

    private void Invoke(Subscription subscriber, object e)
    {
        Task work;
        try
        {
            work = subscriber.Handler(e);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "A subscriber of {Event} failed", e.GetType().Name);
            return;
        }

        // The subscriber only queued its work (a component's InvokeAsync, a hub send); a publisher such as the scan
        // runner must not wait for a slow browser, so failures are observed and logged here instead.
        if (!work.IsCompletedSuccessfully)
        {
            _ = ObserveAsync(work, e.GetType().Name);
        }
    }

    private async Task ObserveAsync(Task work, string eventName)
    {
        try
        {
            await work;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "A subscriber of {Event} failed", eventName);
        }
    }

    private void Remove(Subscription subscription)
    {
        if (subscription.EventType is null)
        {
            ImmutableInterlocked.Update(ref _localTaps, taps => taps.Remove(subscription));
            return;
        }

        ImmutableInterlocked.AddOrUpdate(ref _subscriptions, subscription.EventType, [], (_, list) => list.Remove(subscription));
    }

    private sealed class Subscription(LiveNotifier owner, Type? eventType, Func<object, Task> handler, bool LocalOnly) : IDisposable
    {
        private int _disposed;

        public Type? EventType { get; } = eventType;

        public Func<object, Task> Handler { get; } = handler;

        public bool LocalOnly { get; } = LocalOnly;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Remove(this);
            }
        }
    }
}
