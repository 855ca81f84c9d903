using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BackscatterConsole.Domain.Tests.Smtp;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Common;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Server.Tests.Checks;

public class ScansApiTests(AppFactory factory) : IClassFixture<AppFactory>
{
    private readonly HttpClient _api = factory.CreateApiClient();

    [Fact]
    public async Task StartScan_ProbeAgainstRejectingMtaWithSnapshot_CompletesWithProbeAndSettingsResults()
    {
        await using var mta = ScriptedSmtpServer.Mta(rcpt => rcpt.EndsWith("@example.com", StringComparison.Ordinal) ? "554 5.7.1 Relay access denied" : "550 5.1.1 User unknown");
        var server = await ScanApi.CreateServerAsync(_api, probe: true, port: mta.Port);
        var upload = await _api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/settings-snapshots", new { text = ScanApi.Sample("postconf-n-weak.txt"), postconfP = ScanApi.Sample("postconf-P-weak.txt") });
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);

        var scanId = await ScanApi.StartAsync(_api, server.Id);
        var scan = await ScanApi.WaitUntilFinishedAsync(_api, scanId);

        Assert.Equal(ScanStatuses.Completed, scan.Status);
        Assert.Equal(100, scan.Progress);
        Assert.NotNull(scan.StartedAt);
        Assert.NotNull(scan.FinishedAt);
        Assert.Equal(ScanTriggers.Manual, scan.Trigger);
        var probe = Assert.Single(scan.Results, r => r.Id == "smtp.unknown-recipient" && r.Source == CheckSources.Probe);
        Assert.Equal(CheckStatus.Pass, probe.Status);
        Assert.Contains(probe.Evidence, e => e.Contains("550 5.1.1", StringComparison.Ordinal));
        Assert.Equal(CheckStatus.Pass, Assert.Single(scan.Results, r => r.Id == "smtp.open-relay").Status);
        Assert.Equal("Unknown recipients are rejected at RCPT", probe.Title);
        Assert.Equal("Relaying to foreign domains is refused", Assert.Single(scan.Results, r => r.Id == "smtp.open-relay").Title);

        // The weak sample empties local_recipient_maps: the settings rule fails the same check id, and both lines stay.
        var fromSettings = Assert.Single(scan.Results, r => r.Id == "smtp.unknown-recipient" && r.Source == CheckSources.Settings);
        Assert.Equal(CheckStatus.Fail, fromSettings.Status);
        Assert.Contains(fromSettings.Commands, c => c.StartsWith("postconf", StringComparison.Ordinal));
        Assert.Equal("Unknown recipients are accepted, then bounced", fromSettings.Title);
        Assert.DoesNotContain(mta.Received, l => l.StartsWith("DATA", StringComparison.OrdinalIgnoreCase));

