using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using BackscatterConsole.Server.Emission;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Emission;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Server.Tests.Emission;

/// <summary>
/// Emission reports sent over the real agents hub, stored one row per server and hour, and read back through the API,
/// the read service and the status hub.
/// </summary>
public sealed class BounceEmissionApiTests(AppFactory factory) : IClassFixture<AppFactory>
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task ReportEmission_TwoReportsOfTheSameHour_TheLaterReplacesTheCountsAndTheQueueState()
    {
        using var api = factory.CreateApiClient();
        var (server, enrolled, _) = await RemediationSetup.ServerWithAgentAsync(api);
        await using var hub = await SignalRTestClient.ConnectAsync(factory, enrolled.Credential, AgentHub.Path);
        var hour = HourAgo(1);

        await ReportAsync(hub, Report(enrolled.AgentId, DateTimeOffset.UtcNow.AddMinutes(-20), hour, toForeign: 3, queued: 2));
        await ReportAsync(hub, Report(enrolled.AgentId, DateTimeOffset.UtcNow.AddMinutes(-5), hour, toForeign: 5, queued: 4));

        var series = await api.GetFromJsonAsync<BounceEmissionSeriesDto>($"/api/v1/servers/{server.Id}/bounce-emission", Web);
        var stored = Assert.Single(series!.Hours);
        Assert.Equal(hour.UtcDateTime, stored.Start);
        Assert.Equal(5, stored.NotificationsToForeign);
        Assert.Equal(5, stored.NonDeliveryNotifications);
        Assert.Equal(7, stored.NotificationDeliveries);
        Assert.Equal([new DomainCount("victim.example.org", 5)], stored.RecipientDomains);
        Assert.Equal(5, series.Totals.NotificationsToForeign);
        Assert.Equal(4, series.Latest!.Queue!.NullSenderToForeign);
        Assert.Equal(["4A1B2C3D4E"], series.Latest.Queue.QueueIds);
        Assert.Equal(enrolled.AgentId, series.Latest.AgentId);
        Assert.Equal(["example.test"], series.Latest.LocalDomains);
    }

    [Fact]
    public async Task ReportEmission_ALateOlderReport_DoesNotUndoTheNewerTotals()
    {
        using var api = factory.CreateApiClient();
        var (server, enrolled, _) = await RemediationSetup.ServerWithAgentAsync(api);
        await using var hub = await SignalRTestClient.ConnectAsync(factory, enrolled.Credential, AgentHub.Path);
        var hour = HourAgo(2);

        await ReportAsync(hub, Report(enrolled.AgentId, DateTimeOffset.UtcNow.AddMinutes(-5), hour, toForeign: 9, queued: 1));
        await ReportAsync(hub, Report(enrolled.AgentId, DateTimeOffset.UtcNow.AddMinutes(-50), hour, toForeign: 2, queued: 7));

        var series = await api.GetFromJsonAsync<BounceEmissionSeriesDto>($"/api/v1/servers/{server.Id}/bounce-emission", Web);
        Assert.Equal(9, Assert.Single(series!.Hours).NotificationsToForeign);
        Assert.Equal(1, series.Latest!.Queue!.NullSenderToForeign);
    }

    [Fact]
    public async Task ReportEmission_AnAddressInPlaceOfADomain_IsRefusedAndNothingIsStored()
    {
        using var api = factory.CreateApiClient();
        var (server, enrolled, _) = await RemediationSetup.ServerWithAgentAsync(api);
        await using var hub = await SignalRTestClient.ConnectAsync(factory, enrolled.Credential, AgentHub.Path);
        var report = Report(enrolled.AgentId, DateTimeOffset.UtcNow, HourAgo(1), toForeign: 1, queued: 0);
        report = report with { Hours = [report.Hours[0] with { RecipientDomains = [new DomainCount("victim@victim.example.org", 1)] }] };

        var refused = await hub.InvokeRawAsync(AgentHub.Server.ReportEmission, JsonSerializer.Serialize(new[] { report }, Web));

        Assert.True(refused.TryGetProperty("error", out var error), refused.ToString());
        Assert.Contains("addresses never leave the server", error.GetString(), StringComparison.Ordinal);
        var series = await api.GetFromJsonAsync<BounceEmissionSeriesDto>($"/api/v1/servers/{server.Id}/bounce-emission", Web);
        Assert.Empty(series!.Hours);
        Assert.Null(series.Latest);
    }

    [Fact]
    public async Task ReportEmission_AnotherAgentsId_IsRefused()
    {
        using var api = factory.CreateApiClient();
        var (_, enrolled, _) = await RemediationSetup.ServerWithAgentAsync(api);
        await using var hub = await SignalRTestClient.ConnectAsync(factory, enrolled.Credential, AgentHub.Path);

        var refused = await hub.InvokeRawAsync(AgentHub.Server.ReportEmission, JsonSerializer.Serialize(new[] { Report(Guid.NewGuid(), DateTimeOffset.UtcNow, HourAgo(1), 1, 0) }, Web));

        Assert.True(refused.TryGetProperty("error", out _), refused.ToString());
    }

    [Fact]
    public async Task ReportEmission_StatusHubSubscriber_GetsBounceEmissionUpdated()
    {
        using var api = factory.CreateApiClient();
        var (server, enrolled, _) = await RemediationSetup.ServerWithAgentAsync(api);
        await using var watcher = await SignalRTestClient.ConnectAsync(factory, AppFactory.AdminToken);
        await watcher.InvokeAsync("SubscribeServer", server.Id);
        await using var hub = await SignalRTestClient.ConnectAsync(factory, enrolled.Credential, AgentHub.Path);

        await ReportAsync(hub, Report(enrolled.AgentId, DateTimeOffset.UtcNow, HourAgo(3), toForeign: 6, queued: 0));

        var update = await watcher.WaitForAsync("bounceEmissionUpdated", e => e.GetProperty("serverId").GetGuid() == server.Id, TimeSpan.FromSeconds(10));
        Assert.Equal(6, update.GetProperty("notificationsToForeignLast24Hours").GetInt32());
    }

    [Fact]
    public async Task GetBounceEmission_RangeAndUnknownServer_AnswerProblemDetails()
    {
        using var api = factory.CreateApiClient();
        var server = await ScanApi.CreateServerAsync(api);

        var missing = await api.GetAsync($"/api/v1/servers/{Guid.NewGuid()}/bounce-emission");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);

        var reversed = await api.GetAsync($"/api/v1/servers/{server.Id}/bounce-emission?from=2026-12-04T10:00:00Z&to=2026-12-04T09:00:00Z");
        Assert.Equal(HttpStatusCode.BadRequest, reversed.StatusCode);
        Assert.NotNull((await reversed.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["to"]);

        var tooLong = await api.GetAsync($"/api/v1/servers/{server.Id}/bounce-emission?from=2026-01-01T00:00:00Z&to=2026-12-04T00:00:00Z");
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.NotNull((await tooLong.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["from"]);

        var notADate = await api.GetAsync($"/api/v1/servers/{server.Id}/bounce-emission?from=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, notADate.StatusCode);
        Assert.Equal("application/problem+json", notADate.Content.Headers.ContentType!.MediaType);

        var empty = await api.GetFromJsonAsync<BounceEmissionSeriesDto>($"/api/v1/servers/{server.Id}/bounce-emission?from=2026-12-04T10:30:00Z&to=2026-12-04T12:00:00Z", Web);
        Assert.Equal(new DateTime(2026, 12, 4, 10, 0, 0, DateTimeKind.Utc), empty!.From);
        Assert.Empty(empty.Hours);
        Assert.Null(empty.Latest);
    }

    [Fact]
    public async Task ReadService_FleetAndEmittingServers_SumEveryServerAndTellReportingFromEmitting()
    {
        using var fleetFactory = new AppFactory();
        using var api = fleetFactory.CreateApiClient();
        var (emitting, emittingAgent, _) = await RemediationSetup.ServerWithAgentAsync(api);
        var (quiet, quietAgent, _) = await RemediationSetup.ServerWithAgentAsync(api);
        var hour = HourAgo(2);
        await using (var hub = await SignalRTestClient.ConnectAsync(fleetFactory, emittingAgent.Credential, AgentHub.Path))
        {
            await ReportAsync(hub, Report(emittingAgent.AgentId, DateTimeOffset.UtcNow, hour, toForeign: 4, queued: 6));
        }

        await using (var hub = await SignalRTestClient.ConnectAsync(fleetFactory, quietAgent.Credential, AgentHub.Path))
        {
            await ReportAsync(hub, Report(quietAgent.AgentId, DateTimeOffset.UtcNow, hour, toForeign: 0, queued: 0));
        }

        await using var scope = fleetFactory.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<IBounceEmissionService>();

        var now = Assert.Single(await service.ListEmittingAsync(TimeSpan.FromHours(24), CancellationToken.None));
        Assert.Equal(emitting.Id, now.ServerId);
        Assert.Equal((4, 6, 6), (now.NotificationsToForeign, now.QueuedToForeign, now.Emission));
        Assert.DoesNotContain(quiet.Id, (await service.ListEmittingAsync(TimeSpan.FromHours(24), CancellationToken.None)).Select(s => s.ServerId));

        var hourly = await service.GetFleetSeriesAsync(hour.UtcDateTime.AddHours(-1), hour.UtcDateTime.AddHours(2), EmissionGranularity.Hour, CancellationToken.None);
        Assert.Equal(3, hourly.Count);
        Assert.Equal(new FleetEmissionPointDto(hour.UtcDateTime, 4, 4, 2, 1), hourly[1]);
        Assert.Equal(0, hourly[0].ServersReporting);

        var daily = await service.GetFleetSeriesAsync(hour.UtcDateTime.AddDays(-1), hour.UtcDateTime.AddHours(1), EmissionGranularity.Day, CancellationToken.None);
        var day = Assert.Single(daily, d => d.Start == hour.UtcDateTime.Date);
        Assert.Equal((4, 2, 1), (day.NotificationsToForeign, day.ServersReporting, day.ServersEmitting));
    }

    [Fact]
    public async Task Retention_HoursOlderThanTheRetention_AreSweptAndNewerStay()
    {
        using var shortFactory = new AppFactory { Settings = { ["Emission:RetentionDays"] = "2" } };
        using var api = shortFactory.CreateApiClient();
        var (server, enrolled, _) = await RemediationSetup.ServerWithAgentAsync(api);
        await using (var hub = await SignalRTestClient.ConnectAsync(shortFactory, enrolled.Credential, AgentHub.Path))
        {
            var report = Report(enrolled.AgentId, DateTimeOffset.UtcNow, HourAgo(47), toForeign: 1, queued: 0);
            await ReportAsync(hub, report with { Hours = [report.Hours[0], report.Hours[0] with { Start = HourAgo(1) }] });
        }

        // The sweep runs at start-up and hourly; here it runs once with a clock a day ahead, so the older hour is past two days.
        var sweeper = new EmissionRetention(
            shortFactory.Services.GetRequiredService<IServiceScopeFactory>(),
            shortFactory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<EmissionOptions>>(),
            new AheadClock(TimeSpan.FromDays(1)),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<EmissionRetention>.Instance);
        Assert.Equal(1, await sweeper.SweepAsync(CancellationToken.None));
        var series = await api.GetFromJsonAsync<BounceEmissionSeriesDto>($"/api/v1/servers/{server.Id}/bounce-emission?from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-48).ToString("O"))}", Web);
        Assert.Equal(HourAgo(1).UtcDateTime, Assert.Single(series!.Hours).Start);
    }

    private sealed class AheadClock(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + ahead;
    }

    private static DateTimeOffset HourAgo(int hours)
    {
        var now = DateTimeOffset.UtcNow.AddHours(-hours);
        return new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
    }

    private static EmissionReport Report(Guid agentId, DateTimeOffset collectedAt, DateTimeOffset hour, int toForeign, int queued) => new(
        agentId,
        collectedAt,
        ["example.test"],
        new QueueEmission(queued + 1, queued, queued, queued > 0 ? 600 : 0, queued > 0 ? [new DomainCount("victim.example.org", queued)] : [], queued > 0 ? ["4A1B2C3D4E"] : []),
        null,
        [new EmissionHour(hour, toForeign, 0, 0, toForeign + 2, toForeign, toForeign > 0 ? [new DomainCount("victim.example.org", toForeign)] : [], 0)],
        new LogScanState("/var/log/mail.log", 1234, 1, hour, collectedAt),
        null);

    private static async Task ReportAsync(SignalRTestClient hub, EmissionReport report)
    {
        var completion = await hub.InvokeRawAsync(AgentHub.Server.ReportEmission, JsonSerializer.Serialize(new[] { report }, Web));
        Assert.False(completion.TryGetProperty("error", out var error), error.ToString());
    }
}
