using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Alerts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Alerts;

/// <summary>
/// Posts raised alerts to the console's webhook, one at a time, signed with HMAC-SHA256, retrying failures after each of
/// <see cref="AlertOptions.EffectiveRetryDelays"/>. Alerts still pending at start-up (a restart mid-retry) are sent again.
/// </summary>
internal sealed partial class WebhookDispatcher(IServiceScopeFactory scopes, IHttpClientFactory http, IOptions<AlertOptions> options, TimeProvider clock, ILogger<WebhookDispatcher> logger)
    : BackgroundService
{
    public const string HttpClientName = "alert-webhook";
    public const string SignatureHeader = "X-Backscatter-Signature";
    public const string TimestampHeader = "X-Backscatter-Timestamp";
    public const string DeliveryHeader = "X-Backscatter-Delivery";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Channel<Guid> _queue = Channel.CreateUnbounded<Guid>();

    public void Enqueue(Guid alertId) => _queue.Writer.TryWrite(alertId);

    /// <summary>The signature header value: <c>sha256=</c> and the hex HMAC-SHA256 of <c>{timestamp}.{body}</c> under the secret.</summary>
    public static string Sign(string secret, string timestamp, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "." + body)));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            foreach (var id in await db.Alerts.Where(a => a.WebhookState == WebhookStates.Pending).OrderBy(a => a.RaisedAt).Select(a => a.Id).ToListAsync(stoppingToken))
            {
                Enqueue(id);
            }
        }

        await foreach (var id in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await DeliverAsync(id, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogDeliveryFault(ex, id);
            }
        }
    }

    private async Task DeliverAsync(Guid alertId, CancellationToken cancellationToken)
    {
        AlertRecord? alert;
        AlertWebhookRecord? target;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            alert = await db.Alerts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == alertId, cancellationToken);
            target = await db.AlertWebhooks.AsNoTracking().SingleOrDefaultAsync(w => w.Id == 1, cancellationToken);
        }

        if (alert is null || alert.WebhookState != WebhookStates.Pending)
        {
            return;
        }

        if (target is not { Enabled: true, Url: { } url, Secret: { } secret })
        {
            await RecordAsync(alertId, WebhookStates.NotConfigured, 0, null);
            return;
        }

        var body = JsonSerializer.Serialize(new
        {
            type = "alert.raised",
            id = alert.Id,
            serverId = alert.ServerId,
            serverName = alert.ServerName,
            cause = alert.Cause,
            summary = alert.Summary,
            raisedAt = alert.RaisedAt,
        }, Json);
        var delays = options.Value.EffectiveRetryDelays;
        string? error = null;
        for (var attempt = 1; attempt <= delays.Count + 1; attempt++)
        {
            error = await PostAsync(url, secret, alert.Id, body, cancellationToken);
            if (error is null)
            {
                await RecordAsync(alertId, WebhookStates.Delivered, attempt, null);
                return;
            }

            await RecordAsync(alertId, WebhookStates.Pending, attempt, error);
            if (attempt <= delays.Count)
            {
                await Task.Delay(delays[attempt - 1], clock, cancellationToken);
            }
        }

        await RecordAsync(alertId, WebhookStates.Failed, delays.Count + 1, error);
    }

    /// <summary>One attempt; null when the receiver answered 2xx, otherwise why not.</summary>
    private async Task<string?> PostAsync(string url, string secret, Guid deliveryId, string body, CancellationToken cancellationToken)
    {
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(SignatureHeader, Sign(secret, timestamp, body));
        request.Headers.Add(DeliveryHeader, deliveryId.ToString());
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.WebhookTimeout);
        try
        {
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (HttpRequestException ex)
        {
            return ex.Message;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {options.Value.WebhookTimeout.TotalSeconds:0} s";
        }
    }

    private async Task RecordAsync(Guid alertId, string state, int attempts, string? error)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var clipped = error is { Length: > 1000 } ? error[..1000] : error;
        await db.Alerts.Where(a => a.Id == alertId).ExecuteUpdateAsync(
            u => u.SetProperty(a => a.WebhookState, state).SetProperty(a => a.WebhookAttempts, attempts).SetProperty(a => a.WebhookError, clipped), CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook delivery of alert {AlertId} failed unexpectedly")]
    private partial void LogDeliveryFault(Exception exception, Guid alertId);
}
