using BackscatterConsole.Server.Audit;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Alerts;
using BackscatterConsole.Shared.Common;
using Microsoft.EntityFrameworkCore;

namespace BackscatterConsole.Server.Alerts;

internal sealed class AlertService(AppDbContext db, AuditTrail audit, TimeProvider clock) : IAlertService
{
    public async Task<IReadOnlyList<AlertDto>> ListAsync(bool openOnly, int limit, CancellationToken cancellationToken)
    {
        var alerts = db.Alerts.AsNoTracking();
        if (openOnly)
        {
            alerts = alerts.Where(a => a.ClearedAt == null);
        }

        return await alerts.OrderByDescending(a => a.RaisedAt).Take(Math.Clamp(limit, 1, 500))
            .Select(a => new AlertDto(a.Id, a.ServerId, a.ServerName, a.Cause, a.Summary, a.RaisedAt, a.ClearedAt, a.WebhookState, a.WebhookAttempts, a.WebhookError))
            .ToListAsync(cancellationToken);
    }

    public async Task<WebhookSettingsDto> GetWebhookAsync(CancellationToken cancellationToken)
    {
        var hook = await db.AlertWebhooks.AsNoTracking().SingleOrDefaultAsync(w => w.Id == 1, cancellationToken);
        return hook is null ? new WebhookSettingsDto(null, false, false, null) : new WebhookSettingsDto(hook.Url, hook.Enabled, hook.Secret is not null, hook.UpdatedAt);
    }

    public async Task<OperationResult<WebhookSettingsDto>> UpdateWebhookAsync(WebhookSettingsInput input, CancellationToken cancellationToken)
    {
        var hook = await db.AlertWebhooks.SingleOrDefaultAsync(w => w.Id == 1, cancellationToken);
        var errors = new Dictionary<string, string[]>();
        var url = string.IsNullOrWhiteSpace(input.Url) ? null : input.Url.Trim();
        if (url is not null && (url.Length > 2000 || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            errors["url"] = ["The webhook URL must be an absolute http or https URL of at most 2000 characters."];
        }

        var secret = input.Secret ?? hook?.Secret;
        if (input.Secret is { } given && (given.Length is < 16 or > 200 || given.Any(char.IsControl)))
        {
            errors["secret"] = ["The secret must be 16 to 200 characters without control characters."];
        }

        if (input.Enabled && url is null)
        {
            errors["url"] = ["An enabled webhook needs a URL."];
        }
        else if (input.Enabled && secret is null)
        {
            errors["secret"] = ["An enabled webhook needs a secret to sign with."];
        }

        if (errors.Count > 0)
        {
            return OperationResult<WebhookSettingsDto>.From(OperationResult.Invalid(errors));
        }

        var before = hook is null ? null : new { hook.Url, hook.Enabled, HasSecret = hook.Secret is not null };
        if (hook is null)
        {
            hook = new AlertWebhookRecord { Id = 1 };
            db.AlertWebhooks.Add(hook);
        }

        hook.Url = url;
        hook.Secret = secret;
        hook.Enabled = input.Enabled;
        hook.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        var after = new { hook.Url, hook.Enabled, HasSecret = hook.Secret is not null, SecretChanged = input.Secret is not null };
        await using (await audit.StageAsync(new AuditEvent("alerts.webhook.updated", "alert-webhook", "1", before, after, $"Webhook {(hook.Enabled ? "on" : "off")}: {hook.Url ?? "no URL"}."), cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        return OperationResult<WebhookSettingsDto>.Ok(new WebhookSettingsDto(hook.Url, hook.Enabled, hook.Secret is not null, hook.UpdatedAt));
    }
}
