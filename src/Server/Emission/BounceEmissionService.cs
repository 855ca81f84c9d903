using System.Text.Json;
using BackscatterConsole.Domain.Emission;
using BackscatterConsole.Domain.Remediation;
using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Server.Checks;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Settings;
using BackscatterConsole.Shared.ChangeRequests;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Settings;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Emission;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Emission;

internal sealed class BounceEmissionService(AppDbContext db, IOptions<EmissionOptions> options, TimeProvider clock) : IBounceEmissionService
{
    public async Task<OperationResult<BounceEmissionSeriesDto>> GetSeriesAsync(Guid serverId, DateTime? from, DateTime? to, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var end = to?.ToUniversalTime() ?? now;
        var start = HourFloor(from?.ToUniversalTime() ?? end.AddHours(-24));
        var errors = new Dictionary<string, string[]>();
        if (end <= start)
        {
            errors["to"] = ["'to' must be later than 'from'."];
        }
        else if (end - start > TimeSpan.FromDays(options.Value.RetentionDays + 1))
        {
            errors["from"] = [$"The range may span at most {options.Value.RetentionDays + 1} days: hours are kept {options.Value.RetentionDays} days (Emission:RetentionDays)."];
        }

        if (errors.Count > 0)
        {
            return OperationResult<BounceEmissionSeriesDto>.From(OperationResult.Invalid(errors));
        }

        if (!await db.Servers.AnyAsync(s => s.Id == serverId, cancellationToken))
        {
            return new(OperationStatus.NotFound, null, $"No server has the id {serverId}.");
        }

        var rows = await db.BounceEmissionHours.AsNoTracking()
            .Where(h => h.ServerId == serverId && h.HourStart >= start && h.HourStart < end)
            .OrderBy(h => h.HourStart)
            .ToListAsync(cancellationToken);
        var hours = rows.Select(ToDto).ToList();
        var latest = await GetLatestAsync(serverId, cancellationToken);
        return OperationResult<BounceEmissionSeriesDto>.Ok(new BounceEmissionSeriesDto(serverId, start, end, hours, Totals(hours), latest));
    }

