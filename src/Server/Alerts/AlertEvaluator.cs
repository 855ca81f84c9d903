using BackscatterConsole.Server.Audit;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Emission;
using BackscatterConsole.Server.Fleet;
using BackscatterConsole.Server.Live;
using BackscatterConsole.Shared.Alerts;
using BackscatterConsole.Shared.Checks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Alerts;

/// <summary>
/// Opens and clears a server's alerts from its current state: emitting now (the dashboard's definition), listed in its
/// latest scan, risk risen by the step between its last two completed scans. An open alert is not raised again until it
/// cleared; raising and clearing are audited, a raise is published live and queued for the webhook.
/// </summary>
internal sealed class AlertEvaluator(
    AppDbContext db,
    AuditTrail audit,
    ILiveNotifier events,
    WebhookDispatcher webhook,
    IOptions<AlertOptions> options,
    IOptions<EmissionOptions> emission,
    TimeProvider clock)
{
    public async Task EvaluateAsync(Guid serverId, CancellationToken cancellationToken)
    {
        var server = await db.Servers.AsNoTracking().Where(s => s.Id == serverId).Select(s => new { s.Id, s.Name }).SingleOrDefaultAsync(cancellationToken);
        if (server is null)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var one = db.Servers.Where(s => s.Id == serverId);
        var emitting = await one.AnyAsync(FleetQueries.IsEmitting(db, now, emission.Value.Window), cancellationToken);
        var listed = await one.AnyAsync(FleetQueries.IsListed(db), cancellationToken);
        var lastTwo = await db.Scans.AsNoTracking()
            .Where(s => s.ServerId == serverId && s.Status == ScanStatuses.Completed && s.RiskScore != null)
            .OrderByDescending(s => s.FinishedAt).Take(2).Select(s => s.RiskScore!.Value).ToListAsync(cancellationToken);
        var open = await db.Alerts.Where(a => a.ServerId == serverId && a.ClearedAt == null).ToListAsync(cancellationToken);
        var step = options.Value.RiskStep;

        await ApplyAsync(server.Id, server.Name, AlertCauses.Emitting, emitting, open, "is emitting backscatter: null-sender mail to foreign domains within the last " + $"{emission.Value.Window.TotalHours:0} h.", null, cancellationToken);
        await ApplyAsync(server.Id, server.Name, AlertCauses.Listed, listed, open, "has an egress address on a blocklist (dnsbl.listing).", null, cancellationToken);

        var riskOpen = open.SingleOrDefault(a => a.Cause == AlertCauses.RiskRise);
        if (riskOpen is null && lastTwo.Count == 2 && lastTwo[0] - lastTwo[1] >= step)
        {
            await ApplyAsync(server.Id, server.Name, AlertCauses.RiskRise, true, open, $"risk rose from {lastTwo[1]} to {lastTwo[0]} (alert step {step}).", lastTwo[1], cancellationToken);
        }
        else if (riskOpen is not null && lastTwo.Count > 0 && lastTwo[0] < (riskOpen.BaselineRisk ?? 0) + step)
        {
            await ApplyAsync(server.Id, server.Name, AlertCauses.RiskRise, false, open, string.Empty, null, cancellationToken);
        }
    }

    private async Task ApplyAsync(Guid serverId, string serverName, string cause, bool active, List<AlertRecord> open, string what, int? baseline, CancellationToken cancellationToken)
    {
        var existing = open.SingleOrDefault(a => a.Cause == cause);
        var now = clock.GetUtcNow().UtcDateTime;
        if (active && existing is null)
        {
            var alert = new AlertRecord
            {
                Id = Guid.CreateVersion7(),
                ServerId = serverId,
                ServerName = serverName,
                Cause = cause,
                Summary = $"{serverName} {what}",
                BaselineRisk = baseline,
                RaisedAt = now,
                WebhookState = WebhookStates.Pending,
            };
            db.Alerts.Add(alert);
            await using (await audit.StageAsync(new AuditEvent("alert.raised", "server", serverId.ToString(), After: new { alert.Id, alert.Cause, alert.Summary }, Detail: alert.Summary, ActorName: "console"), cancellationToken))
            {
                try
                {
                    await db.SaveChangesAsync(cancellationToken);
                }
                catch (DbUpdateException)
                {
                    // Another evaluation opened the same alert first (the filtered unique index): it is not raised twice.
                    db.ChangeTracker.Clear();
                    return;
                }
            }

            await events.PublishAsync(new AlertRaisedEvent(alert.Id, serverId, serverName, cause, alert.Summary));
            webhook.Enqueue(alert.Id);
        }
        else if (!active && existing is not null)
        {
            existing.ClearedAt = now;
            await using (await audit.StageAsync(new AuditEvent("alert.cleared", "server", serverId.ToString(), After: new { existing.Id, existing.Cause }, Detail: $"{serverName}: {cause} cleared.", ActorName: "console"), cancellationToken))
            {
                await db.SaveChangesAsync(cancellationToken);
            }
        }
    }
}
