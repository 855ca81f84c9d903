using System.Net;
using System.Net.Http.Json;
using BackscatterConsole.Cluster.Tests.Infrastructure;

namespace BackscatterConsole.Cluster.Tests;

/// <summary>Redis goes away and comes back while both consoles keep running.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RedisOutageTests(ClusterFixture cluster) : IAsyncLifetime
{
    public Task InitializeAsync() => cluster.EnsureHealthyAsync();

    public Task DisposeAsync() => cluster.EnsureHealthyAsync();

    [Fact]
    public async Task Redis_StoppedThenStartedAgain_ApiKeepsServingReadyzSaysDegradedAndEventsFlowAgainWithoutRestarts()
    {
        await using var watcherOnB = await StatusWatcher.ConnectAsync(cluster.B);
        await watcherOnB.SubscribeFleetAsync();

        await cluster.Redis.StopAsync();
        foreach (var instance in cluster.Instances)
        {
            await cluster.EventuallyAsync(async () => (await ClusterFixture.ReadinessAsync(instance)) is { Code: HttpStatusCode.OK, Status: "Degraded", Backplane: "Degraded" }, $"{instance.InstanceId} reports the backplane degraded", TimeSpan.FromSeconds(30));
            var readiness = await ClusterFixture.ReadinessAsync(instance);
            Assert.Contains("not connected", readiness.Description, StringComparison.Ordinal);

            // The API goes on: reads and writes (with their audit entries) on both instances.
            using var api = ClusterFixture.Direct(instance);
            Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/servers")).StatusCode);
            var created = await api.PostAsJsonAsync("/api/v1/servers", new { name = "outage-" + Guid.NewGuid().ToString("N")[..8], hostname = "mx.example.test", platform = "postfix" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Contains("Lost the connection to Redis", instance.Output, StringComparison.Ordinal);
        }

        await cluster.Redis.StartAgainAsync();
        foreach (var instance in cluster.Instances)
        {
            await cluster.EventuallyAsync(async () => (await ClusterFixture.ReadinessAsync(instance)) is { Status: "Healthy", Backplane: "Healthy" }, $"{instance.InstanceId} reports the backplane healthy again", TimeSpan.FromSeconds(60));
            await cluster.EventuallyAsync(() => Task.FromResult(instance.Output.Contains("The connection to Redis at", StringComparison.Ordinal) && instance.Output.Contains("is back", StringComparison.Ordinal)), $"{instance.InstanceId} logs the recovery");
        }

        // A scan queued on A reaches the hub client that has been connected to B all along, through the restored backplane.
        await using var slow = SlowMta.Start(TimeSpan.FromSeconds(1));
        var server = await cluster.CreateServerAsync(slow.Port);
        var scanId = await ClusterFixture.StartScanAsync(cluster.A, server.Id);
        await cluster.EventuallyAsync(() => Task.FromResult(watcherOnB.Of("scanQueued", "scanId", scanId).Count == 1 && watcherOnB.Of("scanCompleted", "scanId", scanId).Count == 1), "B's hub client got the scan's events", TimeSpan.FromSeconds(60));
    }
}