    public async Task<OperationResult<BounceEmissionCausesDto>> GetCausesAsync(Guid serverId, CancellationToken cancellationToken)
    {
        var server = await db.Servers.AsNoTracking().Where(s => s.Id == serverId).Select(s => new { s.Id, s.Name }).SingleOrDefaultAsync(cancellationToken);
        if (server is null)
        {
            return new(OperationStatus.NotFound, null, $"No server has the id {serverId}.");
        }

        var now = clock.GetUtcNow();
        var week = now.UtcDateTime.AddDays(-7);
        var hours = await db.BounceEmissionHours.AsNoTracking()
            .Where(h => h.ServerId == serverId && h.HourStart >= week.AddDays(-1))
            .Select(h => new { h.HourStart, h.NotificationsToForeign })
            .ToListAsync(cancellationToken);
        var windowStart = BounceEmissionRule.WindowStart(now, options.Value.Window);
        var state = await db.BounceEmissionStates.AsNoTracking().Where(s => s.ServerId == serverId).Select(s => new { s.CollectedAt, s.QueueNullSenderToForeign }).SingleOrDefaultAsync(cancellationToken);
        var queued = state is not null && state.CollectedAt >= now.UtcDateTime - options.Value.Window ? state.QueueNullSenderToForeign : 0;
        var emission = BounceEmissionRule.Measure(hours.Where(h => h.HourStart >= windowStart).Sum(h => h.NotificationsToForeign), queued);

        var requests = await db.ChangeRequests.AsNoTracking().Include(r => r.Items)
            .Where(r => r.Items.Any(i => i.ServerId == serverId))
            .ToListAsync(cancellationToken);

        var scan = await db.Scans.AsNoTracking()
            .Where(s => s.ServerId == serverId && s.Status == ScanStatuses.Completed)
            .OrderByDescending(s => s.FinishedAt)
            .Select(s => new { s.Id, s.FinishedAt })
            .FirstOrDefaultAsync(cancellationToken);
        var causes = new List<EmissionCauseDto>();
        if (scan is not null)
        {
            var likely = BounceEmissionCheck.LikelyCauses.ToArray();
            var results = await db.ScanResults.AsNoTracking()
                .Where(r => r.ScanId == scan.Id && likely.Contains(r.CheckId) && (r.Status == "fail" || r.Status == "warn"))
                .Select(r => new { r.CheckId, r.Status, r.Title })
                .ToListAsync(cancellationToken);
            var record = await SettingsSnapshotService.Current(db, serverId).FirstOrDefaultAsync(cancellationToken);
            var rules = record is null ? [] : MtaRules.Evaluate(SettingsSnapshotService.ToSnapshot(record));
            foreach (var found in results
                .GroupBy(r => r.CheckId, StringComparer.Ordinal)
                .Select(g => g.OrderByDescending(r => r.Status == "fail").First())
                .OrderBy(r => BounceEmissionCheck.LikelyCauses.ToList().IndexOf(r.CheckId)))
            {
                var canFix = AgentCanFix(rules, found.CheckId);
                var request = requests
                    .Where(r => r.State is not ChangeRequestStates.Withdrawn and not ChangeRequestStates.Rejected
                        && r.Items.Any(i => i.ServerId == serverId && i.CheckIds.Contains(found.CheckId, StringComparer.Ordinal)))
                    .OrderByDescending(r => r.UpdatedAt)
                    .FirstOrDefault();
                var fixPath = request is not null ? $"/change-requests/{request.Id}"
                    : canFix ? BounceEmissionCheck.ProposePath(serverId, [found.CheckId])
                    : $"/scans/{scan.Id}";
                causes.Add(new EmissionCauseDto(
                    found.CheckId,
                    CheckCatalog.TitleOr(found.CheckId, ScanMapping.ParseStatus(found.Status), found.Title),
                    ScanMapping.ParseStatus(found.Status),
                    canFix,
                    request is null ? null : new EmissionChangeRequestRefDto(request.Id, request.Title, request.State, request.UpdatedAt),
                    fixPath));
            }
        }

        var jobs = await db.Jobs.AsNoTracking()
            .Where(j => j.ServerId == serverId && !j.DryRun && j.State == JobStates.Succeeded && j.FinishedAt != null && j.FinishedAt >= week)
            .OrderByDescending(j => j.FinishedAt)
            .Select(j => new { j.Id, j.ChangeRequestId, j.CheckIds, j.FinishedAt })
            .ToListAsync(cancellationToken);
        var applied = jobs.Select(j =>
        {
            var appliedHour = HourFloor(j.FinishedAt!.Value);
            // The hour it was applied in counts as before: it holds the emission that led to the change.
            var before = hours.Where(h => h.HourStart > appliedHour.AddHours(-24) && h.HourStart <= appliedHour).ToList();
            var after = hours.Where(h => h.HourStart > appliedHour && h.HourStart <= now.UtcDateTime).ToList();
            var toForeignAfter = after.Sum(h => h.NotificationsToForeign);
            var title = requests.FirstOrDefault(r => r.Id == j.ChangeRequestId)?.Title ?? "Fix " + string.Join(", ", j.CheckIds);
            return new EmissionAppliedChangeDto(
                j.Id, j.ChangeRequestId, title, j.CheckIds, j.FinishedAt.Value, before.Count, before.Sum(h => h.NotificationsToForeign), after.Count, toForeignAfter,
                after.Count == 0 ? null : toForeignAfter == 0);
        }).ToList();

        return OperationResult<BounceEmissionCausesDto>.Ok(new BounceEmissionCausesDto(serverId, scan?.Id, scan?.FinishedAt, emission, causes, applied));
    }

