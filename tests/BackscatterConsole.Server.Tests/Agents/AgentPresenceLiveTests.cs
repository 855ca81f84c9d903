using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Agents;
using Microsoft.AspNetCore.SignalR.Client;

namespace BackscatterConsole.Server.Tests.Agents;

public sealed class AgentPresenceLiveTests : IAsyncLifetime
{
    private KestrelApp _app = default!;

    public Task InitializeAsync()
    {
        _app = KestrelApp.Start();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task StatusHub_AgentConnectsAndIsRevoked_SubscribersSeeOnlineThenOffline()
    {
        var server = await _app.CreateServerAsync();
        var enrolled = await _app.EnrollAsync(server.Id);
        var events = new List<AgentPresenceEvent>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await using var watcher = new HubConnectionBuilder()
            .WithUrl(new Uri(_app.BaseAddress, "/hubs/status"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(AppFactory.AdminToken))
            .Build();
        watcher.On<AgentPresenceEvent>("agentPresence", e =>
        {
            lock (events)
            {
                events.Add(e);
            }
        });
        await watcher.StartAsync(timeout.Token);
        await watcher.InvokeAsync("SubscribeServer", server.Id, timeout.Token);

        await using var agent = _app.AgentConnection(enrolled.Credential);
        await agent.StartAsync();
        await agent.WaitForConnectedAsync(timeout.Token);
        await KestrelApp.WaitUntilAsync(() => Task.FromResult(Seen(events, AgentStatusDto.Online)));

        (await _app.Api.DeleteAsync($"/api/v1/servers/{server.Id}/agent")).EnsureSuccessStatusCode();

        await KestrelApp.WaitUntilAsync(() => Task.FromResult(Seen(events, AgentStatusDto.Offline)));
        Assert.All(events, e => Assert.Equal(enrolled.AgentId, e.AgentId));
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static bool Seen(List<AgentPresenceEvent> events, string status)
    {
        lock (events)
        {
            return events.Any(e => e.Status == status);
        }
    }
}
