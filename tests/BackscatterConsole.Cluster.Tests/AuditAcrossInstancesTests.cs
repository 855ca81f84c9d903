using System.Net;
using System.Net.Http.Json;
using BackscatterConsole.Cluster.Tests.Infrastructure;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.Servers;

namespace BackscatterConsole.Cluster.Tests;

/// <summary>One audit chain, appended to by both instances at once.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AuditAcrossInstancesTests(ClusterFixture cluster) : IAsyncLifetime
{
    public Task InitializeAsync() => cluster.EnsureHealthyAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Audit_FiftyConcurrentWritesSpreadOverBothInstances_EveryRequestSucceedsAndTheChainStaysIntactWithFiftyNewEntries()
    {
        var before = await cluster.ScalarAsync<long>("SELECT COALESCE(MAX(\"Id\"), 0) FROM \"AuditEntries\"");
        using var a = ClusterFixture.Direct(cluster.A);
        using var b = ClusterFixture.Direct(cluster.B);
        var run = Guid.NewGuid().ToString("N")[..6];
        using var start = new SemaphoreSlim(0);
        var requests = Enumerable.Range(0, 50).Select(async i =>
        {
            await start.WaitAsync();
            return await (i % 2 == 0 ? a : b).PostAsJsonAsync("/api/v1/servers", new { name = $"audit-{run}-{i:00}", hostname = "mx.example.test", platform = "postfix" });
        }).ToList();
        start.Release(50);
        var responses = await Task.WhenAll(requests);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var created = new HashSet<string>();
        foreach (var response in responses)
        {
            created.Add((await response.Content.ReadFromJsonAsync<ServerDto>())!.Id.ToString());
        }

        var entries = await cluster.ScalarAsync<long>($"SELECT count(*) FROM \"AuditEntries\" WHERE \"Id\" > {before} AND \"Action\" = '{AuditActions.ServerCreated}' AND \"Detail\" LIKE '%audit-{run}-%'");
        Assert.Equal(50, entries);
        var objects = await cluster.ScalarAsync<long>($"SELECT count(DISTINCT \"ObjectId\") FROM \"AuditEntries\" WHERE \"Id\" > {before} AND \"Action\" = '{AuditActions.ServerCreated}' AND \"ObjectId\" IN ({string.Join(',', created.Select(c => $"'{c}'"))})");
        Assert.Equal(50, objects);

        // No gap and no fork: ids follow each other and each entry's previous hash is the hash of the one before it.
        Assert.Equal(0, await cluster.ScalarAsync<long>($"SELECT count(*) FROM \"AuditEntries\" e JOIN \"AuditEntries\" p ON p.\"Id\" = e.\"Id\" - 1 WHERE e.\"Id\" > {before} AND e.\"PreviousHash\" <> p.\"Hash\""));
        var last = await cluster.ScalarAsync<long>("SELECT MAX(\"Id\") FROM \"AuditEntries\"");
        Assert.Equal(last - before, await cluster.ScalarAsync<long>($"SELECT count(*) FROM \"AuditEntries\" WHERE \"Id\" > {before}"));
        foreach (var instance in cluster.Instances)
        {
            using var api = ClusterFixture.Direct(instance);
            var verification = await api.GetFromJsonAsync<AuditVerification>("/api/v1/audit/verify");
            Assert.True(verification!.Intact, $"{instance.InstanceId}: the chain is broken at entry {verification.FirstBrokenId}.");
        }
    }
}
