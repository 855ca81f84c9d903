using BackscatterConsole.Server.Live;
using BackscatterConsole.Domain.Checklist;
using BackscatterConsole.Server.Audit;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Common;
using Microsoft.EntityFrameworkCore;

namespace BackscatterConsole.Server.Checks;

internal sealed class ScanService(
    AppDbContext db,
    AuditTrail audit,
    ScanQueue queue,
    RunningScans running,
    ILiveNotifier events,
    TimeProvider clock,
    ILogger<ScanService> logger) : IScanService
{
    public const int MaxFleetServers = 1000;
    public const string CancelledMessage = "Cancelled by a user.";
    private const int MaxPageSize = 200;

    public async Task<OperationResult<Guid>> StartAsync(Guid serverId, string trigger, string? requestedBy, CancellationToken cancellationToken)
    {
        if (!await db.Servers.AnyAsync(s => s.Id == serverId, cancellationToken))
        {
            return new(OperationStatus.NotFound, default, $"No server has the id {serverId}.");
        }

        var active = await ActiveScanAsync(serverId, cancellationToken);
        if (active is not null)
        {
            return new(OperationStatus.Conflict, default, $"Scan {active} of this server is already queued or running; cancel it or wait for it to finish.");
        }

        var scan = NewScan(serverId, trigger, requestedBy);
        db.Scans.Add(scan);

        // Routine rescans of the scheduler are not security events; the trail keeps what people (and jobs) started.
        // The lease ends (and on PostgreSQL commits) before the scan is announced, so a runner woken by it finds the row.
        await using (var lease = trigger == ScanTriggers.Schedule ? null : await audit.StageAsync(StartedEvent(scan), cancellationToken))
        {
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException e) when (StorageFailures.IsUniqueViolation(e))
            {
                // Another request queued a scan for the same server between the check and the insert; the filtered unique index decided.
                return new(OperationStatus.Conflict, default, "A scan of this server was queued at the same moment; wait for it to finish.");
            }
            catch (Exception e) when (StorageFailures.IsStorageUnavailable(e, out var reason))
            {
                logger.LogError(e, "Could not queue a scan: {Reason}", reason);
                return new(OperationStatus.StorageUnavailable, default, $"The scan was not queued: {reason}.");
            }
        }

        await AnnounceAsync(scan);
        return OperationResult<Guid>.Ok(scan.Id);
    }

    public async Task<OperationResult<FleetScanAcceptedDto>> StartFleetAsync(FleetScanInput input, string? requestedBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var all = input.All == true;
        var ids = input.ServerIds ?? [];
        if (all == (ids.Count > 0))
        {
            return Invalid("serverIds", all ? "Give either serverIds or all: true, not both." : "Give the servers to scan in serverIds, or all: true.");
        }

        if (ids.Count > MaxFleetServers)
        {
            return Invalid("serverIds", $"{ids.Count} servers given; at most {MaxFleetServers} per request.");
        }

        List<Guid> targets;
        if (all)
        {
            targets = await db.Servers.AsNoTracking().OrderBy(s => s.NormalizedName).Select(s => s.Id).ToListAsync(cancellationToken);
        }
        else
        {
            targets = ids.Distinct().ToList();
            var known = await db.Servers.AsNoTracking().Where(s => targets.Contains(s.Id)).Select(s => s.Id).ToListAsync(cancellationToken);
            var unknown = targets.Except(known).ToList();
            if (unknown.Count > 0)
            {
                return Invalid("serverIds", $"No server has the id {string.Join(", ", unknown)}; nothing was queued.");
            }
        }

        var activeByServer = await db.Scans.AsNoTracking()
            .Where(s => targets.Contains(s.ServerId) && (s.Status == ScanStatuses.Queued || s.Status == ScanStatuses.Running))
            .Select(s => new { s.ServerId, s.Id })
            .ToListAsync(cancellationToken);
        var busy = activeByServer.ToDictionary(a => a.ServerId, a => a.Id);
        var created = targets.Where(id => !busy.ContainsKey(id)).Select(id => NewScan(id, ScanTriggers.Fleet, requestedBy)).ToList();
        db.Scans.AddRange(created);

        // One entry for the request: a fleet scan of hundreds of servers is one decision, not hundreds.
        await using (await audit.StageAsync(
            new AuditEvent(AuditActions.ScanStarted, "scan", null, After: new { trigger = ScanTriggers.Fleet, scans = created.Select(s => new { s.Id, s.ServerId }) }, Detail: $"Queued a fleet scan of {created.Count} server(s)."),
            cancellationToken))
        {
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (Exception e) when (StorageFailures.IsStorageUnavailable(e, out var reason))
            {
                logger.LogError(e, "Could not queue a fleet scan: {Reason}", reason);
                return new(OperationStatus.StorageUnavailable, null, $"No scan was queued: {reason}.");
            }
            catch (DbUpdateException e) when (StorageFailures.IsUniqueViolation(e))
            {
                return new(OperationStatus.Conflict, null, "Scans of some of these servers were queued at the same moment; nothing was queued, try again.");
            }
        }

        foreach (var scan in created)
        {
            await AnnounceAsync(scan);
        }

        return OperationResult<FleetScanAcceptedDto>.Ok(new FleetScanAcceptedDto(created.Select(s => s.Id).ToList(), busy.Values.ToList()));
    }

    public async Task<OperationResult<ScanSummaryDto>> CancelAsync(Guid scanId, CancellationToken cancellationToken)
    {
        var scan = await db.Scans.AsNoTracking().SingleOrDefaultAsync(s => s.Id == scanId, cancellationToken);
        if (scan is null)
        {
            return new(OperationStatus.NotFound, null, $"No scan has the id {scanId}.");
        }

        if (ScanStatuses.IsFinished(scan.Status))
        {
            return new(OperationStatus.Conflict, null, $"The scan already ended ({scan.Status}); there is nothing to cancel.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var cancelledWhileQueued = await db.Scans
            .Where(s => s.Id == scanId && s.Status == ScanStatuses.Queued)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, ScanStatuses.Cancelled).SetProperty(s => s.FinishedAt, now).SetProperty(s => s.Error, "Cancelled by a user before it started."), cancellationToken);
        if (cancelledWhileQueued == 1)
        {
            await events.PublishAsync(new ScanCompletedEvent(scanId, scan.ServerId, ScanStatuses.Cancelled, scan.Progress, null, "Cancelled by a user before it started.", null));
        }
        else if (!running.Cancel(scanId))
        {
            // Running, but not in this process: another instance runs it, or nobody does any more. Ending it here is final
            // either way; the instance running it stops at the request (or at its next write, which the status refuses).
            var cancelledHere = await db.Scans
                .Where(s => s.Id == scanId && s.Status == ScanStatuses.Running)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, ScanStatuses.Cancelled).SetProperty(s => s.FinishedAt, now).SetProperty(s => s.Error, CancelledMessage), cancellationToken);
            await events.PublishAsync(new ScanCancelRequested(scanId));
            if (cancelledHere == 1)
            {
                await events.PublishAsync(new ScanCompletedEvent(scanId, scan.ServerId, ScanStatuses.Cancelled, scan.Progress, null, CancelledMessage, null));
            }
        }

        await audit.RecordAsync(new AuditEvent(AuditActions.ScanCancelled, "scan", scanId.ToString(), Detail: $"Cancelled scan {scanId} ({scan.Status} at {scan.Progress}%)."), cancellationToken);
        var after = await db.Scans.AsNoTracking().SingleAsync(s => s.Id == scanId, cancellationToken);
        return OperationResult<ScanSummaryDto>.Ok(ScanMapping.ToSummary(after, await CountsAsync(scanId, cancellationToken)));
    }

    public async Task<ScanDto?> GetAsync(Guid scanId, CancellationToken cancellationToken)
    {
        var scan = await db.Scans.AsNoTracking().Include(s => s.Results).Include(s => s.Server).AsSplitQuery().SingleOrDefaultAsync(s => s.Id == scanId, cancellationToken);
        if (scan is null)
        {
            return null;
        }

        // A running scan has no stored score yet; the score of the results so far lets the page show a provisional one.
        var dto = ScanMapping.ToDto(scan, scan.Server?.Name ?? string.Empty);
        return dto.RiskScore is null && dto.Results.Count > 0 ? dto with { RiskScore = RiskScore.Score(dto.Results.Select(ScanMapping.ToCheck)) } : dto;
    }

    public async Task<OperationResult<PagedResult<ScanSummaryDto>>> ListAsync(Guid serverId, int page, int pageSize, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (page < 1)
        {
            errors["page"] = ["Page must be 1 or more."];
        }

        if (pageSize is < 1 or > MaxPageSize)
        {
            errors["pageSize"] = [$"Page size must be between 1 and {MaxPageSize}."];
        }

        if (errors.Count > 0)
        {
            return OperationResult<PagedResult<ScanSummaryDto>>.From(OperationResult.Invalid(errors));
        }

        if (!await db.Servers.AnyAsync(s => s.Id == serverId, cancellationToken))
        {
            return new(OperationStatus.NotFound, null, $"No server has the id {serverId}.");
        }

        var scans = db.Scans.AsNoTracking().Where(s => s.ServerId == serverId);
        var total = await scans.CountAsync(cancellationToken);
        var items = await scans.OrderByDescending(s => s.QueuedAt).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        var ids = items.Select(s => s.Id).ToList();
        var counts = await db.ScanResults.AsNoTracking()
            .Where(r => ids.Contains(r.ScanId))
            .GroupBy(r => new { r.ScanId, r.Status })
            .Select(g => new { g.Key.ScanId, g.Key.Status, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var summaries = items.Select(s => ScanMapping.ToSummary(s, Counts(counts.Where(c => c.ScanId == s.Id).Select(c => (c.Status, c.Count))))).ToList();
        return OperationResult<PagedResult<ScanSummaryDto>>.Ok(new PagedResult<ScanSummaryDto>(summaries, total, page, pageSize));
    }

    public async Task<ChecklistDto?> GetChecklistAsync(Guid serverId, CancellationToken cancellationToken)
    {
        var server = await db.Servers.AsNoTracking().SingleOrDefaultAsync(s => s.Id == serverId, cancellationToken);
        if (server is null)
        {
            return null;
        }

        var completed = await db.Scans.AsNoTracking()
            .Where(s => s.ServerId == serverId && s.Status == ScanStatuses.Completed)
            .OrderByDescending(s => s.FinishedAt)
            .Take(2)
            .Select(s => new { s.Id, s.FinishedAt })
            .ToListAsync(cancellationToken);
        var active = await ActiveScanAsync(serverId, cancellationToken);
        if (completed.Count == 0)
        {
            return new ChecklistDto(serverId, server.Platform, null, null, 0, [], [], null, [], active);
        }

        var results = await ResultsAsync(completed[0].Id, cancellationToken);
        var changes = completed.Count > 1 ? ScanMapping.Changes(await ResultsAsync(completed[1].Id, cancellationToken), results) : [];
        var assessment = RiskScore.Assess(results.Select(ScanMapping.ToCheck));
        return new ChecklistDto(serverId, server.Platform, completed[0].Id, completed[0].FinishedAt, assessment.Score, assessment.Families, results, ScanMapping.Worst(results), changes, active);
    }

    public async Task<IReadOnlyDictionary<Guid, ServerRiskDto>> GetRiskAsync(IReadOnlyCollection<Guid> serverIds, CancellationToken cancellationToken)
    {
        var ids = serverIds.ToList();
        var scans = await db.Scans.AsNoTracking()
            .Where(s => ids.Contains(s.ServerId))
            .Select(s => new { s.Id, s.ServerId, s.Status, s.FinishedAt, s.QueuedAt, s.RiskScore })
            .ToListAsync(cancellationToken);
        var latest = scans.Where(s => s.Status == ScanStatuses.Completed).GroupBy(s => s.ServerId).ToDictionary(g => g.Key, g => g.OrderByDescending(s => s.FinishedAt).First());
        var latestIds = latest.Values.Select(s => s.Id).ToList();
        var results = await db.ScanResults.AsNoTracking().Where(r => latestIds.Contains(r.ScanId)).ToListAsync(cancellationToken);
        var byScan = results.GroupBy(r => r.ScanId).ToDictionary(g => g.Key, g => g.Select(ScanMapping.ToDto).ToList());
        var risk = new Dictionary<Guid, ServerRiskDto>();
        foreach (var id in ids)
        {
            var active = scans.Where(s => s.ServerId == id && !ScanStatuses.IsFinished(s.Status)).OrderByDescending(s => s.QueuedAt).Select(s => (Guid?)s.Id).FirstOrDefault();
            if (latest.TryGetValue(id, out var scan))
            {
                risk[id] = new ServerRiskDto(id, scan.RiskScore, ScanMapping.Worst(byScan.GetValueOrDefault(scan.Id) ?? []), scan.FinishedAt, active);
            }
            else
            {
                risk[id] = new ServerRiskDto(id, null, null, null, active);
            }
        }

        return risk;
    }

    public async Task<IReadOnlyList<CheckChangeDto>> GetChangesAsync(Guid scanId, CancellationToken cancellationToken)
    {
        var scan = await db.Scans.AsNoTracking().SingleOrDefaultAsync(s => s.Id == scanId, cancellationToken);
        if (scan is null || scan.Status != ScanStatuses.Completed)
        {
            return [];
        }

        var previous = await db.Scans.AsNoTracking()
            .Where(s => s.ServerId == scan.ServerId && s.Status == ScanStatuses.Completed && s.FinishedAt < scan.FinishedAt)
            .OrderByDescending(s => s.FinishedAt)
            .Select(s => (Guid?)s.Id)
            .FirstOrDefaultAsync(cancellationToken);
        return previous is null ? [] : ScanMapping.Changes(await ResultsAsync(previous.Value, cancellationToken), await ResultsAsync(scanId, cancellationToken));
    }

    private async Task<List<ScanResultDto>> ResultsAsync(Guid scanId, CancellationToken cancellationToken) =>
        (await db.ScanResults.AsNoTracking().Where(r => r.ScanId == scanId).OrderBy(r => r.Position).ToListAsync(cancellationToken)).Select(ScanMapping.ToDto).ToList();

    private Task<Guid?> ActiveScanAsync(Guid serverId, CancellationToken cancellationToken) =>
        db.Scans.AsNoTracking()
            .Where(s => s.ServerId == serverId && (s.Status == ScanStatuses.Queued || s.Status == ScanStatuses.Running))
            .Select(s => (Guid?)s.Id)
            .FirstOrDefaultAsync(cancellationToken);

    private async Task<IReadOnlyDictionary<CheckStatus, int>> CountsAsync(Guid scanId, CancellationToken cancellationToken)
    {
        var statuses = await db.ScanResults.AsNoTracking().Where(r => r.ScanId == scanId).Select(r => r.Status).ToListAsync(cancellationToken);
        return Counts(statuses.GroupBy(s => s).Select(g => (g.Key, g.Count())));
    }

    private static Dictionary<CheckStatus, int> Counts(IEnumerable<(string Status, int Count)> counts)
    {
        var result = Enum.GetValues<CheckStatus>().ToDictionary(s => s, _ => 0);
        foreach (var (status, count) in counts)
        {
            result[ScanMapping.ParseStatus(status)] += count;
        }

        return result;
    }

    private Scan NewScan(Guid serverId, string trigger, string? requestedBy) => new()
    {
        Id = Guid.CreateVersion7(),
        ServerId = serverId,
        Status = ScanStatuses.Queued,
        Trigger = trigger,
        RequestedBy = requestedBy,
        QueuedAt = clock.GetUtcNow().UtcDateTime,
    };

    private static AuditEvent StartedEvent(Scan scan) =>
        new(AuditActions.ScanStarted, "scan", scan.Id.ToString(), After: new { scan.Id, scan.ServerId, scan.Trigger }, Detail: $"Queued a {scan.Trigger} scan.");

    private async Task AnnounceAsync(Scan scan)
    {
        queue.Signal();
        await events.PublishAsync(new ScanQueuedEvent(scan.Id, scan.ServerId, scan.Trigger));
    }

    private static OperationResult<FleetScanAcceptedDto> Invalid(string field, string message) =>
        OperationResult<FleetScanAcceptedDto>.From(OperationResult.Invalid(new Dictionary<string, string[]> { [field] = [message] }));
}
