using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Fleet;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Tests.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Server.Tests.Fleet;

/// <summary>The fleet summary and trends over seeded history, and the inventory views their links name.</summary>
public class FleetApiTests(AppFactory factory) : IClassFixture<AppFactory>
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task GetSummary_SeededFleet_CountsBandsEmittersListingsAndFindingsAndEachLinkListsExactlyThoseServers()
    {
        using var api = factory.CreateApiClient();
        var quiet = await CreateAsync(api, "quiet");
        var emitter = await CreateAsync(api, "emitter");
        var listed = await CreateAsync(api, "listed");
        await CreateAsync(api, "unscanned");
        var now = DateTime.UtcNow;
        await SeedAsync(async db =>
        {
            // An older scan of "quiet" failed the catch-all check; only the latest counts.
            await FleetHistory.AddScanAsync(db, quiet.Id, now.AddDays(-3), 70, false, ("mta.catch-all", "fail"));
            await FleetHistory.AddScanAsync(db, quiet.Id, now.AddHours(-2), 5, true, ("smtp.unknown-recipient", "pass"), ("spf.record", "warn"));
            await FleetHistory.AddScanAsync(db, emitter.Id, now.AddHours(-1), 85, true, ("smtp.unknown-recipient", "fail"), ("smtp.bounce-emission", "fail"), ("spf.record", "fail"));
            await FleetHistory.AddScanAsync(db, listed.Id, now.AddHours(-1), 45, true,
                (FleetCheckIds.DnsblListing, "fail"), (FleetCheckIds.DnsblListing, "fail"), (FleetCheckIds.DnsblListing, "pass"), ("spf.record", "warn"));
            await FleetHistory.AddEmissionHourAsync(db, emitter.Id, now.AddHours(-2), 40, 30);
            await FleetHistory.AddEmissionHourAsync(db, quiet.Id, now.AddHours(-2), 3, 0);
            await FleetHistory.AddEmissionHourAsync(db, emitter.Id, now.AddDays(-5), 12, 9);
        });

        var summary = (await api.GetFromJsonAsync<FleetSummaryDto>("/api/v1/fleet/summary", Web))!;

        Assert.Equal(4, summary.Servers);
        Assert.Equal([1, 0, 1, 0, 1, 1], summary.RiskDistribution.Select(b => b.Servers));
        Assert.Equal("unscanned", summary.RiskDistribution[^1].Band);
        Assert.Equal(1, summary.EmittingCount);
        var emitting = Assert.Single(summary.Emitting);
        Assert.Equal((emitter.Id, 30, 30), (emitting.ServerId, emitting.NotificationsToForeign, emitting.Emission));
        Assert.Equal(1, summary.ListedCount);
        var listing = Assert.Single(summary.Listed);
        Assert.Equal((listed.Id, 2), (listing.ServerId, listing.Listings));
        var spf = summary.FailingChecks[0];
        Assert.Equal(("spf.record", 1, 2), (spf.CheckId, spf.Failing, spf.Warning));
        Assert.DoesNotContain(summary.FailingChecks, c => c.CheckId == "mta.catch-all");
        Assert.Contains(summary.FailingChecks, c => c.CheckId == FleetCheckIds.DnsblListing && c.Failing == 1);

        Assert.Equal([emitter.Id], await ListAsync(api, summary.EmittingInventory));
        Assert.Equal([listed.Id], await ListAsync(api, summary.ListedInventory));
        Assert.Equal([emitter.Id], await ListAsync(api, summary.RiskDistribution[4].Inventory));
        Assert.Equal(new[] { quiet.Id, emitter.Id, listed.Id }.Order(), (await ListAsync(api, spf.Inventory)).Order());
        Assert.Equal(3, (await ListAsync(api, "servers?emitting=false")).Count);
    }

    [Fact]
    public async Task GetTrends_SeededHistory_OnePointPerDayWithTheDaysScansAndEmission()
    {
        using var api = factory.CreateApiClient();
        var server = await CreateAsync(api, "trend");
        var today = DateTime.UtcNow.Date;
        await SeedAsync(async db =>
        {
            await FleetHistory.AddScanAsync(db, server.Id, today.AddDays(-6).AddHours(3), 60, false);
            await FleetHistory.AddScanAsync(db, server.Id, today.AddDays(-6).AddHours(9), 40, false);
            await FleetHistory.AddEmissionHourAsync(db, server.Id, today.AddDays(-6).AddHours(4), 7, 5);
            await FleetHistory.AddEmissionHourAsync(db, server.Id, today.AddDays(-6).AddHours(5), 3, 1);
            await FleetHistory.AddScanAsync(db, server.Id, today.AddDays(-20), 99, false);
        });

        var trends = (await api.GetFromJsonAsync<FleetTrendsDto>("/api/v1/fleet/trends?days=7", Web))!;

        Assert.Equal(7, trends.Risk.Count);
        Assert.Equal(7, trends.Emission.Count);
        Assert.Equal(today.AddDays(-6), trends.From);
        var first = trends.Risk[0];
        Assert.True(first.AverageRisk >= 50 && first.HighestRisk >= 60, $"mean {first.AverageRisk}, highest {first.HighestRisk}");
        Assert.True(first.ServersScanned >= 1);
        Assert.True(trends.Emission[0].NotificationsToForeign >= 6);
        Assert.DoesNotContain(trends.Risk, p => p.HighestRisk == 99);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("91")]
    public async Task GetTrends_DaysOutOfRange_ProblemDetailsNamingDays(string days)
    {
        using var api = factory.CreateApiClient();

        var response = await api.GetAsync($"/api/v1/fleet/trends?days={days}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ValidationProblemDetails>();
        Assert.Contains("days", problem!.Errors.Keys);
    }

    [Fact]
    public async Task ListServers_CheckFilterWithSpaces_IsRefusedAsProblemDetails()
    {
        using var api = factory.CreateApiClient();

        var response = await api.GetAsync("/api/v1/servers?check=a%20b");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ValidationProblemDetails>();
        Assert.Contains("check", problem!.Errors.Keys);
    }

    private static async Task<ServerDto> CreateAsync(HttpClient api, string prefix)
    {
        var name = prefix + "-" + Guid.NewGuid().ToString("N")[..6];
        var response = await api.PostAsJsonAsync("/api/v1/servers", new { name, hostname = $"{name}.example.com", platform = "postfix" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ServerDto>(Web))!;
    }

    private async Task SeedAsync(Func<AppDbContext, Task> seed)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        await seed(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }

    /// <summary>The ids the inventory API lists for a portal inventory address (<c>servers?...</c>).</summary>
    private static async Task<List<Guid>> ListAsync(HttpClient api, string inventory)
    {
        var query = inventory.Contains('?') ? inventory[(inventory.IndexOf('?') + 1)..] + "&" : string.Empty;
        var page = await api.GetFromJsonAsync<PagedResult<ServerDto>>($"/api/v1/servers?{query}pageSize=200", Web);
        return page!.Items.Select(s => s.Id).ToList();
    }
}
