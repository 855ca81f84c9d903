using BackscatterConsole.Shared.Common;

namespace BackscatterConsole.Shared.Alerts;

/// <summary>Why an alert was raised; the strings are the API values.</summary>
public static class AlertCauses
{
    /// <summary>The server started sending null-sender mail to foreign domains.</summary>
    public const string Emitting = "emitting";

    /// <summary>An egress address of the server was newly found on a blocklist.</summary>
    public const string Listed = "listed";

    /// <summary>The server's risk score rose by at least <c>Alerts:RiskStep</c> from one completed scan to the next.</summary>
    public const string RiskRise = "risk-rise";
}

/// <summary>Webhook delivery states of an alert.</summary>
public static class WebhookStates
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";

    /// <summary>No webhook was configured (or it was off) when the alert was raised.</summary>
    public const string NotConfigured = "not-configured";
}

/// <summary>An alert: open until its cause clears; one open alert per server and cause.</summary>
/// <param name="Id">The alert.</param>
/// <param name="ServerId">The server.</param>
/// <param name="ServerName">Its name when the alert was raised.</param>
/// <param name="Cause">One of <see cref="AlertCauses"/>.</param>
/// <param name="Summary">One sentence for people.</param>
/// <param name="RaisedAt">When it was raised.</param>
/// <param name="ClearedAt">When its cause cleared; null while open.</param>
/// <param name="WebhookState">One of <see cref="WebhookStates"/>.</param>
/// <param name="WebhookAttempts">Delivery attempts made.</param>
/// <param name="WebhookError">The last delivery error.</param>
public sealed record AlertDto(Guid Id, Guid ServerId, string ServerName, string Cause, string Summary, DateTime RaisedAt, DateTime? ClearedAt, string WebhookState, int WebhookAttempts, string? WebhookError);

/// <summary>Published live when an alert is raised; every signed-in portal page with read access shows it.</summary>
public sealed record AlertRaisedEvent(Guid Id, Guid ServerId, string ServerName, string Cause, string Summary);

/// <summary>The console's webhook target. The secret is never returned.</summary>
/// <param name="Url">Where alerts are posted.</param>
/// <param name="Enabled">Whether alerts are posted.</param>
/// <param name="HasSecret">True when a signing secret is set.</param>
/// <param name="UpdatedAt">When it was last changed.</param>
public sealed record WebhookSettingsDto(string? Url, bool Enabled, bool HasSecret, DateTime? UpdatedAt);

/// <summary>Body of <c>PUT /api/v1/alerts/webhook</c>.</summary>
public sealed class WebhookSettingsInput
{
    /// <summary>An absolute http or https URL.</summary>
    public string? Url { get; set; }

    /// <summary>The HMAC-SHA256 key (at least 16 characters); null keeps the current one.</summary>
    public string? Secret { get; set; }

    /// <summary>Post alerts to the URL.</summary>
    public bool Enabled { get; set; }
}

/// <summary>Alerts and the webhook target.</summary>
public interface IAlertService
{
    /// <summary>The newest alerts first; <paramref name="openOnly"/> leaves out cleared ones.</summary>
    Task<IReadOnlyList<AlertDto>> ListAsync(bool openOnly, int limit, CancellationToken cancellationToken);

    Task<WebhookSettingsDto> GetWebhookAsync(CancellationToken cancellationToken);

    /// <summary>Replaces the webhook target (Admin); recorded in the audit trail without the secret.</summary>
    Task<OperationResult<WebhookSettingsDto>> UpdateWebhookAsync(WebhookSettingsInput input, CancellationToken cancellationToken);
}
