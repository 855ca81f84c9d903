using System.Net.Http.Json;
using System.Text.Json;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Checks;

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
        Assert.Contains($"/servers/{server.Id}/agent", emission.Remediation, StringComparison.Ordinal);
        Assert.Contains(emission.Evidence, e => e == "sample queue ids: 4A1B2C3D4E");
        Assert.Contains(emission.Evidence, e => e.Contains("7 to foreign recipients", StringComparison.Ordinal));

        // The checklist and the risk score carry it.
        var checklist = await api.GetFromJsonAsync<ChecklistDto>($"/api/v1/servers/{server.Id}/checklist", Web);
        Assert.Equal(CheckStatus.Fail, Assert.Single(checklist!.Results, r => r.Id == "smtp.bounce-emission").Status);
        Assert.Equal(100, checklist.RiskScore);
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
