using System.Collections.Concurrent;
using System.Threading.Channels;

namespace BackscatterConsole.Server.Checks;

/// <summary>Scan ids waiting for a runner. The database row is the truth; the channel only wakes the runner.</summary>
internal sealed class ScanQueue
{
    private readonly Channel<Guid> _channel = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });

    public void Enqueue(Guid scanId) => _channel.Writer.TryWrite(scanId);

    public IAsyncEnumerable<Guid> ReadAllAsync(CancellationToken cancellationToken) => _channel.Reader.ReadAllAsync(cancellationToken);
}

/// <summary>The scans running in this process, so a cancel request can reach the one it names.</summary>
internal sealed class RunningScans
{
    private readonly ConcurrentDictionary<Guid, RunningScan> _running = new();

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
