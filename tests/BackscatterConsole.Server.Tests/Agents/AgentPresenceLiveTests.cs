using System.Text.Json;
using BackscatterConsole.Agent.Transport;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Agents;

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
        await using var watcher = new HubClient(new HubClientOptions
        {
            HubUrl = new Uri(_app.BaseAddress, "/hubs/status"),
            AccessTokenProvider = _ => ValueTask.FromResult<string?>(AppFactory.AdminToken),
        });
        watcher.On<AgentPresenceEvent>("agentPresence", (e, _) =>
        {
            lock (events)
            {
                events.Add(e);
            }

            return Task.CompletedTask;
        });
        await watcher.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await watcher.WaitForConnectedAsync(timeout.Token);
        await watcher.InvokeAsync<JsonElement?>("SubscribeServer", [server.Id], timeout.Token);

        await using var agent = _app.HubClient(enrolled.Credential);
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
