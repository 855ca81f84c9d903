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
/// <see cref="ILiveEvents"/>; the status hub relay (<see cref="StatusHubRelay"/>) is one more subscriber.
/// </summary>
internal sealed class LiveNotifier(ILogger<LiveNotifier> logger) : ILiveNotifier, ILiveEvents
{
    // Copy-on-write: publishing (frequent) reads a snapshot without locking; subscribing (rare) swaps the list.
    private ImmutableDictionary<Type, ImmutableArray<Subscription>> _subscriptions = ImmutableDictionary<Type, ImmutableArray<Subscription>>.Empty;

    public IDisposable Subscribe<TEvent>(Func<TEvent, Task> handler)
        where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(handler);
        var subscription = new Subscription(this, typeof(TEvent), e => handler((TEvent)e));
        ImmutableInterlocked.AddOrUpdate(ref _subscriptions, typeof(TEvent), [subscription], (_, list) => list.Add(subscription));
        return subscription;
    }

    public Task PublishAsync<TEvent>(TEvent e)
        where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(e);
        if (!_subscriptions.TryGetValue(e.GetType(), out var subscribers))
        {
            return Task.CompletedTask;
        }

        foreach (var subscriber in subscribers)
        {
            Task work;
            try
            {
                work = subscriber.Handler(e);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "A subscriber of {Event} failed", e.GetType().Name);
                continue;
            }

            // The subscriber only queued its work (a component's InvokeAsync, a hub send); a publisher such as the scan
            // runner must not wait for a slow browser, so failures are observed and logged here instead.
            if (!work.IsCompletedSuccessfully)
            {
                _ = ObserveAsync(work, e.GetType().Name);
            }
        }

        return Task.CompletedTask;
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

    private void Remove(Subscription subscription) =>
        ImmutableInterlocked.AddOrUpdate(ref _subscriptions, subscription.EventType, [], (_, list) => list.Remove(subscription));

    private sealed class Subscription(LiveNotifier owner, Type eventType, Func<object, Task> handler) : IDisposable
    {
        private int _disposed;

        public Type EventType { get; } = eventType;

        public Func<object, Task> Handler { get; } = handler;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Remove(this);
            }
        }
    }
}
