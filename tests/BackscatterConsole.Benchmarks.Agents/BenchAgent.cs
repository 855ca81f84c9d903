using BackscatterConsole.Agent.Transport;
using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Benchmarks.Agents;

/// <summary>
/// One simulated agent on the agent's own hub client: says hello on every (re)connect, heartbeats at the interval the
/// console hands out, and answers <c>DispatchJob</c> like an agent doing a dry run (plan started, plan done, completed)
/// without touching any mail server, so the measured time is the console's and the transport's.
/// </summary>
internal sealed class BenchAgent : IAsyncDisposable
{
    private readonly HubClient _client;
    private readonly EnrollmentResponse _enrolled;
    private readonly TaskCompletionSource<AgentWelcome> _welcomed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private Task _heartbeats = Task.CompletedTask;
    private long _heartbeatsSent;
    private long _heartbeatFailures;

    public BenchAgent(Uri baseAddress, EnrollmentResponse enrolled)
    {
        _enrolled = enrolled;
        _client = new HubClient(new HubClientOptions
        {
            HubUrl = new Uri(baseAddress, enrolled.HubPath),
            AccessTokenProvider = _ => ValueTask.FromResult<string?>(enrolled.Credential),
        });
        _client.Connected += HelloAsync;
        _client.On<JobDispatch>(AgentHub.Agent.DispatchJob, RunDryAsync);
    }

    public Guid ServerId => _enrolled.ServerId;

    public long HeartbeatsSent => Interlocked.Read(ref _heartbeatsSent);

    public long HeartbeatFailures => Interlocked.Read(ref _heartbeatFailures);

    /// <summary>Handshakes so far: more than one means the connection dropped and came back during the run.</summary>
    public int ConnectionCount => _client.ConnectionCount;

    public bool IsConnected => _client.State == HubClientState.Connected;

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
        var welcome = await _client.InvokeAsync<AgentWelcome>(AgentHub.Server.Hello, [new AgentHello(_enrolled.AgentId, "bench", AgentConnectorKind.Postfix, "mx-bench.example.com", [])], cancellationToken);
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
                    await _client.SendAsync(AgentHub.Server.Heartbeat, [new AgentHeartbeat(_enrolled.AgentId, DateTimeOffset.UtcNow, null)], stopping);
                    Interlocked.Increment(ref _heartbeatsSent);
                }
                catch (IOException)
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

    private async Task RunDryAsync(JobDispatch job, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        await _client.SendAsync(AgentHub.Server.ReportJobStep, [new JobStepEvent(job.JobId, 1, "plan", JobStepState.Running, started, null, string.Empty, null)], cancellationToken);
        await _client.SendAsync(AgentHub.Server.ReportJobStep, [new JobStepEvent(job.JobId, 1, "plan", JobStepState.Succeeded, started, DateTimeOffset.UtcNow, "$ postconf -h (bench)\nok", 0)], cancellationToken);
        var diff = job.Changes.Select(c => new SettingDiff(c.Name, c.Operation, c.Value, ["old"], [c.Value], false)).ToList();
        await _client.SendAsync(AgentHub.Server.ReportJobCompleted, [new JobCompletion(job.JobId, AgentJobState.Succeeded, diff, null, DateTimeOffset.UtcNow)], cancellationToken);
    }
}