        var checklist = (await _api.GetFromJsonAsync<ChecklistDto>($"/api/v1/servers/{server.Id}/checklist"))!;
        Assert.Equal(scanId, checklist.ScanId);
        Assert.InRange(checklist.RiskScore, 60, 100);
        Assert.Equal(scan.RiskScore, checklist.RiskScore);
        Assert.Contains(checklist.Families, f => f.Family == "smtp" && f.Worst == CheckStatus.Fail);
        Assert.Contains(checklist.Families, f => f.Family == "mta");
        Assert.NotNull(checklist.Worst);
        Assert.Empty(checklist.Changes);
    }

    [Fact]
    public async Task StartScan_TwiceWithChangedSnapshot_ChecklistReportsWhatChanged()
    {
        var server = await ScanApi.CreateServerAsync(_api);
        await _api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/settings-snapshots", new { text = ScanApi.Sample("postconf-n-weak.txt") });
        await ScanApi.WaitUntilFinishedAsync(_api, await ScanApi.StartAsync(_api, server.Id));
        await _api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/settings-snapshots", new { text = ScanApi.Sample("postconf-nf-hardened.txt"), postconfP = ScanApi.Sample("postconf-P-hardened.txt") });
        var second = await ScanApi.WaitUntilFinishedAsync(_api, await ScanApi.StartAsync(_api, server.Id));

        var checklist = (await _api.GetFromJsonAsync<ChecklistDto>($"/api/v1/servers/{server.Id}/checklist"))!;
        Assert.Equal(second.Id, checklist.ScanId);
        var change = Assert.Single(checklist.Changes, c => c.Id == "smtp.unknown-recipient");
        Assert.Equal(CheckStatus.Fail, change.Before);
        Assert.Equal(CheckStatus.Pass, change.After);

        var history = (await _api.GetFromJsonAsync<PagedResult<ScanSummaryDto>>($"/api/v1/servers/{server.Id}/scans?pageSize=1"))!;
        Assert.Equal(2, history.Total);
        Assert.Equal(second.Id, Assert.Single(history.Items).Id);
        Assert.True(history.Items[0].Counts[CheckStatus.Pass] > 0);
    }

    [Fact]
    public async Task StartScan_NoSnapshot_SettingsChecksAreUnknownNeverPass()
    {
        var server = await ScanApi.CreateServerAsync(_api, platform: "carbonio");
        var scan = await ScanApi.WaitUntilFinishedAsync(_api, await ScanApi.StartAsync(_api, server.Id));

        var settings = scan.Results.Where(r => r.Source == CheckSources.Settings).ToList();
        Assert.NotEmpty(settings);
        Assert.All(settings, r => Assert.Equal(CheckStatus.Unknown, r.Status));
        Assert.Contains(settings, r => r.Id == "mta.verify-defer-code");
    }

    [Fact]
    public async Task StartScan_ProbeConnectionRefused_CompletesWithProbeErrorsNeverPass()
    {
        int closedPort;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var server = await ScanApi.CreateServerAsync(_api, probe: true, port: closedPort);
        var scan = await ScanApi.WaitUntilFinishedAsync(_api, await ScanApi.StartAsync(_api, server.Id));

        Assert.Equal(ScanStatuses.Completed, scan.Status);
        var probe = scan.Results.Where(r => r.Source == CheckSources.Probe).ToList();
        Assert.Contains(probe, r => r.Id == "smtp.unknown-recipient" && r.Status == CheckStatus.Error && r.Summary.Contains("ConnectionRefused", StringComparison.Ordinal));
        Assert.DoesNotContain(probe, r => r.Status == CheckStatus.Pass);
        Assert.DoesNotContain("\"key\"", await _api.GetStringAsync($"/api/v1/scans/{scan.Id}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SnapshotScanAndCancel_AreWrittenToTheAuditTrailWithTheActor()
    {
        await using var silent = new ScriptedSmtpServer(async (_, ct) => await Task.Delay(Timeout.Infinite, ct));
        var server = await ScanApi.CreateServerAsync(_api, probe: true, port: silent.Port);
        await _api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/settings-snapshots", new { text = ScanApi.Sample("postconf-n-weak.txt") });
        var scanId = await ScanApi.StartAsync(_api, server.Id);
        await _api.PostAsync($"/api/v1/scans/{scanId}/cancel", null);
        await ScanApi.WaitUntilFinishedAsync(_api, scanId);

        var stored = await _api.GetFromJsonAsync<JsonElement>($"/api/v1/audit?action=settings.snapshot-stored&objectId={server.Id}");
        Assert.Equal("admin", Assert.Single(stored.GetProperty("items").EnumerateArray()).GetProperty("actorName").GetString());
        var started = await _api.GetFromJsonAsync<JsonElement>($"/api/v1/audit?action=scan.started&objectId={scanId}");
        Assert.Single(started.GetProperty("items").EnumerateArray());
        var cancelled = await _api.GetFromJsonAsync<JsonElement>($"/api/v1/audit?action=scan.cancelled&objectId={scanId}");
        Assert.Single(cancelled.GetProperty("items").EnumerateArray());
        Assert.True((await _api.GetFromJsonAsync<JsonElement>("/api/v1/audit/verify")).GetProperty("intact").GetBoolean());
    }

    [Fact]
    public async Task StartScan_UnknownServer_Returns404Problem()
    {
        var response = await _api.PostAsync($"/api/v1/servers/{Guid.NewGuid()}/scans", null);
        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task GetScan_UnknownId_Returns404Problem() =>
        await AssertProblemAsync(await _api.GetAsync($"/api/v1/scans/{Guid.NewGuid()}"), HttpStatusCode.NotFound);

    [Fact]
    public async Task ListScans_BadPaging_Returns400Problem() =>
        await AssertProblemAsync(await _api.GetAsync($"/api/v1/servers/{Guid.NewGuid()}/scans?page=0&pageSize=1000"), HttpStatusCode.BadRequest);

    [Fact]
    public async Task CancelScan_WhileProbeWaitsForSilentServer_EndsCancelledAndRejectsSecondStartMeanwhile()
    {
        await using var silent = new ScriptedSmtpServer(async (_, ct) => await Task.Delay(Timeout.Infinite, ct));
        var server = await ScanApi.CreateServerAsync(_api, probe: true, port: silent.Port);
        var scanId = await ScanApi.StartAsync(_api, server.Id);
        await ScanApi.WaitForAsync(_api, scanId, s => s.Status == ScanStatuses.Running && s.Results.Count > 0);

        await AssertProblemAsync(await _api.PostAsync($"/api/v1/servers/{server.Id}/scans", null), HttpStatusCode.Conflict);

        var cancel = await _api.PostAsync($"/api/v1/scans/{scanId}/cancel", null);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var scan = await ScanApi.WaitUntilFinishedAsync(_api, scanId, TimeSpan.FromSeconds(5));
        Assert.Equal(ScanStatuses.Cancelled, scan.Status);
        Assert.Contains("Cancelled", scan.Error, StringComparison.Ordinal);
        Assert.True(scan.Progress < 100);

        await AssertProblemAsync(await _api.PostAsync($"/api/v1/scans/{scanId}/cancel", null), HttpStatusCode.Conflict);
        await AssertProblemAsync(await _api.PostAsync($"/api/v1/scans/{Guid.NewGuid()}/cancel", null), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task StartFleetScan_ListedServers_QueuesOneScanEachAndAllComplete()
    {
        var first = await ScanApi.CreateServerAsync(_api);
        var second = await ScanApi.CreateServerAsync(_api, platform: "zimbra");
        var response = await _api.PostAsJsonAsync("/api/v1/scans", new { serverIds = new[] { first.Id, second.Id } });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<FleetScanAcceptedDto>())!;
        Assert.Equal(2, accepted.Ids.Count);
        foreach (var id in accepted.Ids)
        {
            var scan = await ScanApi.WaitUntilFinishedAsync(_api, id);
            Assert.Equal(ScanStatuses.Completed, scan.Status);
            Assert.Equal(ScanTriggers.Fleet, scan.Trigger);
        }

        Assert.Equal([first.Id, second.Id], (await Task.WhenAll(accepted.Ids.Select(id => _api.GetFromJsonAsync<ScanDto>($"/api/v1/scans/{id}")))).Select(s => s!.ServerId).Order());
    }

    [Fact]
    public async Task StartFleetScan_All_QueuesEveryServer()
    {
        await ScanApi.CreateServerAsync(_api);
        var response = await _api.PostAsJsonAsync("/api/v1/scans", new { all = true });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<FleetScanAcceptedDto>())!;
        var servers = (await _api.GetFromJsonAsync<PagedResult<JsonElement>>("/api/v1/servers?pageSize=200"))!;
        Assert.Equal(servers.Total, accepted.Ids.Count + accepted.AlreadyActive.Count);
        foreach (var id in accepted.Ids)
        {
            await ScanApi.WaitUntilFinishedAsync(_api, id);
        }
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"all\": true, \"serverIds\": [\"0196a3d4-0000-7000-8000-000000000000\"]}")]
    [InlineData("{\"serverIds\": [\"0196a3d4-0000-7000-8000-000000000000\"]}")]
    [InlineData("{\"serverIds\": \"not a list\"}")]
    public async Task StartFleetScan_BadBody_Returns400Problem(string body)
    {
        var response = await _api.PostAsync("/api/v1/scans", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task StartScan_AsViewer_Returns403AndViewerCanRead()
    {
        var server = await ScanApi.CreateServerAsync(_api);
        using var viewer = await factory.CreateUserAsync("Viewer");
        await AssertProblemAsync(await viewer.Api.PostAsync($"/api/v1/servers/{server.Id}/scans", null), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await viewer.Api.GetAsync($"/api/v1/servers/{server.Id}/checklist")).StatusCode);
    }

    [Fact]
    public async Task Hub_ApiClientSubscribedToServer_ReceivesQueuedProgressWithChecksAndCompleted()
    {
        var server = await ScanApi.CreateServerAsync(_api);
        await using var hub = await SignalRTestClient.ConnectAsync(factory, AppFactory.AdminToken);
        await hub.InvokeAsync("SubscribeServer", server.Id);

        var scanId = await ScanApi.StartAsync(_api, server.Id);
        var id = scanId.ToString();
        var queued = await hub.WaitForAsync("scanQueued", e => e.GetProperty("scanId").GetString() == id, TimeSpan.FromSeconds(10));
        Assert.Equal("manual", queued.GetProperty("trigger").GetString());
        var progress = await hub.WaitForAsync("scanProgress", e => e.GetProperty("scanId").GetString() == id && e.GetProperty("check").ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(10));
        Assert.Equal(server.Id.ToString(), progress.GetProperty("serverId").GetString());
        Assert.Equal("running", progress.GetProperty("status").GetString());
        Assert.Equal("settings", progress.GetProperty("check").GetProperty("source").GetString());
        Assert.Equal("unknown", progress.GetProperty("check").GetProperty("status").GetString());
        var completed = await hub.WaitForAsync("scanCompleted", e => e.GetProperty("scanId").GetString() == id, TimeSpan.FromSeconds(30));
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        Assert.Equal(100, completed.GetProperty("progress").GetInt32());
        Assert.True(completed.GetProperty("riskScore").GetInt32() > 0);
    }

    [Fact]
    public async Task Hub_FleetSubscriber_GetsQueuedAndCompletedButNoPerCheckProgress()
    {
        var server = await ScanApi.CreateServerAsync(_api);
        using var viewer = await factory.CreateUserAsync("Viewer");
        await using var hub = await SignalRTestClient.ConnectAsync(factory, viewer.Token);
        await hub.InvokeAsync("SubscribeFleet");

        var id = (await ScanApi.StartAsync(_api, server.Id)).ToString();
        await hub.WaitForAsync("scanQueued", e => e.GetProperty("scanId").GetString() == id, TimeSpan.FromSeconds(10));
        var completed = await hub.WaitForAsync("scanCompleted", e => e.GetProperty("scanId").GetString() == id, TimeSpan.FromSeconds(30));

        Assert.Equal("completed", completed.GetProperty("status").GetString());
        Assert.DoesNotContain(hub.Received.Concat(hub.Pending), m => m.TryGetProperty("target", out var target) && target.GetString() == "scanProgress");
    }

    [Fact]
    public async Task Hub_WithoutToken_IsRefused()
    {
        var exception = await Assert.ThrowsAnyAsync<Exception>(() => SignalRTestClient.ConnectAsync(factory, "bsc_wrong_token"));
        Assert.NotNull(exception);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task GetScan_ResultStoredWithAnOldTitle_ReadsWithTheCataloguesTitleForItsStatus()
    {
        var server = await ScanApi.CreateServerAsync(_api);
        var finished = await ScanApi.WaitUntilFinishedAsync(_api, await ScanApi.StartAsync(_api, server.Id));
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            // Titles once stated the goal; a stored result keeps the text it was saved with.
            var db = scope.ServiceProvider.GetRequiredService<BackscatterConsole.Server.Data.AppDbContext>();
            db.ScanResults.Add(new BackscatterConsole.Server.Data.ScanCheckResult
            {
                ScanId = finished.Id,
                Position = 999,
                CheckId = "smtp.open-relay",
                Source = CheckSources.Probe,
                Subject = "127.0.0.1:25",
                Status = "pass",
                Severity = "critical",
                Title = "The server does not relay for foreign domains",
                Summary = "Relay to a foreign domain was refused.",
                Explanation = "why",
                CheckedAt = DateTime.UtcNow,
            });
            await db.SaveChangesAsync();
        }

        var scan = (await _api.GetFromJsonAsync<ScanDto>($"/api/v1/scans/{finished.Id}"))!;

        Assert.Equal("Relaying to foreign domains is refused", Assert.Single(scan.Results, r => r.Id == "smtp.open-relay").Title);
    }
}
