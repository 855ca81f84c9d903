using System.Net.WebSockets;
using System.Text;
using BackscatterConsole.Agent.Tests.Support;
using BackscatterConsole.Agent.Transport;
using BackscatterConsole.Shared.Agents;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR;

namespace BackscatterConsole.Agent.Tests.Transport;

public sealed class HubClientTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static HubClient Client(Uri url, string? token = "agent-secret") => new(new HubClientOptions
    {
        HubUrl = url,
        AccessTokenProvider = _ => ValueTask.FromResult(token),
        InitialReconnectDelay = TimeSpan.FromMilliseconds(100),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
        KeepAliveInterval = TimeSpan.FromSeconds(2),
    });

    private static async Task Eventually(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(Wait);
        while (!condition())
        {
            await Task.Delay(50, timeout.Token);
        }

        Assert.True(condition(), what);
    }

    [Fact]
    public async Task InvokeAsync_RealHub_ReturnsResultsAndSendsBearerToken()
    {
        await using var server = await TestHubServer.StartAsync();
        await using var client = Client(server.HubUrl);
        await client.StartAsync();
        using var timeout = new CancellationTokenSource(Wait);
        await client.WaitForConnectedAsync(timeout.Token);

        var echo = await client.InvokeAsync<string>("Echo", ["check_policy_service unix:private/policy"], timeout.Token);
        var sum = await client.InvokeAsync<int>("Add", [40, 2], timeout.Token);

        Assert.Equal("echo: check_policy_service unix:private/policy", echo);
        Assert.Equal(42, sum);
        Assert.Equal("agent-secret", Assert.Single(server.Log.AccessTokens));
        Assert.Equal("Bearer agent-secret", Assert.Single(server.Log.AuthorizationHeaders));
    }

    [Fact]
    public async Task InvokeAsync_HubThrowsHubException_ThrowsWithTheHubsMessage()
    {
        await using var server = await TestHubServer.StartAsync();
        await using var client = Client(server.HubUrl);
        await client.StartAsync();
        using var timeout = new CancellationTokenSource(Wait);
        await client.WaitForConnectedAsync(timeout.Token);

        var exception = await Assert.ThrowsAsync<BackscatterConsole.Agent.Transport.HubException>(() => client.InvokeAsync<object>("Fail", [], timeout.Token));

        Assert.Contains("the hub refused this", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_FireAndForget_ReachesHub()
    {
        await using var server = await TestHubServer.StartAsync();
        await using var client = Client(server.HubUrl);
        await client.StartAsync();
        using var timeout = new CancellationTokenSource(Wait);
        await client.WaitForConnectedAsync(timeout.Token);

        await client.SendAsync("Note", ["step 1 running"], timeout.Token);

        await Eventually(() => server.Log.Notes.Contains("step 1 running"), "the hub received the note");
    }

    [Fact]
    public async Task On_ServerSendsJobDispatch_HandlerReceivesTypedContract()
    {
        await using var server = await TestHubServer.StartAsync();
        await using var client = Client(server.HubUrl);
        var received = new TaskCompletionSource<JobDispatch>();
        client.On<JobDispatch>(AgentHub.Agent.DispatchJob, (job, _) =>
        {
            received.TrySetResult(job);
            return Task.CompletedTask;
        });
        await client.StartAsync();
        using var timeout = new CancellationTokenSource(Wait);
        await client.WaitForConnectedAsync(timeout.Token);
        var sent = new JobDispatch(Guid.NewGuid(), Guid.NewGuid(), [new SettingChange("zimbraMtaRestriction", SettingOperation.Add, "check_policy_service unix:private/policy")], false, DateTimeOffset.UtcNow.AddMinutes(5));

        await server.HubContext.Clients.All.SendAsync(AgentHub.Agent.DispatchJob, sent, timeout.Token);
        var job = await received.Task.WaitAsync(timeout.Token);

        Assert.Equal(sent.JobId, job.JobId);
        Assert.Equal(sent.ServerId, job.ServerId);
        Assert.Equal(sent.Changes, job.Changes);
        Assert.Equal(sent.ExpiresAt, job.ExpiresAt);
    }

    [Fact]
    public async Task On_ServerAwaitsClientResult_GetsHandlersReturnValue()
    {
        await using var server = await TestHubServer.StartAsync();
        await using var client = Client(server.HubUrl);
        client.On("WhoAreYou", (arguments, _) => Task.FromResult<object?>("agent for " + arguments[0].GetString()));
        await client.StartAsync();
        using var timeout = new CancellationTokenSource(Wait);
        await client.WaitForConnectedAsync(timeout.Token);
        await Eventually(() => !server.Log.ConnectionIds.IsEmpty, "the hub saw the connection");

        var answer = await server.HubContext.Clients.Client(server.Log.ConnectionIds.Single()).InvokeAsync<string>("WhoAreYou", "mx1", timeout.Token);

        Assert.Equal("agent for mx1", answer);
    }

    [Fact]
    public async Task StartAsync_ServerRestarts_ReconnectsAndRunsConnectedAgain()
    {
        var server = await TestHubServer.StartAsync();
        var port = server.Port;
        await using var client = Client(server.HubUrl);
        var hellos = 0;
        client.Connected += _ =>
        {
            Interlocked.Increment(ref hellos);
            return Task.CompletedTask;
        };
        await client.StartAsync();
        using var timeout = new CancellationTokenSource(Wait);
        await client.WaitForConnectedAsync(timeout.Token);
        await Eventually(() => Volatile.Read(ref hellos) == 1, "connected handler ran once");

        await server.DisposeAsync();
        await Eventually(() => client.State == HubClientState.Connecting, "the client noticed the server went away");
        await Task.Delay(700);
        await using var restarted = await TestHubServer.StartAsync(port);
        await client.WaitForConnectedAsync(timeout.Token);
        var echo = await client.InvokeAsync<string>("Echo", ["again"], timeout.Token);

        Assert.Equal("echo: again", echo);
        Assert.Equal(2, client.ConnectionCount);
        await Eventually(() => Volatile.Read(ref hellos) == 2, "connected handler ran again after the reconnect");
    }

    [Fact]
    public async Task Receive_MalformedFramesFromRawServer_AreIgnoredAndLaterMessagesStillArrive()
    {
        var connections = 0;
        await using var server = await TestHubServer.StartAsync(map: app => app.Map("/hubs/raw", async context =>
        {
            var attempt = Interlocked.Increment(ref connections);
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[4096];
            await socket.ReceiveAsync(buffer, context.RequestAborted);
            async Task Send(string text) => await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, context.RequestAborted);
            await Send("{}\u001e");
            if (attempt == 1)
            {
                await Send("this is not json\u001e");
                await Send("{\"type\":\"one\"}\u001e[1,2,3]\u001e{}\u001e");
                await Send("{\"type\":1,\"target\":5,\"arguments\":\"x\"}\u001e");
                await Send("{\"type\":3,\"invocationId\":\"999\",\"result\":1}\u001e{\"type\":42}\u001e");
                await Send("{\"type\":1,\"target\":\"Note\",\"argu");
                await Send("ments\":[\"after garbage\"]}\u001e");
                await Send("{\"type\":7,\"error\":\"credential revoked\",\"allowReconnect\":false}\u001e");
            }

            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        }));
        await using var client = Client(new Uri($"http://127.0.0.1:{server.Port}/hubs/raw"));
        var notes = new TaskCompletionSource<string>();
        client.On<string>("Note", (text, _) =>
        {
            notes.TrySetResult(text);
            return Task.CompletedTask;
        });

        await client.StartAsync();

        using var timeout = new CancellationTokenSource(Wait);
        Assert.Equal("after garbage", await notes.Task.WaitAsync(timeout.Token));
        await Eventually(() => Volatile.Read(ref connections) >= 2 && client.State == HubClientState.Connected, "after the close message the client reconnected");
        Assert.Equal(2, client.ConnectionCount);
    }

    [Fact]
    public async Task StopAsync_WhileServerUnreachable_StopsPromptly()
    {
        var client = Client(new Uri("http://127.0.0.1:9/hubs/none"));
        await client.StartAsync();
        await Task.Delay(500);

        var stopping = client.DisposeAsync().AsTask();

        Assert.Same(stopping, await Task.WhenAny(stopping, Task.Delay(TimeSpan.FromSeconds(5))));
        Assert.Equal(HubClientState.Stopped, client.State);
        Assert.NotNull(client.LastError);
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
}
