using System.Net.Http.Json;
using System.Text.Json;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.ChangeRequests;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Emission;

namespace BackscatterConsole.Server.Tests.Emission;

/// <summary>
/// <c>smtp.bounce-emission</c> in real scans: reports sent over the agents hub, the weak Postfix sample as the server's
/// settings (it accepts unknown recipients, has a catch-all, answers verification tempfails with 250 and leaves
/// soft_bounce on), thresholds from configuration.
/// </summary>
public sealed class BounceEmissionScanTests(AppFactory factory) : IClassFixture<AppFactory>
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Scan_EmissionAboveTheFailThreshold_FailsNamingThisScansCausesAndTheChangeRequestThatFixesThem()
    {
        using var api = factory.CreateApiClient();
        var (server, enrolled, _) = await RemediationSetup.ServerWithAgentAsync(api);
        await ReportAsync(enrolled, Report(enrolled.AgentId, toForeignPerHour: [6, 7], queued: 3, queueError: null));

        var scan = await ScanApi.WaitUntilFinishedAsync(api, await ScanApi.StartAsync(api, server.Id));

        var emission = Assert.Single(scan.Results, r => r.Id == "smtp.bounce-emission");
        Assert.Equal(CheckStatus.Fail, emission.Status);
        Assert.Equal(CheckSeverity.Critical, emission.Severity);
        Assert.Equal(CheckSources.Agent, emission.Source);
        Assert.Equal("The server is emitting backscatter", emission.Title);
        Assert.StartsWith("13 null-sender message(s) went to foreign domains in the last 24 h", emission.Summary, StringComparison.Ordinal);
        Assert.Contains("smtp.unknown-recipient (", emission.Summary, StringComparison.Ordinal);
        Assert.Contains("mta.bounce-hygiene (", emission.Summary, StringComparison.Ordinal);
        Assert.Contains("Propose a change request that fixes smtp.unknown-recipient", emission.Remediation, StringComparison.Ordinal);
        Assert.Contains($"/change-requests/new?server={server.Id}&checks=smtp.unknown-recipient", emission.Remediation, StringComparison.Ordinal);
        Assert.Contains(emission.Evidence, e => e == "sample queue ids: 4A1B2C3D4E");
        Assert.Contains(emission.Evidence, e => e.Contains("7 to foreign recipients", StringComparison.Ordinal));

        // The checklist and the risk score carry it.
        var checklist = await api.GetFromJsonAsync<ChecklistDto>($"/api/v1/servers/{server.Id}/checklist", Web);
        Assert.Equal(CheckStatus.Fail, Assert.Single(checklist!.Results, r => r.Id == "smtp.bounce-emission").Status);
        Assert.Equal(100, checklist.RiskScore);
    }

    [Fact]
    public async Task Causes_EmittingServer_NameTheFailingChecksWithTheChangeRequestThatFixesThem()
    {
        using var api = factory.CreateApiClient();
        var (server, enrolled, _) = await RemediationSetup.ServerWithAgentAsync(api);
        await ReportAsync(enrolled, Report(enrolled.AgentId, toForeignPerHour: [6, 7], queued: 3, queueError: null));
        var scan = await ScanApi.WaitUntilFinishedAsync(api, await ScanApi.StartAsync(api, server.Id));

        var causes = await api.GetFromJsonAsync<BounceEmissionCausesDto>($"/api/v1/servers/{server.Id}/bounce-emission/causes", Web);

        Assert.Equal(scan.Id, causes!.ScanId);
        Assert.Equal(13, causes.Emission);
        Assert.Empty(causes.AppliedChanges);
        var unknown = Assert.Single(causes.Causes, c => c.CheckId == "smtp.unknown-recipient");
        Assert.Equal(CheckStatus.Fail, unknown.Status);
        Assert.True(unknown.AgentCanFix);
        Assert.Null(unknown.ChangeRequest);
        Assert.Equal($"/change-requests/new?server={server.Id}&checks=smtp.unknown-recipient", unknown.FixPath);
        Assert.Equal("smtp.unknown-recipient", causes.Causes[0].CheckId);
        Assert.DoesNotContain(causes.Causes, c => c.CheckId.StartsWith("spf.", StringComparison.Ordinal));

        // Once a change request names the check, the cause links to it instead of a new one.
        var created = await api.PostAsJsonAsync("/api/v1/change-requests", new ChangeRequestInput
        {
            Title = "Stop the backscatter",
            Items = [new ChangeRequestItemInput { ServerId = server.Id, CheckIds = ["smtp.unknown-recipient"] }],
        }, Web);
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var request = await created.Content.ReadFromJsonAsync<ChangeRequestDto>(Web);
        causes = await api.GetFromJsonAsync<BounceEmissionCausesDto>($"/api/v1/servers/{server.Id}/bounce-emission/causes", Web);
        unknown = Assert.Single(causes!.Causes, c => c.CheckId == "smtp.unknown-recipient");
        Assert.Equal(request!.Id, unknown.ChangeRequest!.Id);
        Assert.Equal(ChangeRequestStates.Draft, unknown.ChangeRequest.State);
        Assert.Equal($"/change-requests/{request.Id}", unknown.FixPath);
    }

    [Fact]
    public async Task Causes_UnknownServer_IsProblem404()
    {
        using var api = factory.CreateApiClient();

        var response = await api.GetAsync($"/api/v1/servers/{Guid.NewGuid()}/bounce-emission/causes");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Scan_NoAgent_IsUnknownNeverPass()
    {
        using var api = factory.CreateApiClient();
        var server = await ScanApi.CreateServerAsync(api);

        var scan = await ScanApi.WaitUntilFinishedAsync(api, await ScanApi.StartAsync(api, server.Id));

        var emission = Assert.Single(scan.Results, r => r.Id == "smtp.bounce-emission");
        Assert.Equal(CheckStatus.Unknown, emission.Status);
        Assert.Contains("No agent is enrolled", emission.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_AgentCouldNotReadTheQueue_IsErrorWithTheReason()
    {
        using var api = factory.CreateApiClient();
        var (server, enrolled, _) = await RemediationSetup.ServerWithAgentAsync(api);
        await ReportAsync(enrolled, Report(enrolled.AgentId, toForeignPerHour: [0], queued: 0, queueError: "/usr/sbin/postqueue -j failed: postqueue: fatal: Queue report unavailable - mail system is down"));

        var scan = await ScanApi.WaitUntilFinishedAsync(api, await ScanApi.StartAsync(api, server.Id));

        var emission = Assert.Single(scan.Results, r => r.Id == "smtp.bounce-emission");
        Assert.Equal(CheckStatus.Error, emission.Status);
        Assert.Contains("mail system is down", emission.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_NothingEmitted_PassesStatingTheWindow()
    {
        using var api = factory.CreateApiClient();
        var (server, enrolled, _) = await RemediationSetup.ServerWithAgentAsync(api);
        await ReportAsync(enrolled, Report(enrolled.AgentId, toForeignPerHour: [0, 0, 0], queued: 0, queueError: null));

        var scan = await ScanApi.WaitUntilFinishedAsync(api, await ScanApi.StartAsync(api, server.Id));

        var emission = Assert.Single(scan.Results, r => r.Id == "smtp.bounce-emission");
        Assert.Equal(CheckStatus.Pass, emission.Status);
        Assert.Equal("No null-sender mail went to foreign domains in the last 24 h (log and queue).", emission.Summary);
        Assert.Contains(emission.Evidence, e => e.StartsWith("window: ", StringComparison.Ordinal) && e.EndsWith("hours reported: 3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Scan_ConfiguredThresholds_DecideBetweenWarnAndFail()
    {
        using var lenient = new AppFactory { Settings = { ["Emission:WarnThreshold"] = "2", ["Emission:FailThreshold"] = "20" } };
        using var api = lenient.CreateApiClient();
        var (server, enrolled, _) = await RemediationSetup.ServerWithAgentAsync(api);
        await using (var hub = await SignalRTestClient.ConnectAsync(lenient, enrolled.Credential, AgentHub.Path))
        {
            var completion = await hub.InvokeRawAsync(AgentHub.Server.ReportEmission, JsonSerializer.Serialize(new[] { Report(enrolled.AgentId, [6, 7], 0, null) }, Web));
            Assert.False(completion.TryGetProperty("error", out _), completion.ToString());
        }

        var scan = await ScanApi.WaitUntilFinishedAsync(api, await ScanApi.StartAsync(api, server.Id));

        var emission = Assert.Single(scan.Results, r => r.Id == "smtp.bounce-emission");
        Assert.Equal(CheckStatus.Warn, emission.Status);
        Assert.Contains("above the warning threshold of 2", emission.Summary, StringComparison.Ordinal);
    }

    private async Task ReportAsync(EnrollmentResponse enrolled, EmissionReport report)
    {
        await using var hub = await SignalRTestClient.ConnectAsync(factory, enrolled.Credential, AgentHub.Path);
        var completion = await hub.InvokeRawAsync(AgentHub.Server.ReportEmission, JsonSerializer.Serialize(new[] { report }, Web));
        Assert.False(completion.TryGetProperty("error", out var error), error.ToString());
    }

    private static EmissionReport Report(Guid agentId, int[] toForeignPerHour, int queued, string? queueError)
    {
        var now = DateTimeOffset.UtcNow;
        var current = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        var hours = toForeignPerHour
            .Select((count, i) => new EmissionHour(current.AddHours(i - toForeignPerHour.Length + 1), count, 0, 0, count, count, count > 0 ? [new DomainCount("victim.example.org", count)] : [], 0))
            .ToList();
        return new EmissionReport(
            agentId,
            now,
            ["example.com", "mx.example.com", "localhost"],
            queueError is null ? new QueueEmission(queued, queued, queued, queued > 0 ? 1200 : 0, queued > 0 ? [new DomainCount("victim.example.org", queued)] : [], queued > 0 ? ["4A1B2C3D4E"] : []) : null,
            queueError,
            hours,
            new LogScanState("/var/log/mail.log", 4096, 1, current.AddHours(-5), now),
            null);
    }
}
