using System.Text.Json;
using BackscatterConsole.Domain.Text;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Live;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Emission;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Emission;

/// <summary>Why an agent's emission report was refused; the hub turns it into a HubException.</summary>
internal sealed class EmissionReportException(string message) : Exception(message);

/// <summary>
/// Stores agents' emission reports: one row per server and hour, replaced when the same hour comes again (the agent sends
/// totals per hour, so a later report's counts are the current ones), and the latest queue state per server. Then it
/// publishes <see cref="BounceEmissionUpdatedEvent"/>.
/// </summary>
internal sealed class BounceEmissionStore(AppDbContext db, ILiveNotifier events, IOptions<EmissionOptions> options, TimeProvider clock, ILogger<BounceEmissionStore> logger)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const int MaxHours = 24 * 8 + 1;
    private const int MaxDomains = 10;
    private const int MaxLocalDomains = 1000;
    private const int MaxQueueIds = 50;
    private const int MaxNotes = 20;

    public async Task StoreAsync(Guid serverId, Guid agentId, EmissionReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (Validate(report) is { } problem)
        {
            throw new EmissionReportException(problem);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var collected = report.CollectedAt.UtcDateTime;
        var oldest = now.AddDays(-options.Value.RetentionDays);

        // An hour ahead of the console's clock is an agent clock problem, not a fact about the past: it is left out.
        var hours = report.Hours.Where(h => h.Start.UtcDateTime >= oldest && h.Start.UtcDateTime <= now.AddHours(1)).ToList();
        if (hours.Count < report.Hours.Count)
        {
            logger.LogWarning("Emission report of server {ServerId}: {Count} hour(s) outside the retention window or ahead of the console's clock were not stored", serverId, report.Hours.Count - hours.Count);
        }

        if (hours.Count > 0)
        {
            var first = hours.Min(h => h.Start.UtcDateTime);
            var last = hours.Max(h => h.Start.UtcDateTime);
            var existing = await db.BounceEmissionHours.Where(h => h.ServerId == serverId && h.HourStart >= first && h.HourStart <= last)
                .ToDictionaryAsync(h => h.HourStart, cancellationToken);
            foreach (var hour in hours)
            {
                var start = hour.Start.UtcDateTime;
                if (!existing.TryGetValue(start, out var row))
                {
                    row = new BounceEmissionHourRecord { ServerId = serverId, HourStart = start, RecipientDomainsJson = "[]" };
                    db.BounceEmissionHours.Add(row);
                }
                else if (row.ReportedAt > collected)
                {
                    // A report that arrives late (sent before a reconnect) must not undo a newer one's totals.
                    continue;
                }

                row.NonDeliveryNotifications = hour.NonDeliveryNotifications;
                row.DeliveryStatusNotifications = hour.DeliveryStatusNotifications;
                row.DelayNotifications = hour.DelayNotifications;
                row.NotificationDeliveries = hour.NotificationDeliveries;
                row.NotificationsToForeign = hour.NotificationsToForeign;
                row.RecipientDomainsJson = JsonSerializer.Serialize(Normalize(hour.RecipientDomains), Json);
                row.UnparsedLines = hour.UnparsedLines;
                row.ReportedAt = collected;
            }
        }

        var state = await db.BounceEmissionStates.SingleOrDefaultAsync(s => s.ServerId == serverId, cancellationToken);
        if (state is null)
        {
            state = new BounceEmissionStateRecord { ServerId = serverId, QueueRecipientDomainsJson = "[]" };
            db.BounceEmissionStates.Add(state);
        }

        if (state.CollectedAt <= collected)
        {
            Apply(state, agentId, report, now);
        }

        await db.SaveChangesAsync(cancellationToken);

        var windowStart = Domain.Emission.BounceEmissionRule.WindowStart(report.CollectedAt, options.Value.Window);
        var lastDay = await db.BounceEmissionHours.Where(h => h.ServerId == serverId && h.HourStart >= windowStart).SumAsync(h => h.NotificationsToForeign, cancellationToken);
        await events.PublishAsync(new BounceEmissionUpdatedEvent(serverId, report.CollectedAt, lastDay));
    }

    private static void Apply(BounceEmissionStateRecord state, Guid agentId, EmissionReport report, DateTime now)
    {
        state.AgentId = agentId;
        state.CollectedAt = report.CollectedAt.UtcDateTime;
        state.ReceivedAt = now;
        state.LocalDomains = report.LocalDomains.Select(d => d.Trim().ToLowerInvariant()).Distinct(StringComparer.Ordinal).Take(MaxLocalDomains).ToList();
        state.QueueRead = report.Queue is not null;
        state.QueueMessages = report.Queue?.Messages ?? 0;
        state.QueueNullSenderMessages = report.Queue?.NullSenderMessages ?? 0;
        state.QueueNullSenderToForeign = report.Queue?.NullSenderToForeign ?? 0;
        state.QueueOldestNullSenderAgeSeconds = report.Queue?.OldestNullSenderAgeSeconds ?? 0;
        state.QueueRecipientDomainsJson = JsonSerializer.Serialize(Normalize(report.Queue?.RecipientDomains ?? []), Json);
        state.QueueIds = report.Queue?.QueueIds.Take(MaxQueueIds).ToList() ?? [];
        state.QueueError = Clip(report.QueueError, 2000);
        state.LogError = Clip(report.LogError, 2000);
        state.LogPath = Clip(report.Log?.Path, 1000);
        state.LogBytesRead = report.Log?.BytesRead;
        state.LogFilesRead = report.Log?.FilesRead;
        state.OldestLine = report.Log?.OldestLine?.UtcDateTime;
        state.NewestLine = report.Log?.NewestLine?.UtcDateTime;
        state.Notes = (report.Notes ?? []).Take(MaxNotes).Select(n => Clip(n, 1000)!).ToList();
    }

    /// <summary>
    /// Null when the report can be stored. Refused: anything that could carry an address (a domain with <c>@</c>: the
    /// privacy rule says local parts never leave the server), control characters, negative counts, hours not on the hour.
    /// </summary>
    internal static string? Validate(EmissionReport report)
    {
        if (report.LocalDomains is null || report.Hours is null)
        {
            return "The emission report lacks its local domains or hours.";
        }

        if (report.Hours.Count > MaxHours)
        {
            return $"The emission report has {report.Hours.Count} hours; at most {MaxHours} (eight days) are accepted.";
        }

        var domains = report.LocalDomains
            .Concat(report.Hours.SelectMany(h => h.RecipientDomains ?? []).Select(d => d?.Domain))
            .Concat((report.Queue?.RecipientDomains ?? []).Select(d => d?.Domain));
        foreach (var domain in domains)
        {
            if (DomainProblem(domain) is { } problem)
            {
                return problem;
            }
        }

        foreach (var hour in report.Hours)
        {
            var start = hour.Start.UtcDateTime;
            if (start.Minute != 0 || start.Second != 0 || start.Millisecond != 0 || start.Microsecond != 0)
            {
                return $"The hour {hour.Start:O} does not start on the hour.";
            }

            if (hour.NonDeliveryNotifications < 0 || hour.DeliveryStatusNotifications < 0 || hour.DelayNotifications < 0 || hour.NotificationDeliveries < 0
                || hour.NotificationsToForeign < 0 || hour.UnparsedLines < 0 || (hour.RecipientDomains ?? []).Any(d => d.Count < 0))
            {
                return $"The hour {hour.Start:O} has a negative count.";
            }

            if ((hour.RecipientDomains ?? []).Count > MaxDomains)
            {
                return $"The hour {hour.Start:O} lists more than {MaxDomains} recipient domains.";
            }
        }

        if (report.Hours.Select(h => h.Start.UtcDateTime).Distinct().Count() != report.Hours.Count)
        {
            return "The emission report lists an hour twice.";
        }

        if (report.Queue is { } queue)
        {
            if (queue.Messages < 0 || queue.NullSenderMessages < 0 || queue.NullSenderToForeign < 0 || queue.OldestNullSenderAgeSeconds < 0
                || queue.NullSenderMessages > queue.Messages || queue.NullSenderToForeign > queue.NullSenderMessages)
            {
                return "The queue counts are inconsistent.";
            }

            if ((queue.QueueIds ?? []).Any(id => id is null || id.Length is 0 or > 32 || !id.All(char.IsAsciiLetterOrDigit)))
            {
                return "A queue id is not an alphanumeric Postfix queue id.";
            }

            if ((queue.RecipientDomains ?? []).Count > MaxDomains)
            {
                return $"The queue lists more than {MaxDomains} recipient domains.";
            }
        }

        var texts = new[] { report.QueueError, report.LogError, report.Log?.Path }.Concat(report.Notes ?? []);
        return texts.Select(t => TextRules.ControlCharacterError(t, "A text of the emission report")).FirstOrDefault(e => e is not null);
    }

    private static string? DomainProblem(string? domain)
    {
        if (string.IsNullOrWhiteSpace(domain) || domain.Length > 253)
        {
            return "A domain in the emission report is empty or longer than 253 characters.";
        }

        if (domain.Contains('@', StringComparison.Ordinal))
        {
            return "A domain in the emission report contains '@': addresses never leave the server, only their domains.";
        }

        return domain.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) ? "A domain in the emission report contains a space or a control character." : null;
    }

    private static List<DomainCount> Normalize(IReadOnlyList<DomainCount> domains) =>
        domains.Select(d => new DomainCount(d.Domain.Trim().ToLowerInvariant(), d.Count)).Take(MaxDomains).ToList();

    private static string? Clip(string? value, int max) => value is null ? null : value.Length <= max ? value : value[..max];
}
