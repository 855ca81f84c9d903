using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Shared.Settings;
using Microsoft.EntityFrameworkCore;

namespace BackscatterConsole.Client.Tests.Support;

/// <summary>Servers, settings snapshots and scans for the checklist pages, made through the console's own services.</summary>
public static class ScanSetup
{
    /// <summary>A Postfix server with no hosted domain and the probe off: its scans run the settings rules only, in milliseconds.</summary>
    public static Task<ServerDto> AddSettingsOnlyServerAsync(this ConsoleHost host, string name, string platform = MailPlatforms.Postfix) =>
        host.WithAsync<IServerInventory, ServerDto>(async inventory =>
        {
            var result = await inventory.CreateAsync(new ServerInput { Name = name, Hostname = $"{name}.example.com", Platform = platform }, CancellationToken.None);
            return result.Value ?? throw new InvalidOperationException(result.Describe());
        });

    /// <summary>Stores pasted settings as an operator would.</summary>
    public static Task<SettingsSnapshotDto> UploadSettingsAsync(this ConsoleHost host, Guid serverId, string text) =>
        host.WithAsync<ISettingsSnapshotService, SettingsSnapshotDto>(async snapshots =>
        {
            var result = await snapshots.UploadAsync(serverId, new SettingsSnapshotInput { Text = text }, "setup", CancellationToken.None);
            return result.Value ?? throw new InvalidOperationException(result.Describe());
        });

    /// <summary>Starts a real scan and waits until the console's scan runner finished it.</summary>
    public static async Task<ScanDto> ScanAsync(this ConsoleHost host, Guid serverId)
    {
        var started = await host.WithAsync<IScanService, Shared.Common.OperationResult<Guid>>(scans => scans.StartAsync(serverId, ScanTriggers.Manual, "setup", CancellationToken.None));
        if (!started.Succeeded)
        {
            throw new InvalidOperationException(started.Describe());
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var scan = await host.WithAsync<IScanService, ScanDto?>(scans => scans.GetAsync(started.Value, CancellationToken.None));
            if (scan is not null && ScanStatuses.IsFinished(scan.Status))
            {
                return scan;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"Scan {started.Value} did not finish within 60 s.");
    }

    /// <summary>A scan the runner never picks up (written to the database directly), for pages that follow a running scan's events.</summary>
    public static Task<Guid> AddRunningScanAsync(this ConsoleHost host, Guid serverId) =>
        host.WithAsync<AppDbContext, Guid>(async db =>
        {
            var scan = new Scan
            {
                Id = Guid.CreateVersion7(),
                ServerId = serverId,
                Status = ScanStatuses.Running,
                Trigger = ScanTriggers.Manual,
                RequestedBy = "setup",
                QueuedAt = DateTime.UtcNow,
                StartedAt = DateTime.UtcNow,
            };
            db.Scans.Add(scan);
            await db.SaveChangesAsync();
            return scan.Id;
        });

    /// <summary>Stores a result of a running scan as a scan step does, and moves its progress.</summary>
    public static Task AddResultAsync(this ConsoleHost host, Guid scanId, int position, string checkId, CheckStatus status, int progress) =>
        host.WithAsync<AppDbContext, int>(async db =>
        {
            db.ScanResults.Add(new ScanCheckResult
            {
                ScanId = scanId,
                Position = position,
                CheckId = checkId,
                Source = CheckSources.Settings,
                Status = status.ToString().ToLowerInvariant(),
                Severity = "high",
                Title = "stored title",
                Summary = $"{checkId} summary",
                Explanation = "why",
                Evidence = ["evidence line"],
                CheckedAt = DateTime.UtcNow,
            });
            await db.SaveChangesAsync();
            return await db.Scans.Where(s => s.Id == scanId).ExecuteUpdateAsync(u => u.SetProperty(s => s.Progress, progress));
        });

    /// <summary>Ends a scan written with <see cref="AddRunningScanAsync"/>.</summary>
    public static Task FinishScanAsync(this ConsoleHost host, Guid scanId, int risk) =>
        host.WithAsync<AppDbContext, int>(db => db.Scans.Where(s => s.Id == scanId).ExecuteUpdateAsync(u => u
            .SetProperty(s => s.Status, ScanStatuses.Completed)
            .SetProperty(s => s.Progress, 100)
            .SetProperty(s => s.RiskScore, risk)
            .SetProperty(s => s.FinishedAt, DateTime.UtcNow)));

    /// <summary>postconf -n of a server that accepts unknown recipients and has soft_bounce on, after a stray prompt line.</summary>
    public const string WeakPostconf = "root@mx:~# postconf -n\nlocal_recipient_maps =\nsmtpd_reject_unlisted_recipient = no\nsoft_bounce = yes\n";

    /// <summary>postconf -n of the same server fixed.</summary>
    public const string FixedPostconf = "smtpd_reject_unlisted_recipient = yes\nsoft_bounce = no\n";
}
