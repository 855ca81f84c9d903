using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Checks;
using Microsoft.EntityFrameworkCore;

namespace BackscatterConsole.Tests.Shared;

/// <summary>
/// Seeds fleet history straight into the database (completed scans on past days, check results, emission hours), the
/// way the scan runner and the emission store leave it: weeks of history cannot be produced by running scans in a test.
/// Shared by the API, component and browser tests through a linked source file.
/// </summary>
public static class FleetHistory
{
    /// <summary>
    /// A completed scan of <paramref name="serverId"/> that finished <paramref name="finishedAt"/> with these results;
    /// <paramref name="latest"/> records it on the server as its latest scan (risk, worst status, time), as the runner does.
    /// </summary>
    public static async Task AddScanAsync(AppDbContext db, Guid serverId, DateTime finishedAt, int risk, bool latest, params (string CheckId, string Status)[] results)
    {
        var scan = new Scan
        {
            Id = Guid.CreateVersion7(),
            ServerId = serverId,
            Status = ScanStatuses.Completed,
            Progress = 100,
            Trigger = ScanTriggers.Manual,
            QueuedAt = finishedAt.AddMinutes(-1),
            StartedAt = finishedAt.AddMinutes(-1),
            FinishedAt = finishedAt,
            RiskScore = risk,
        };
        var position = 0;
        foreach (var (checkId, status) in results)
        {
            scan.Results.Add(new ScanCheckResult
            {
                CheckId = checkId,
                Source = "dns",
                Status = status,
                Severity = "high",
                Title = checkId,
                Summary = $"{checkId} {status}",
                Explanation = "Seeded history.",
                Position = position++,
                CheckedAt = finishedAt,
            });
        }

        db.Scans.Add(scan);
        await db.SaveChangesAsync();
        if (latest)
        {
            var worst = results.Any(r => r.Status == "fail") ? "fail" : results.Any(r => r.Status == "warn") ? "warn" : "pass";
            await db.Servers.Where(s => s.Id == serverId).ExecuteUpdateAsync(u => u
                .SetProperty(s => s.RiskScore, risk).SetProperty(s => s.WorstStatus, worst).SetProperty(s => s.LastScannedAt, finishedAt));
        }
    }

    /// <summary>One reported hour of <paramref name="serverId"/>'s notifications.</summary>
    public static async Task AddEmissionHourAsync(AppDbContext db, Guid serverId, DateTime hourStart, int notifications, int toForeign)
    {
        db.BounceEmissionHours.Add(new BounceEmissionHourRecord
        {
            ServerId = serverId,
            HourStart = new DateTime(hourStart.Year, hourStart.Month, hourStart.Day, hourStart.Hour, 0, 0, DateTimeKind.Utc),
            NonDeliveryNotifications = notifications,
            NotificationDeliveries = notifications,
            NotificationsToForeign = toForeign,
            RecipientDomainsJson = toForeign > 0 ? $"[{{\"domain\":\"victim.example.org\",\"count\":{toForeign}}}]" : "[]",
            ReportedAt = hourStart.AddHours(1),
        });
        await db.SaveChangesAsync();
    }
}
