using BackscatterConsole.Agent.Transport;
using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Benchmarks.Agents;

/// <summary>
/// One simulated agent on the agent's own hub connection (<see cref="AgentHubConnection"/>, the ASP.NET Core SignalR
/// client): says hello on every (re)connect, heartbeats at the interval the console hands out, and answers
/// <c>DispatchJob</c> like an agent doing a dry run (plan started, plan done, completed) without touching any mail
/// server, so the measured time is the console's and the transport's.
/// </summary>
internal sealed class BenchAgent : IAsyncDisposable, IAgentClient
{
    private readonly AgentHubConnection _client;
    private readonly EnrollmentResponse _enrolled;
    private readonly TaskCompletionSource<AgentWelcome> _welcomed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private Task _heartbeats = Task.CompletedTask;
    private long _heartbeatsSent;
    private long _heartbeatFailures;

    public BenchAgent(Uri baseAddress, EnrollmentResponse enrolled)
    {
        _enrolled = enrolled;
        _client = new AgentHubConnection(
            new Uri(baseAddress, enrolled.HubPath),
            () => Task.FromResult<string?>(enrolled.Credential),
            new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60)));
        _client.Connected += HelloAsync;
        _client.Register(this);
    }

    public Guid ServerId => _enrolled.ServerId;

    public long HeartbeatsSent => Interlocked.Read(ref _heartbeatsSent);

    public long HeartbeatFailures => Interlocked.Read(ref _heartbeatFailures);

    /// <summary>Handshakes so far: more than one means the connection dropped and came back during the run.</summary>
    public int ConnectionCount => _client.ConnectionCount;

    public bool IsConnected => _client.IsConnected;

    /// <summary>Connects, waits for the console's welcome and starts heartbeating; the first beat is spread over one interval.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _client.StartAsync();
        var welcome = await _welcomed.Task.WaitAsync(cancellationToken);
        var offset = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * welcome.HeartbeatInterval.TotalMilliseconds);
        _heartbeats = Task.Run(() => HeartbeatAsync(welcome.HeartbeatInterval, offset, _stopping.Token), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _heartbeats;
        await _client.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task HelloAsync(CancellationToken cancellationToken)
    {
        var welcome = await _client.Hub.Hello(new AgentHello(_enrolled.AgentId, "bench", AgentConnectorKind.Postfix, "mx-bench.example.com", []));
        _welcomed.TrySetResult(welcome ?? throw new InvalidOperationException("The console answered Hello without a welcome."));
    }

    private async Task HeartbeatAsync(TimeSpan interval, TimeSpan offset, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(offset, stopping);
            using var timer = new PeriodicTimer(interval);
            do
            {
                try
                {
                    await _client.Hub.Heartbeat(new AgentHeartbeat(_enrolled.AgentId, DateTimeOffset.UtcNow, null));
                    Interlocked.Increment(ref _heartbeatsSent);
                }
                catch (Exception exception) when (AgentHubConnection.IsConnectionFailure(exception) && !stopping.IsCancellationRequested)
                {
                    // Disconnected for a moment; the client reconnects and the next beat goes out. Counted, and reported.
                    Interlocked.Increment(ref _heartbeatFailures);
                }
            }
            while (await timer.WaitForNextTickAsync(stopping));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>A dry run: plan started, plan done, completed.</summary>
    public async Task DispatchJob(JobDispatch job, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        await _client.Hub.ReportJobStep(new JobStepEvent(job.JobId, 1, "plan", JobStepState.Running, started, null, string.Empty, null));
        await _client.Hub.ReportJobStep(new JobStepEvent(job.JobId, 1, "plan", JobStepState.Succeeded, started, DateTimeOffset.UtcNow, "$ postconf -h (bench)\nok", 0));
        var diff = job.Changes.Select(c => new SettingDiff(c.Name, c.Operation, c.Value, ["old"], [c.Value], false)).ToList();
        await _client.Hub.ReportJobCompleted(new JobCompletion(job.JobId, AgentJobState.Succeeded, diff, null, DateTimeOffset.UtcNow));
    }

    /// <summary>The benchmark never asks for snapshots.</summary>
    public Task RequestSnapshot(CancellationToken cancellationToken) => Task.CompletedTask;
}
