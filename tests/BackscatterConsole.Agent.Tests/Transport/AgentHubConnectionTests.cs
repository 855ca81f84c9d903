using System.Net;
using BackscatterConsole.Agent.Tests.Support;
using BackscatterConsole.Agent.Transport;
using BackscatterConsole.Shared.Agents;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Agent.Tests.Transport;

/// <summary>The agent's hub connection (the ASP.NET Core SignalR client plus the connect-for-good rules) against a real hub on Kestrel.</summary>
public sealed class AgentHubConnectionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static AgentHubConnection Connect(int port, ConsoleLog log, string? credential = null) => new(
        new Uri($"http://127.0.0.1:{port}{AgentHub.Path}"),
        () => Task.FromResult<string?>(credential ?? log.Credential),
        new ReconnectBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500)));

    private static async Task Eventually(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(Wait);
        try
        {
            while (!condition())
            {
                await Task.Delay(50, timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("Timed out waiting until " + what);
        }
    }

    private static AgentHello Hello() => new(ConsoleLog.AgentId, "1.0", AgentConnectorKind.Postfix, "mx1.example.com", []);

    [Fact]
    public async Task Hub_HelloAndReports_ReachTheHubTypedWithTheBearerCredential()
    {
        var log = new ConsoleLog();
        await using var console = await FakeConsole.StartAsync(log);
        await using var hub = Connect(console.Port, log);
        await hub.StartAsync();
        await Eventually(() => hub.IsConnected, "connected");

        var welcome = await hub.Hub.Hello(Hello());
        await hub.Hub.ReportJobStep(new JobStepEvent(Guid.NewGuid(), 1, "plan", JobStepState.Running, DateTimeOffset.UtcNow, null, string.Empty, null));
        await hub.Hub.Heartbeat(new AgentHeartbeat(ConsoleLog.AgentId, DateTimeOffset.UtcNow, null));

        Assert.Equal(TimeSpan.FromSeconds(1), welcome.HeartbeatInterval);
        Assert.Equal(ConsoleLog.AgentId, Assert.Single(log.Hellos).AgentId);
        await Eventually(() => !log.Steps.IsEmpty && !log.Heartbeats.IsEmpty, "the reports arrived");
        Assert.All(log.AuthorizationHeaders, h => Assert.Equal("Bearer " + log.Credential, h));
    }

    [Fact]
    public async Task Register_ConsoleDispatchesJobAndRequestsSnapshot_AgentHandlersGetTypedCalls()
    {
        var log = new ConsoleLog();
        await using var console = await FakeConsole.StartAsync(log);
        await using var hub = Connect(console.Port, log);
        var client = new RecordingClient();
        hub.Register(client);
        await hub.StartAsync();
        await Eventually(() => log.Connections.Count == 1, "the hub saw the connection");
        var sent = new JobDispatch(Guid.NewGuid(), ConsoleLog.ServerId, [new SettingChange("zimbraMtaRestriction", SettingOperation.Add, "check_policy_service unix:private/policy")], false, DateTimeOffset.UtcNow.AddMinutes(5));
        var clients = console.Services.GetRequiredService<IHubContext<FakeAgentsHub>>().Clients;

        await clients.All.SendAsync(AgentHub.Agent.DispatchJob, sent);
        await clients.All.SendAsync(AgentHub.Agent.RequestSnapshot);

        var job = await client.Dispatched.Task.WaitAsync(Wait);
        await client.SnapshotRequested.Task.WaitAsync(Wait);
        Assert.Equal(sent.JobId, job.JobId);
        Assert.Equal(sent.Changes, job.Changes);
        Assert.Equal(sent.ExpiresAt, job.ExpiresAt);
    }

    [Fact]
    public async Task StartAsync_ConsoleNotUpYet_KeepsTryingUntilItIsThenRunsConnected()
    {
        var log = new ConsoleLog();
        var port = FreePort();
        await using var hub = Connect(port, log);
        var connected = 0;
        hub.Connected += _ =>
        {
            Interlocked.Increment(ref connected);
            return Task.CompletedTask;
        };

        await hub.StartAsync();
        await Eventually(() => hub.LastError is not null, "the first attempt failed");
        await Task.Delay(700);
        await using var console = await FakeConsole.StartAsync(log, port);

        await Eventually(() => Volatile.Read(ref connected) == 1, "connected once the console was up");
        Assert.True(hub.IsConnected);
        Assert.Null(hub.LastError);
    }

    [Fact]
    public async Task Connection_ConsoleRestarts_ReconnectsAndRunsConnectedAgain()
    {
        var log = new ConsoleLog();
        var console = await FakeConsole.StartAsync(log);
        var port = console.Port;
        await using var hub = Connect(port, log);
        var connected = 0;
        hub.Connected += _ =>
        {
            Interlocked.Increment(ref connected);
            return Task.CompletedTask;
        };
        await hub.StartAsync();
        await Eventually(() => Volatile.Read(ref connected) == 1, "connected");

        await console.DisposeAsync();
        await Eventually(() => !hub.IsConnected, "the client noticed the console went away");
        await Task.Delay(700);
        await using var restarted = await FakeConsole.StartAsync(log, port);

        await Eventually(() => Volatile.Read(ref connected) == 2, "connected again after the restart");
        Assert.Equal(2, hub.ConnectionCount);
        Assert.Equal(TimeSpan.FromSeconds(1), (await hub.Hub.Hello(Hello())).HeartbeatInterval);
    }

    [Fact]
    public async Task Connection_ConsoleAbortsEveryConnection_KeepsConnectingWithBackoffAndReturnsWhenAllowed()
    {
        var log = new ConsoleLog();
        await using var console = await FakeConsole.StartAsync(log);
        await using var hub = Connect(console.Port, log);
        await hub.StartAsync();
        await Eventually(() => hub.IsConnected, "connected");

        log.AbortConnections = true;
        foreach (var context in log.Contexts.Values)
        {
            context.Abort();
        }

        var attempts = Volatile.Read(ref log.ConnectAttempts);
        await Eventually(() => Volatile.Read(ref log.ConnectAttempts) >= attempts + 3, "the dropped client kept connecting");
        Assert.False(hub.CredentialRefused.IsCompleted);

        log.AbortConnections = false;
        await Eventually(() => hub.IsConnected && !log.Contexts.IsEmpty, "connected again once the console allowed it");
    }

    [Fact]
    public async Task StartAsync_CredentialRefusedWith401_StopsForGoodAndSaysSo()
    {
        var log = new ConsoleLog();
        await using var console = await FakeConsole.StartAsync(log);
        await using var hub = Connect(console.Port, log, credential: "bsca_forged");

        await hub.StartAsync();
        var refusal = await hub.CredentialRefused.WaitAsync(Wait);

        Assert.Equal(HttpStatusCode.Unauthorized, Assert.IsType<HttpRequestException>(refusal).StatusCode);
        Assert.False(hub.IsConnected);
        var requests = Volatile.Read(ref log.HubRequests);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(requests, Volatile.Read(ref log.HubRequests));
        Assert.Equal(0, log.ConnectAttempts);
    }

    [Fact]
    public async Task Connection_CredentialRevokedWhileConnected_ReconnectIsRefusedAndItStops()
    {
        var log = new ConsoleLog();
        await using var console = await FakeConsole.StartAsync(log);
        await using var hub = Connect(console.Port, log);
        await hub.StartAsync();
        await Eventually(() => hub.IsConnected, "connected");

        log.RefuseCredential = true;
        foreach (var context in log.Contexts.Values)
        {
            context.Abort();
        }

        var refusal = await hub.CredentialRefused.WaitAsync(Wait);
        Assert.True(AgentHubConnection.IsCredentialRefused(refusal));
        Assert.False(hub.IsConnected);
    }

    [Fact]
    public async Task StopAsync_WhileConsoleUnreachable_StopsPromptly()
    {
        var hub = Connect(FreePort(), new ConsoleLog());
        await hub.StartAsync();
        await Eventually(() => hub.LastError is not null, "an attempt failed");

        var stopping = hub.DisposeAsync().AsTask();

        Assert.Same(stopping, await Task.WhenAny(stopping, Task.Delay(TimeSpan.FromSeconds(5))));
        Assert.Equal(HubConnectionState.Disconnected, hub.Connection.State);
    }

    [Fact]
    public void NextRetryDelay_ManyRetries_NeverGivesUpAndStaysBounded()
    {
        var policy = new ReconnectPolicy(new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), new Random(7)));

        var delays = Enumerable.Range(0, 500).Select(i => policy.NextRetryDelay(new RetryContext { PreviousRetryCount = i, RetryReason = new HttpRequestException("connection refused") })).ToArray();

        Assert.All(delays, d => Assert.InRange(d!.Value.TotalSeconds, 0.5, 60));
        Assert.Null(policy.Refusal);
    }

    [Fact]
    public void NextRetryDelay_Refused401_StopsAndRemembersWhy()
    {
        var policy = new ReconnectPolicy(new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60)));
        var refused = new HttpRequestException("401 (Unauthorized)", null, HttpStatusCode.Unauthorized);

        Assert.NotNull(policy.NextRetryDelay(new RetryContext { PreviousRetryCount = 0, RetryReason = new HttpRequestException("503", null, HttpStatusCode.ServiceUnavailable) }));
        Assert.Null(policy.NextRetryDelay(new RetryContext { PreviousRetryCount = 1, RetryReason = new AggregateException(refused) }));
        Assert.Same(refused, Assert.IsType<AggregateException>(policy.Refusal).InnerException);
    }

    [Fact]
    public void Delay_ManyAttempts_StaysJitteredAndBounded()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), new Random(7));

        var delays = Enumerable.Range(0, 200).Select(backoff.Delay).ToArray();

        Assert.InRange(delays[0].TotalSeconds, 0.5, 1);
        Assert.InRange(delays[3].TotalSeconds, 4, 8);
        Assert.All(delays, d => Assert.InRange(d.TotalSeconds, 0.5, 60));
        Assert.All(delays[10..], d => Assert.InRange(d.TotalSeconds, 30, 60));
        Assert.True(delays[10..].Distinct().Count() > 150, "jitter spreads reconnects");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class RecordingClient : IAgentClient
    {
        public TaskCompletionSource<JobDispatch> Dispatched { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource SnapshotRequested { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task DispatchJob(JobDispatch job, CancellationToken cancellationToken)
        {
            Dispatched.TrySetResult(job);
            return Task.CompletedTask;
        }

        public Task RequestSnapshot(CancellationToken cancellationToken)
        {
            SnapshotRequested.TrySetResult();
            return Task.CompletedTask;
        }
    }
}
