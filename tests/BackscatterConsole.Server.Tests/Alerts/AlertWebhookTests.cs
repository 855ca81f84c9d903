using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Live;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Alerts;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Fleet;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Tests.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Server.Tests.Alerts;

/// <summary>
/// Alerts end to end: a scan's outcome raises an alert, which is audited, listed and posted to a receiver on loopback that
/// checks the signature and answers 500 the first time; the same cause again raises nothing until it cleared.
/// </summary>
public sealed class AlertWebhookTests : IDisposable
{
    private const string Secret = "test-webhook-secret-0123456789";
    private readonly Receiver _receiver = new();
    private readonly AppFactory _factory = new() { Settings = { ["Alerts:RetryDelays:0"] = "00:00:00.200", ["Alerts:RetryDelays:1"] = "00:00:00.200", ["Alerts:RiskStep"] = "20" } };

    [Fact]
    public async Task NewListing_PostsOneSignedAlertRetryingAfter500_AndTheSameCauseIsNotRaisedAgainUntilItClears()
    {
        using var api = _factory.CreateApiClient();
        var configured = await api.PutAsJsonAsync("/api/v1/alerts/webhook", new { url = _receiver.Url, secret = Secret, enabled = true });
        configured.EnsureSuccessStatusCode();
        var settings = await configured.Content.ReadFromJsonAsync<WebhookSettingsDto>();
        Assert.True(settings!.HasSecret);
        Assert.DoesNotContain(Secret, await (await api.GetAsync("/api/v1/alerts/webhook")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        _receiver.FailNext = 1;
        var listed = await CreateAsync(api, "listed");
        var risky = await CreateAsync(api, "risky");

        await ScanAsync(listed.Id, 30, (FleetCheckIds.DnsblListing, "fail"));
        var first = await _receiver.WaitForAsync(2);

        Assert.Equal(HttpStatusCode.InternalServerError, first[0].Answered);
        Assert.Equal(HttpStatusCode.OK, first[1].Answered);
        Assert.All(first, r => Assert.True(r.SignatureValid, "the signature must verify"));
        using var body = JsonDocument.Parse(first[1].Body);
        Assert.Equal("alert.raised", body.RootElement.GetProperty("type").GetString());
        Assert.Equal(AlertCauses.Listed, body.RootElement.GetProperty("cause").GetString());
        Assert.Equal(listed.Id, body.RootElement.GetProperty("serverId").GetGuid());
        Assert.Equal(first[0].Delivery, first[1].Delivery);

        // Still listed on the next scan: no second alert. A risk rise on another server shows that deliveries go on.
        await ScanAsync(listed.Id, 30, (FleetCheckIds.DnsblListing, "fail"));
        await ScanAsync(risky.Id, 10);
        await ScanAsync(risky.Id, 45);
        var all = await _receiver.WaitForAsync(3);
        Assert.Equal(AlertCauses.RiskRise, JsonDocument.Parse(all[2].Body).RootElement.GetProperty("cause").GetString());
        Assert.Single(all, r => r.Answered == HttpStatusCode.OK && JsonDocument.Parse(r.Body).RootElement.GetProperty("serverId").GetGuid() == listed.Id);

        var alerts = (await api.GetFromJsonAsync<List<AlertDto>>("/api/v1/alerts?open=true"))!;
        var alert = Assert.Single(alerts, a => a.ServerId == listed.Id);
        Assert.Equal((WebhookStates.Delivered, 2), (alert.WebhookState, alert.WebhookAttempts));

        // Delisted, then listed again: a new alert (and, since its risk went from 5 to 30, a risk-rise alert too).
        await ScanAsync(listed.Id, 5, (FleetCheckIds.DnsblListing, "pass"));
        await ScanAsync(listed.Id, 30, (FleetCheckIds.DnsblListing, "fail"));
        var again = await _receiver.WaitForAsync(5);
        Assert.All(again.Skip(3), r => Assert.Equal(listed.Id, JsonDocument.Parse(r.Body).RootElement.GetProperty("serverId").GetGuid()));
        var history = (await api.GetFromJsonAsync<List<AlertDto>>("/api/v1/alerts"))!.Where(a => a.ServerId == listed.Id && a.Cause == AlertCauses.Listed).ToList();
        Assert.Equal(2, history.Count);
        Assert.Single(history, a => a.ClearedAt is not null);

        var audit = await api.GetFromJsonAsync<PagedResult<AuditEntryDto>>("/api/v1/audit?action=alert.raised&pageSize=50");
        Assert.Equal(4, audit!.Items.Count);
    }

    [Fact]
    public async Task UpdateWebhook_EnabledWithoutSecretOrWithABadUrl_ProblemDetails()
    {
        using var api = _factory.CreateApiClient();

        var response = await api.PutAsJsonAsync("/api/v1/alerts/webhook", new { url = "ftp://example.com/hook", enabled = true });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ValidationProblemDetails>();
        Assert.Contains("url", problem!.Errors.Keys);
    }

    public void Dispose()
    {
        _factory.Dispose();
        _receiver.Dispose();
    }

    private async Task ScanAsync(Guid serverId, int risk, params (string CheckId, string Status)[] results)
    {
        await using (var scope = _factory.Services.CreateAsyncScope())
        {
            await FleetHistory.AddScanAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(), serverId, DateTime.UtcNow, risk, true, results);
        }

        await _factory.Services.GetRequiredService<ILiveNotifier>().PublishAsync(new ScanCompletedEvent(Guid.NewGuid(), serverId, ScanStatuses.Completed, 100, risk, null, null));
    }

    private static async Task<ServerDto> CreateAsync(HttpClient api, string prefix)
    {
        var name = prefix + "-" + Guid.NewGuid().ToString("N")[..6];
        var response = await api.PostAsJsonAsync("/api/v1/servers", new { name, hostname = $"{name}.example.com", platform = "postfix" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ServerDto>())!;
    }

    private sealed record Received(string Body, bool SignatureValid, string? Delivery, HttpStatusCode Answered);

    /// <summary>A webhook receiver on loopback that verifies signatures as the README tells receivers to.</summary>
    private sealed class Receiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<Received> _received = new();
        private readonly Task _loop;

        public Receiver()
        {
            var port = KestrelApp.FreePort();
            Url = $"http://127.0.0.1:{port}/hook/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public string Url { get; }

        public int FailNext { get; set; }

        public async Task<List<Received>> WaitForAsync(int count)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (_received.Count < count && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            Assert.True(_received.Count >= count, $"expected {count} deliveries, got {_received.Count}");
            return [.. _received];
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                var timestamp = context.Request.Headers["X-Backscatter-Timestamp"] ?? string.Empty;
                var signature = context.Request.Headers["X-Backscatter-Signature"] ?? string.Empty;
                var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(timestamp + "." + body)));
                var valid = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature));
                var status = FailNext > 0 ? HttpStatusCode.InternalServerError : HttpStatusCode.OK;
                if (FailNext > 0)
                {
                    FailNext--;
                }

                _received.Enqueue(new Received(body, valid, context.Request.Headers["X-Backscatter-Delivery"], status));
                context.Response.StatusCode = (int)status;
                context.Response.Close();
            }
        }
    }
}
