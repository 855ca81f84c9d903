using System.Net.Http.Json;
using BackscatterConsole.Cluster.Tests.Infrastructure;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Jobs;

namespace BackscatterConsole.Cluster.Tests;

/// <summary>The agent connected to one instance, a change request decided on the other.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AgentsAcrossInstancesTests(ClusterFixture cluster) : IAsyncLifetime
{
    public Task InitializeAsync() => cluster.EnsureHealthyAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ChangeRequest_ApprovedAndAppliedThroughTheOtherInstance_AgentAppliesItAndBothStatusHubsDeliverEachStepOnce()
    {
        await cluster.ResetPostfixAsync();
        var agentSide = (await cluster.AgentInstanceAsync())!;
        var otherSide = cluster.Other(agentSide);
        await using var agentHub = await StatusWatcher.ConnectAsync(agentSide);
        await using var otherHub = await StatusWatcher.ConnectAsync(otherSide);
        await agentHub.SubscribeServerAsync(cluster.PostfixServer.Id);
        await otherHub.SubscribeServerAsync(cluster.PostfixServer.Id);

        // Reviewed and applied on the instance the agent is not connected to: the job reaches the agent through the backplane.
        var jobId = await cluster.ApplyFixAsync(otherSide.Route);
        using var api = cluster.Api();
        JobDto? job = null;
        await cluster.EventuallyAsync(async () => JobStates.Final.Contains((job = await api.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{jobId}"))!.State), "the job ends");
        Assert.Equal(JobStates.Succeeded, job!.State);
        Assert.Equal("yes", await cluster.PostconfAsync("smtpd_reject_unlisted_recipient"));

        // Each step once: in the agent's journal, in the console's record and in the audit trail.
        var journal = cluster.Journal(jobId);
        Assert.Equal("Completed", journal.Phase);
        Assert.Equal(journal.Applied.Distinct().Count(), journal.Applied.Count);
        Assert.NotEmpty(journal.Applied);
        var sequences = job.Steps.Select(s => s.Sequence).ToList();
        Assert.Equal(sequences.Distinct().Count(), sequences.Count);
        var audited = (await api.GetFromJsonAsync<PagedResult<AuditEntryDto>>($"/api/v1/audit?action={AuditActions.JobStep}&objectType=job&objectId={jobId}&pageSize=200"))!;
        Assert.Equal(job.Steps.Count, audited.Total);

        // Both instances' hub clients got every step's end exactly once, whichever instance handled the report.
        await cluster.EventuallyAsync(() => Task.FromResult(Ended(agentHub, jobId).Count >= job.Steps.Count && Ended(otherHub, jobId).Count >= job.Steps.Count), "both hubs delivered the steps");
        await Task.Delay(500);
        foreach (var hub in new[] { agentHub, otherHub })
        {
            var ended = Ended(hub, jobId);
            Assert.Equal(job.Steps.Select(s => s.Sequence).Order(), ended.Order());
            Assert.Contains(hub.Of("jobUpdated", "jobId", jobId), e => e.GetProperty("state").GetString() == JobStates.Succeeded);
        }
    }

    /// <summary>The sequences of the step reports that ended a step, as one hub client received them.</summary>
    private static List<int> Ended(StatusWatcher hub, Guid jobId) => hub.Of("jobUpdated", "jobId", jobId)
        .Where(e => e.GetProperty("step").ValueKind == System.Text.Json.JsonValueKind.Object && e.GetProperty("step").GetProperty("state").GetString() != "running")
        .Select(e => e.GetProperty("step").GetProperty("sequence").GetInt32())
        .ToList();
}
