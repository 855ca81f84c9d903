using System.Linq.Expressions;
using BackscatterConsole.Domain.Emission;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Checks;

namespace BackscatterConsole.Server.Fleet;

/// <summary>
/// Fleet predicates shared by the dashboard's figures and the inventory's filters, so that "3 servers emitting" links to a
/// list of exactly those 3 servers. Each is a correlated subquery the database evaluates; nothing is loaded per server.
/// </summary>
internal static class FleetQueries
{
    /// <summary>Statuses that count as a finding on the dashboard and in the inventory's <c>check</c> filter.</summary>
    public static readonly string[] FindingStatuses = ["fail", "warn"];

    /// <summary>
    /// Emitting backscatter now: a reported hour within the window with notifications to foreign recipients, or a queue
    /// read within the window holding null-sender mail to foreign recipients (the inputs of <c>smtp.bounce-emission</c>).
    /// </summary>
    public static Expression<Func<ManagedServer, bool>> IsEmitting(AppDbContext db, DateTimeOffset now, TimeSpan window)
    {
        var firstHour = BounceEmissionRule.WindowStart(now, window);
        var queueSince = now.UtcDateTime - window;
        return s => db.BounceEmissionHours.Any(h => h.ServerId == s.Id && h.HourStart >= firstHour && h.NotificationsToForeign > 0)
            || db.BounceEmissionStates.Any(q => q.ServerId == s.Id && q.QueueRead && q.QueueNullSenderToForeign > 0 && q.CollectedAt >= queueSince);
    }

    /// <summary>The latest completed scan of each server (the one whose finish the server records).</summary>
    public static IQueryable<Scan> LatestScans(AppDbContext db) =>
        db.Scans.Where(sc => sc.Status == ScanStatuses.Completed && db.Servers.Any(m => m.Id == sc.ServerId && m.LastScannedAt == sc.FinishedAt));

    /// <summary>The server's latest completed scan fails or warns on <paramref name="checkId"/>.</summary>
    public static Expression<Func<ManagedServer, bool>> HasFinding(AppDbContext db, string checkId) =>
        s => db.Scans.Any(sc => sc.ServerId == s.Id && sc.Status == ScanStatuses.Completed && sc.FinishedAt == s.LastScannedAt
            && db.ScanResults.Any(r => r.ScanId == sc.Id && r.CheckId == checkId && (r.Status == "fail" || r.Status == "warn")));

    /// <summary>The server's latest completed scan fails <c>dnsbl.listing</c> (an egress address is listed).</summary>
    public static Expression<Func<ManagedServer, bool>> IsListed(AppDbContext db) =>
        s => db.Scans.Any(sc => sc.ServerId == s.Id && sc.Status == ScanStatuses.Completed && sc.FinishedAt == s.LastScannedAt
            && db.ScanResults.Any(r => r.ScanId == sc.Id && r.CheckId == Shared.Fleet.FleetCheckIds.DnsblListing && r.Status == "fail"));
}
