namespace BackscatterConsole.Shared.Live;

/// <summary>
/// The in-process notifier that features publish to: scans, jobs, agent presence and change requests. Interactive portal
/// components subscribe and re-render; the status hub relays the same events to API clients. Subscribers are called on
/// the publisher's thread and must only queue their work (a component calls <c>InvokeAsync</c>), never block.
/// </summary>
public interface ILiveEvents
{
    /// <summary>Calls <paramref name="handler"/> for every published event of type <typeparamref name="TEvent"/> until the subscription is disposed.</summary>
    /// <typeparam name="TEvent">An event record such as <c>ScanProgressEvent</c>.</typeparam>
    /// <param name="handler">Queues the subscriber's work; exceptions are logged, never thrown back at the publisher.</param>
    /// <returns>Disposing it ends the subscription; components dispose it with themselves.</returns>
    IDisposable Subscribe<TEvent>(Func<TEvent, Task> handler)
        where TEvent : class;
}
