using System.Net.Http.Json;
using BackscatterConsole.Domain.Tests.Smtp;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Checks;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Server.Tests.Checks;

/// <summary>Restart recovery and the schedule: each test starts its own hosts.</summary>
public sealed class ScanLifecycleTests
{
    [Fact]
    public async Task Restart_ScanLeftRunningAndQueued_RunningEndsFailedQueuedRunsAgain()
    {
        var directory = Path.Combine(Path.GetTempPath(), "bsc-tests-" + Guid.NewGuid().ToString("N"));
        Guid serverId;
        Guid runningId = Guid.CreateVersion7();
        Guid queuedId = Guid.CreateVersion7();
        using (var first = new AppFactory { DataDirectory = directory, DeleteDataOnDispose = false })
        {
            using var api = first.CreateApiClient();
            serverId = (await ScanApi.CreateServerAsync(api)).Id;
            var other = (await ScanApi.CreateServerAsync(api)).Id;

            // What a crash leaves behind: rows that say running and queued, with no process working on them.
            await using var scope = first.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            db.Scans.Add(new Scan { Id = runningId, ServerId = serverId, Status = ScanStatuses.Running, Trigger = ScanTriggers.Manual, QueuedAt = DateTime.UtcNow, StartedAt = DateTime.UtcNow, Progress = 40 });
            db.Scans.Add(new Scan { Id = queuedId, ServerId = other, Status = ScanStatuses.Queued, Trigger = ScanTriggers.Manual, QueuedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        using var second = new AppFactory { DataDirectory = directory };
        using var client = second.CreateApiClient();
        var interrupted = await ScanApi.WaitUntilFinishedAsync(client, runningId, TimeSpan.FromSeconds(20));
        Assert.Equal(ScanStatuses.Failed, interrupted.Status);
        Assert.Contains("stopped while this scan was running", interrupted.Error, StringComparison.Ordinal);
        Assert.NotNull(interrupted.FinishedAt);

        var requeued = await ScanApi.WaitUntilFinishedAsync(client, queuedId, TimeSpan.FromSeconds(20));
        Assert.Equal(ScanStatuses.Completed, requeued.Status);

        // The server is free again: a new scan is accepted.
        await ScanApi.StartAsync(client, serverId);
    }

    [Fact]
    public async Task Runner_OneSlotAndSilentServers_RunsOneAtATimeAndTimesOutInsteadOfHanging()
    {
        await using var silent = new ScriptedSmtpServer(async (_, ct) => await Task.Delay(Timeout.Infinite, ct));
        using var factory = new AppFactory
        {
            Settings = { ["Scans:MaxConcurrency"] = "1", ["Scans:Timeout"] = "00:00:01.500", ["Probe:GreetingTimeout"] = "00:01:00" },
        };
        using var api = factory.CreateApiClient();
        var first = await ScanApi.CreateServerAsync(api, probe: true, port: silent.Port);
        var second = await ScanApi.CreateServerAsync(api, probe: true, port: silent.Port);
        var accepted = await api.PostAsJsonAsync("/api/v1/scans", new { serverIds = new[] { first.Id, second.Id } });
        var ids = (await accepted.Content.ReadFromJsonAsync<FleetScanAcceptedDto>())!.Ids;

        // With one slot, while one scan waits on the silent server the other is still queued.
        var running = await ScanApi.WaitForAsync(api, ids[0], s => s.Status != ScanStatuses.Queued, TimeSpan.FromSeconds(10));
        Assert.Equal(ScanStatuses.Running, running.Status);
        Assert.Equal(ScanStatuses.Queued, (await api.GetFromJsonAsync<ScanDto>($"/api/v1/scans/{ids[1]}"))!.Status);

        foreach (var id in ids)
        {
            var scan = await ScanApi.WaitUntilFinishedAsync(api, id, TimeSpan.FromSeconds(20));
            Assert.Equal(ScanStatuses.Failed, scan.Status);
            Assert.Contains("did not finish within", scan.Error, StringComparison.Ordinal);
            Assert.Contains(scan.Results, r => r.Source == CheckSources.Settings);
            Assert.DoesNotContain(scan.Results, r => r.Source == CheckSources.Probe);
        }
    }

    [Fact]
    public async Task Scheduler_ServerNeverScanned_QueuesOneScheduledScanAndNotAnotherWithinTheInterval()
    {
        using var factory = new AppFactory
        {
            Settings = { ["Scans:ScheduleEnabled"] = "true", ["Scans:ScheduleCheckInterval"] = "00:00:00.200" },
        };
        using var api = factory.CreateApiClient();
        var server = await ScanApi.CreateServerAsync(api, intervalMinutes: 60);
        var off = await ScanApi.CreateServerAsync(api, intervalMinutes: 0);

        ScanSummaryDto? scheduled = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (scheduled is null && DateTime.UtcNow < deadline)
        {
            var history = (await api.GetFromJsonAsync<Shared.Common.PagedResult<ScanSummaryDto>>($"/api/v1/servers/{server.Id}/scans"))!;
            scheduled = history.Items.FirstOrDefault();
            await Task.Delay(100);
        }

        Assert.NotNull(scheduled);
        Assert.Equal(ScanTriggers.Schedule, scheduled.Trigger);
        Assert.Null(scheduled.RequestedBy);
        await ScanApi.WaitUntilFinishedAsync(api, scheduled.Id);

        // Several more ticks pass; the hour-long interval has not, and the server with interval 0 is never scheduled.
        await Task.Delay(1000);
        Assert.Equal(1, (await api.GetFromJsonAsync<Shared.Common.PagedResult<ScanSummaryDto>>($"/api/v1/servers/{server.Id}/scans"))!.Total);
        Assert.Equal(0, (await api.GetFromJsonAsync<Shared.Common.PagedResult<ScanSummaryDto>>($"/api/v1/servers/{off.Id}/scans"))!.Total);

        // Routine rescans are not security events: they stay out of the audit trail.
        var audit = await api.GetFromJsonAsync<Shared.Common.PagedResult<Shared.Audit.AuditEntryDto>>($"/api/v1/audit?action={Shared.Audit.AuditActions.ScanStarted}");
        Assert.DoesNotContain(audit!.Items, e => e.After?.Contains(scheduled.Id.ToString(), StringComparison.Ordinal) == true);
    }
}
