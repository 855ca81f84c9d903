using System.Collections.Concurrent;
using System.Threading.Channels;

namespace BackscatterConsole.Server.Checks;

/// <summary>
/// Wakes this process's scan runner when a scan may be waiting: queued here, or on another instance (its
/// <c>ScanQueuedEvent</c> arrives through the live bus). The database row is the truth; a missed signal only delays the
/// runner until its next look at the queue.
/// </summary>
internal sealed class ScanQueue
{
    // One pending signal is as good as many: the runner claims until the queue is empty before it waits again.
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Signal() => _signal.Writer.TryWrite(true);

    /// <summary>Waits for a signal, at most <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await _signal.Reader.ReadAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Time to look anyway.
        }
    }
}

/// <summary>Asks whichever instance runs the scan to stop it (a user cancelled it on another instance).</summary>
internal sealed record ScanCancelRequested(Guid ScanId);

/// <summary>A scan this instance claimed: its writes are accepted only while the row still names this owner and attempt.</summary>
internal sealed record ScanClaim(Guid Id, Guid ServerId, string Owner, int Attempt);

/// <summary>The runner lost the scan: a user cancelled it elsewhere, or another instance took it over after its lease lapsed.</summary>
internal sealed class ScanLeaseLostException(Guid scanId)
    : Exception($"Scan {scanId} is no longer this instance's to run: it was cancelled or taken over.");

/// <summary>The scans running in this process, so a cancel request can reach the one it names.</summary>
internal sealed class RunningScans
{
    private readonly ConcurrentDictionary<Guid, RunningScan> _running = new();

    /// <summary>The ids of the scans running here, whose leases the heartbeat renews.</summary>
    public IReadOnlyCollection<Guid> Ids => [.. _running.Keys];

    public RunningScan Register(Guid scanId, CancellationToken stopping, TimeSpan timeout)
    {
        var run = new RunningScan(CancellationTokenSource.CreateLinkedTokenSource(stopping), timeout);
        _running[scanId] = run;
        return run;
    }

    public void Remove(Guid scanId)
    {
        if (_running.TryRemove(scanId, out var run))
        {
            run.Dispose();
        }
    }

    /// <summary>Asks a running scan to stop; false when this process is not running it.</summary>
    public bool Cancel(Guid scanId)
    {
        if (!_running.TryGetValue(scanId, out var run))
        {
            return false;
        }

        run.CancelByUser();
        return true;
    }
}

/// <summary>The cancellation of one running scan: by a user, by its timeout or by shutdown, told apart afterwards.</summary>
internal sealed class RunningScan : IDisposable
{
    private readonly CancellationTokenSource _source;
    private volatile bool _cancelledByUser;

    public RunningScan(CancellationTokenSource source, TimeSpan timeout)
    {
        _source = source;
        _source.CancelAfter(timeout);
    }

    public CancellationToken Token => _source.Token;

    public bool CancelledByUser => _cancelledByUser;

    public void CancelByUser()
    {
        _cancelledByUser = true;
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The scan ended meanwhile; nothing left to cancel.
        }
    }

    public void Dispose() => _source.Dispose();
}
