using System.Diagnostics;
using System.Net.Http.Json;
using BackscatterConsole.Cluster.Tests.Infrastructure;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Jobs;

namespace BackscatterConsole.Cluster.Tests;

/// <summary>kill -9 of an instance in the middle of its work.</summary>
[Collection(ClusterCollection.Name)]
public sealed class InstanceLossTests(ClusterFixture cluster) : IAsyncLifetime
{
    public Task InitializeAsync() => cluster.EnsureHealthyAsync();

    // The next test finds the killed instance started again.
    public Task DisposeAsync() => cluster.EnsureHealthyAsync();

    [Fact]
    public async Task KillNine_InstanceRunningAScanAndHoldingTheAgent_SurvivorFinishesTheScanAndTheJobEndsWithEachStepOnce()
    {
        await cluster.ResetPostfixAsync();
        var victim = (await cluster.AgentInstanceAsync())!;
        var survivor = cluster.Other(victim);
        await using var slow = SlowMta.Start(TimeSpan.FromSeconds(10));
        var server = await cluster.CreateServerAsync(slow.Port);

        // The change is reviewed first; the scan starts only then, so that however slow the machine, the victim is still
        // in the middle of it (waiting for the slow greeting) when the job goes out and the victim is killed.
        var scanId = Guid.Empty;
        var jobId = await cluster.ApplyFixAsync(victim.Route, async () =>
        {
            // A scan the victim runs (it claims what it queues first; when the survivor won that race, the scan is cancelled and queued again).
            while (true)
            {
                scanId = await ClusterFixture.StartScanAsync(victim, server.Id);
                if (await cluster.ScanRunnerAsync(scanId) == victim)
                {
                    break;
                }

                using var cancel = ClusterFixture.Direct(survivor);
                (await cancel.PostAsync($"/api/v1/scans/{scanId}/cancel", null)).EnsureSuccessStatusCode();
                var cancelled = scanId;
                await cluster.EventuallyAsync(async () => ScanStatuses.IsFinished(await cluster.ScalarAsync<string>($"SELECT \"Status\" FROM \"Scans\" WHERE \"Id\" = '{cancelled}'")), "the survivor's run ended");
            }
        });

        // A job in flight: applied through the victim, which sends it to the agent connected to it, then killed at once.
        victim.Kill();
        var killed = Stopwatch.StartNew();

        // The scan's lease lapses and the survivor runs it again to the end.
        using var api = ClusterFixture.Direct(survivor);
        ScanDto? scan = null;
        await cluster.EventuallyAsync(
            async () => ScanStatuses.IsFinished((scan = await api.GetFromJsonAsync<ScanDto>($"/api/v1/scans/{scanId}"))!.Status),
            "the scan ends", ClusterFixture.LeaseExpiry + TimeSpan.FromMinutes(1));
        Assert.True(killed.Elapsed < ClusterFixture.LeaseExpiry + TimeSpan.FromMinutes(1));
        Assert.Equal(ScanStatuses.Completed, scan!.Status);
        Assert.Equal(survivor.InstanceId, await cluster.ScalarAsync<string>($"SELECT \"LeaseOwner\" FROM \"Scans\" WHERE \"Id\" = '{scanId}'"));
        Assert.Equal(2, await cluster.ScalarAsync<int>($"SELECT \"Attempts\" FROM \"Scans\" WHERE \"Id\" = '{scanId}'"));
        Assert.Contains(scan.Results, r => r.Source == CheckSources.Probe);

        // The agent reconnects through nginx to the survivor, which settles the job from the agent's own record.
        await cluster.EventuallyAsync(async () => await cluster.AgentInstanceAsync() == survivor, "the agent is connected to the survivor");
        Assert.Equal(AgentStatusDto.Online, (await api.GetFromJsonAsync<AgentStatusDto>($"/api/v1/servers/{cluster.PostfixServer.Id}/agent"))!.Status);
        JobDto? job = null;
        await cluster.EventuallyAsync(async () => JobStates.Final.Contains((job = await api.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{jobId}"))!.State), "the job reaches a definite state");
        Assert.Equal(JobStates.Succeeded, job!.State);
        Assert.Equal("yes", await cluster.PostconfAsync("smtpd_reject_unlisted_recipient"));

        // No step applied twice: the agent's journal lists each applied change once; the console recorded each step once.
        var journal = cluster.Journal(jobId);
        Assert.Equal("Completed", journal.Phase);
        Assert.NotEmpty(journal.Applied);
        Assert.Equal(journal.Applied.Distinct().Count(), journal.Applied.Count);
        var audited = (await api.GetFromJsonAsync<PagedResult<AuditEntryDto>>($"/api/v1/audit?action={AuditActions.JobStep}&objectType=job&objectId={jobId}&pageSize=200"))!;
        var stepsAudited = audited.Items.Select(e => System.Text.Json.JsonDocument.Parse(e.After!).RootElement.GetProperty("sequence").GetInt32()).ToList();
        Assert.Equal(stepsAudited.Distinct().Count(), stepsAudited.Count);
        var finished = await api.GetFromJsonAsync<PagedResult<AuditEntryDto>>($"/api/v1/audit?action={AuditActions.JobFinished}&objectType=job&objectId={jobId}");
        Assert.Equal(1, finished!.Total);
    }
}
