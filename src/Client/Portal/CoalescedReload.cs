namespace BackscatterConsole.Client.Portal;

/// <summary>
/// Reloads a page's data once per burst of live events: a scan publishes one event per result, and a page that
/// re-queried for each would hit the database dozens of times a second. The first request in a window schedules the
/// reload; requests until it runs join it. Requests come from the component's dispatcher (<c>InvokeAsync</c>).
/// </summary>
public sealed class CoalescedReload(Func<Task> reload, TimeSpan window) : IDisposable
{
    private readonly CancellationTokenSource _disposed = new();
    private bool _pending;

    /// <summary>Schedules the reload unless one is already waiting.</summary>
    public async Task RequestAsync()
    {
        if (_pending || _disposed.IsCancellationRequested)
        {
            return;
        }

        _pending = true;
        try
        {
            await Task.Delay(window, _disposed.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        _pending = false;
        await reload();
    }

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }
}
