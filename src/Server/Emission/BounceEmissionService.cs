using System.Text.Json;
using BackscatterConsole.Domain.Emission;
using BackscatterConsole.Server.Data;
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
