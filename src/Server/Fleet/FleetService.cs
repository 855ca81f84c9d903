using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Emission;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Emission;
using BackscatterConsole.Shared.Fleet;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Fleet;

internal sealed class FleetService(AppDbContext db, IBounceEmissionService emission, IOptions<EmissionOptions> emissionOptions, TimeProvider clock) : IFleetService
{
    private const int TopCount = 10;

    private static readonly (string Band, string Label, int Min, int Max)[] Bands =
    [
        ("0-19", "Low (0–19)", 0, 19),
        ("20-39", "Medium (20–39)", 20, 39),
        ("40-59", "Medium (40–59)", 40, 59),
        ("60-79", "High (60–79)", 60, 79),
        ("80-100", "High (80–100)", 80, 100),
    ];

    public async Task<FleetSummaryDto> GetSummaryAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var servers = db.Servers.AsNoTracking();
        var total = await servers.CountAsync(cancellationToken);

        // One grouped count: the band index is computed in SQL (integer division), -1 for never scanned.
        var perBand = await servers
            .GroupBy(s => s.RiskScore == null ? -1 : s.RiskScore >= 80 ? 4 : s.RiskScore.Value / 20)
            .Select(g => new { Band = g.Key, Count = g.Count() })
            .ToDictionaryAsync(b => b.Band, b => b.Count, cancellationToken);
        var distribution = Bands.Select((b, i) => new RiskBandDto(b.Band, b.Label, b.Min, b.Max, perBand.GetValueOrDefault(i), $"servers?minRisk={b.Min}&maxRisk={b.Max}&sort=-risk"))
            .Append(new RiskBandDto("unscanned", "Not scanned yet", null, null, perBand.GetValueOrDefault(-1), "servers?status=unscanned"))
            .ToList();

        var window = emissionOptions.Value.Window;
        var firstHour = Domain.Emission.BounceEmissionRule.WindowStart(now, window);
        var queueSince = now.UtcDateTime - window;
        var emittingServers = servers.Where(FleetQueries.IsEmitting(db, now, window));
        var emittingCount = await emittingServers.CountAsync(cancellationToken);
        var emitters = await emittingServers
            .Select(s => new
            {
                s.Id,
                s.Name,
                Log = db.BounceEmissionHours.Where(h => h.ServerId == s.Id && h.HourStart >= firstHour).Sum(h => h.NotificationsToForeign),
                Queue = db.BounceEmissionStates.Where(q => q.ServerId == s.Id && q.QueueRead && q.CollectedAt >= queueSince).Select(q => q.QueueNullSenderToForeign).FirstOrDefault(),
            })
            .OrderByDescending(e => e.Log > e.Queue ? e.Log : e.Queue).ThenBy(e => e.Name)
            .Take(TopCount)
            .ToListAsync(cancellationToken);

        var latest = FleetQueries.LatestScans(db);
        var listedServers = servers.Where(FleetQueries.IsListed(db));
        var listedCount = await listedServers.CountAsync(cancellationToken);
        var listed = await listedServers
            .Select(s => new
            {
                s.Id,
                s.Name,
                Listings = db.ScanResults.Count(r => r.CheckId == FleetCheckIds.DnsblListing && r.Status == "fail"
                    && latest.Any(sc => sc.Id == r.ScanId && sc.ServerId == s.Id)),
            })
            .OrderByDescending(l => l.Listings).ThenBy(l => l.Name)
            .Take(TopCount)
            .ToListAsync(cancellationToken);

        // One row per server and check (a check may report several subjects): the worst status wins, "fail" < "warn" as text.
        var findings = from r in db.ScanResults
                       join sc in latest on r.ScanId equals sc.Id
                       where r.Status == "fail" || r.Status == "warn"
                       group r by new { sc.ServerId, r.CheckId } into g
                       select new { g.Key.CheckId, Worst = g.Min(r => r.Status) };
        var failing = await findings
            .GroupBy(f => f.CheckId)
            .Select(g => new { CheckId = g.Key, Failing = g.Count(f => f.Worst == "fail"), Warning = g.Count(f => f.Worst == "warn") })
            .OrderByDescending(c => c.Failing + c.Warning).ThenByDescending(c => c.Failing).ThenBy(c => c.CheckId)
            .Take(TopCount)
            .ToListAsync(cancellationToken);

        return new FleetSummaryDto(
            now.UtcDateTime,
            total,
            distribution,
            (int)Math.Round(window.TotalHours),
            emittingCount,
            emitters.Select(e => new FleetEmitterDto(e.Id, e.Name, e.Log, e.Queue, Math.Max(e.Log, e.Queue))).ToList(),
            "servers?emitting=true",
            listedCount,
            listed.Select(l => new FleetListedServerDto(l.Id, l.Name, l.Listings)).ToList(),
            "servers?check=" + Uri.EscapeDataString(FleetCheckIds.DnsblListing),
            failing.Select(c => new FailingCheckDto(c.CheckId, CheckCatalog.TitleOr(c.CheckId, CheckStatus.Fail, c.CheckId), c.Failing, c.Warning, "servers?check=" + Uri.EscapeDataString(c.CheckId))).ToList());
    }

    public async Task<OperationResult<FleetTrendsDto>> GetTrendsAsync(int days, CancellationToken cancellationToken)
    {
        if (days is < 1 or > IFleetService.MaxTrendDays)
        {
            return OperationResult<FleetTrendsDto>.From(OperationResult.Invalid(new Dictionary<string, string[]>
            {
                ["days"] = [$"Days must be between 1 and {IFleetService.MaxTrendDays}; the dashboard offers {string.Join(", ", IFleetService.TrendRanges)}."],
            }));
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var from = now.Date.AddDays(1 - days);
        var perDay = await db.Scans.AsNoTracking()
            .Where(s => s.Status == ScanStatuses.Completed && s.RiskScore != null && s.FinishedAt >= from && s.FinishedAt <= now)
            .GroupBy(s => s.FinishedAt!.Value.Date)
            .Select(g => new
            {
                Day = g.Key,
                Average = g.Average(s => (double)s.RiskScore!.Value),
                Highest = g.Max(s => s.RiskScore!.Value),
                Servers = g.Select(s => s.ServerId).Distinct().Count(),
            })
            .ToListAsync(cancellationToken);
        var riskByDay = perDay.ToDictionary(d => DateTime.SpecifyKind(d.Day, DateTimeKind.Utc));

        var emissionByDay = (await emission.GetFleetSeriesAsync(from, now, EmissionGranularity.Day, cancellationToken)).ToDictionary(p => p.Start);

        var risk = new List<FleetRiskPointDto>(days);
        var emitted = new List<FleetEmissionDayDto>(days);
        for (var day = from; day <= now.Date; day = day.AddDays(1))
        {
            risk.Add(riskByDay.TryGetValue(day, out var r)
                ? new FleetRiskPointDto(day, Math.Round(r.Average, 1), r.Highest, r.Servers)
                : new FleetRiskPointDto(day, null, null, 0));
            emitted.Add(emissionByDay.TryGetValue(day, out var e)
                ? new FleetEmissionDayDto(day, e.Notifications, e.NotificationsToForeign, e.ServersReporting, e.ServersEmitting)
                : new FleetEmissionDayDto(day, 0, 0, 0, 0));
        }

        return OperationResult<FleetTrendsDto>.Ok(new FleetTrendsDto(days, from, now, risk, emitted));
    }
}