    /// <summary>A fix is the agent's when the remediation planner turns the rule's commands into setting changes.</summary>
    internal static bool AgentCanFix(IReadOnlyList<MtaRuleResult> rules, string checkId) =>
        rules.Any(rule => rule.Check.Id == checkId && RemediationPlanner.Plan([rule], [checkId]).Changes.Count > 0);

    public async Task<BounceEmissionStateDto?> GetLatestAsync(Guid serverId, CancellationToken cancellationToken)
    {
        var state = await db.BounceEmissionStates.AsNoTracking().SingleOrDefaultAsync(s => s.ServerId == serverId, cancellationToken);
        return state is null ? null : ToDto(state);
    }

    public async Task<IReadOnlyList<EmittingServerDto>> ListEmittingAsync(TimeSpan window, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var start = BounceEmissionRule.WindowStart(now, window);
        var hours = await db.BounceEmissionHours.AsNoTracking()
            .Where(h => h.HourStart >= start && h.NotificationsToForeign > 0)
            .Select(h => new { h.ServerId, h.NotificationsToForeign, h.RecipientDomainsJson })
            .ToListAsync(cancellationToken);

        // A queue read before the window says nothing about now.
        var windowStart = now.UtcDateTime - window;
        var queues = await db.BounceEmissionStates.AsNoTracking()
            .Select(s => new { s.ServerId, s.CollectedAt, s.QueueNullSenderToForeign })
            .ToListAsync(cancellationToken);
        var byServer = queues.ToDictionary(q => q.ServerId);
        var candidates = hours.Select(h => h.ServerId)
            .Concat(queues.Where(q => q.QueueNullSenderToForeign > 0 && q.CollectedAt >= windowStart).Select(q => q.ServerId))
            .Distinct()
            .ToList();
        if (candidates.Count == 0)
        {
            return [];
        }

        var names = await db.Servers.AsNoTracking().Where(s => candidates.Contains(s.Id)).ToDictionaryAsync(s => s.Id, s => s.Name, cancellationToken);
        return candidates
            .Where(names.ContainsKey)
            .Select(id =>
            {
                var own = hours.Where(h => h.ServerId == id).ToList();
                var log = own.Sum(h => h.NotificationsToForeign);
                var queue = byServer.TryGetValue(id, out var q) && q.CollectedAt >= windowStart ? q.QueueNullSenderToForeign : 0;
                return new EmittingServerDto(id, names[id], log, queue, BounceEmissionRule.Measure(log, queue), byServer.TryGetValue(id, out var s) ? s.CollectedAt : null,
                    Top(own.SelectMany(h => Domains(h.RecipientDomainsJson))));
            })
            .OrderByDescending(e => e.Emission)
            .ThenBy(e => e.ServerName, StringComparer.Ordinal)
            .ToList();
    }

