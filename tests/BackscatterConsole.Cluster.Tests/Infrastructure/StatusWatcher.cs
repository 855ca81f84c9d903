using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace BackscatterConsole.Cluster.Tests.Infrastructure;

/// <summary>An API client of one instance's status hub (<c>/hubs/status</c>), straight to that instance, recording every event.</summary>
public sealed class StatusWatcher : IAsyncDisposable
{
    private static readonly string[] Methods = ["scanQueued", "scanProgress", "scanCompleted", "jobUpdated", "agentPresence", "changeRequestUpdated"];
    private readonly HubConnection _connection;

    private StatusWatcher(HubConnection connection)
    {
        _connection = connection;
        foreach (var method in Methods)
        {
            _connection.On<JsonElement>(method, e => Events.Enqueue((method, e)));
        }
    }

    public ConcurrentQueue<(string Method, JsonElement Event)> Events { get; } = new();

    public static async Task<StatusWatcher> ConnectAsync(ConsoleProcess instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(instance.BaseAddress, "/hubs/status"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(ClusterFixture.ApiToken))
            .Build();
        var watcher = new StatusWatcher(connection);
        await connection.StartAsync();
        return watcher;
    }

    public Task SubscribeServerAsync(Guid serverId) => _connection.InvokeAsync("SubscribeServer", serverId);

    public Task SubscribeFleetAsync() => _connection.InvokeAsync("SubscribeFleet");

    /// <summary>The events of one method whose <paramref name="property"/> is <paramref name="id"/>.</summary>
    public IReadOnlyList<JsonElement> Of(string method, string property, Guid id) =>
        Events.Where(e => e.Method == method && e.Event.GetProperty(property).GetGuid() == id).Select(e => e.Event).ToList();

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