    public async Task<IReadOnlyList<FleetEmissionPointDto>> GetFleetSeriesAsync(DateTime from, DateTime to, EmissionGranularity granularity, CancellationToken cancellationToken)
    {
        var start = granularity == EmissionGranularity.Day ? from.ToUniversalTime().Date : HourFloor(from.ToUniversalTime());
        var end = to.ToUniversalTime();
        if (end <= start)
        {
            return [];
        }

        var step = granularity == EmissionGranularity.Day ? TimeSpan.FromDays(1) : TimeSpan.FromHours(1);
        var range = db.BounceEmissionHours.AsNoTracking().Where(h => h.HourStart >= start && h.HourStart < end);
        Dictionary<DateTime, FleetEmissionPointDto> buckets;
        if (granularity == EmissionGranularity.Hour)
        {
            // One row per server and hour, so counting rows counts servers.
            buckets = (await range.GroupBy(h => h.HourStart)
                    .Select(g => new
                    {
                        g.Key,
                        Notifications = g.Sum(h => h.NonDeliveryNotifications + h.DeliveryStatusNotifications + h.DelayNotifications),
                        ToForeign = g.Sum(h => h.NotificationsToForeign),
                        Servers = g.Count(),
                        Emitting = g.Count(h => h.NotificationsToForeign > 0),
                    })
                    .ToListAsync(cancellationToken))
                .ToDictionary(b => b.Key, b => new FleetEmissionPointDto(b.Key, b.Notifications, b.ToForeign, b.Servers, b.Emitting));
        }
        else
        {
            // Days are summed per server in the database (servers × days rows at most), then counted here.
            var perServerDay = await range.GroupBy(h => new { Day = h.HourStart.Date, h.ServerId })
                .Select(g => new
                {
                    g.Key.Day,
                    Notifications = g.Sum(h => h.NonDeliveryNotifications + h.DeliveryStatusNotifications + h.DelayNotifications),
                    ToForeign = g.Sum(h => h.NotificationsToForeign),
                })
                .ToListAsync(cancellationToken);
            buckets = perServerDay.GroupBy(d => DateTime.SpecifyKind(d.Day, DateTimeKind.Utc))
                .ToDictionary(g => g.Key, g => new FleetEmissionPointDto(g.Key, g.Sum(d => d.Notifications), g.Sum(d => d.ToForeign), g.Count(), g.Count(d => d.ToForeign > 0)));
        }

        var points = new List<FleetEmissionPointDto>();
        for (var bucket = start; bucket < end; bucket += step)
        {
            points.Add(buckets.TryGetValue(bucket, out var point) ? point : new FleetEmissionPointDto(bucket, 0, 0, 0, 0));
        }

        return points;
    }

    internal static BounceEmissionHourDto ToDto(BounceEmissionHourRecord h) => new(
        h.HourStart,
        h.NonDeliveryNotifications,
        h.DeliveryStatusNotifications,
        h.DelayNotifications,
        h.NotificationDeliveries,
        h.NotificationsToForeign,
        Domains(h.RecipientDomainsJson),
        h.UnparsedLines,
        h.ReportedAt);

    internal static BounceEmissionStateDto ToDto(BounceEmissionStateRecord s) => new(
        s.ServerId,
        s.AgentId,
        s.CollectedAt,
        s.ReceivedAt,
        s.LocalDomains,
        s.QueueRead
            ? new BounceEmissionQueueDto(s.CollectedAt, s.QueueMessages, s.QueueNullSenderMessages, s.QueueNullSenderToForeign, s.QueueOldestNullSenderAgeSeconds, Domains(s.QueueRecipientDomainsJson), s.QueueIds)
            : null,
        s.QueueError,
        s.LogError,
        s.LogPath,
        s.LogBytesRead,
        s.LogFilesRead,
        s.OldestLine,
        s.NewestLine,
        s.Notes);

    internal static BounceEmissionTotalsDto Totals(IReadOnlyList<BounceEmissionHourDto> hours) => new(
        hours.Sum(h => h.NonDeliveryNotifications),
        hours.Sum(h => h.DeliveryStatusNotifications),
        hours.Sum(h => h.DelayNotifications),
        hours.Sum(h => h.NotificationDeliveries),
        hours.Sum(h => h.NotificationsToForeign),
        hours.Sum(h => h.UnparsedLines),
        hours.Count,
        Top(hours.SelectMany(h => h.RecipientDomains)));

    private static List<DomainCount> Top(IEnumerable<DomainCount> domains) =>
        domains.GroupBy(d => d.Domain, StringComparer.Ordinal)
            .Select(g => new DomainCount(g.Key, g.Sum(d => d.Count)))
            .OrderByDescending(d => d.Count).ThenBy(d => d.Domain, StringComparer.Ordinal)
            .Take(10)
            .ToList();

    private static List<DomainCount> Domains(string json) => JsonSerializer.Deserialize<List<DomainCount>>(json, BounceEmissionStore.Json) ?? [];

    private static DateTime HourFloor(DateTime utc) => new(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, DateTimeKind.Utc);
}
