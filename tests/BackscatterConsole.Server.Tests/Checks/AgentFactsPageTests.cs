using System.Net.Http.Json;
using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Settings;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Server.Tests.Checks;

/// <summary>The settings page shows what only an agent reports: mailbox facts (or that they were not collected) and Postfix's own defaults.</summary>
public sealed class AgentFactsPageTests(AppFactory factory) : IClassFixture<AppFactory>
{
    private readonly HttpClient _api = factory.CreateApiClient();

    [Fact]
    public async Task SettingsPage_AgentReportedFacts_ListsDisabledMailboxesAndQuota()
    {
        var server = await ScanApi.CreateServerAsync(_api, platform: "carbonio");
        var facts = new MailboxFacts(
            DateTimeOffset.UtcNow,
            "carbonio prov -l sa",
            [new DisabledMailboxInfo("gone@example.org", "closed", ["gone@example.org", "sales@example.org"])],
            Truncated: true,
            new QuotaUsage(12, 90, [new MailboxQuota("full@example.org", 1000, 1000)], false));
        await StoreAsync(server.Id, ZimbraConfigParser.ParseSnapshot("zimbraMtaSmtpdRejectUnlistedRecipient: yes\n", MtaPlatform.Carbonio, DateTimeOffset.UtcNow, SettingsSources.Agent).Value with { Mailboxes = facts });

        using var portal = await PortalSession.SignInAsync(factory, "admin", AppFactory.AdminPassword);
        var page = await portal.GetPageAsync($"/servers/{server.Id}/settings");

        var card = page.QuerySelector("[data-testid=mailbox-facts]")!;
        Assert.Contains("list cut at the agent's limit", card.TextContent, StringComparison.Ordinal);
        var row = page.QuerySelector("[data-testid=disabled-mailboxes] tbody tr")!;
        Assert.Contains("gone@example.org", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("closed", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("sales@example.org", row.TextContent, StringComparison.Ordinal);
        var quota = page.QuerySelector("[data-testid=quota-usage]")!;
        Assert.Contains("12 mailboxes have a quota", quota.TextContent, StringComparison.Ordinal);
        Assert.Contains("full@example.org", quota.TextContent, StringComparison.Ordinal);
        Assert.Contains("100%", quota.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SettingsPage_SnapshotWithoutFacts_SaysNotCollectedAndHowToGetThem()
    {
        var server = await ScanApi.CreateServerAsync(_api);
        await StoreAsync(server.Id, PostconfParser.ParseSnapshot("soft_bounce = no\n", null, DateTimeOffset.UtcNow).Value with { Source = SettingsSources.Agent });

        using var portal = await PortalSession.SignInAsync(factory, "admin", AppFactory.AdminPassword);
        var page = await portal.GetPageAsync($"/servers/{server.Id}/settings");

        var card = page.QuerySelector("[data-testid=mailbox-facts]")!;
        Assert.Contains("Not collected", card.TextContent, StringComparison.Ordinal);
        Assert.Contains("Agent:Postfix:DisabledMailboxesTable", card.TextContent, StringComparison.Ordinal);
        Assert.Null(page.QuerySelector("[data-testid=disabled-mailboxes]"));
    }

    [Fact]
    public async Task SettingsPage_PostfixDefaultsReportedByTheAgent_AreListedAndMarkedAsDefaults()
    {
        var server = await ScanApi.CreateServerAsync(_api);
        await StoreAsync(server.Id, PostconfParser.ParseSnapshot("soft_bounce = no\n", null, DateTimeOffset.UtcNow).Value with
        {
            Source = SettingsSources.Agent,
            ReportedDefaults = new Dictionary<string, string> { ["unverified_recipient_defer_code"] = "450" },
        });

        using var portal = await PortalSession.SignInAsync(factory, "admin", AppFactory.AdminPassword);
        var page = await portal.GetPageAsync($"/servers/{server.Id}/settings");
        var latest = await _api.GetFromJsonAsync<SettingsSnapshotDto>($"/api/v1/servers/{server.Id}/settings-snapshots/latest");

        var row = Assert.Single(page.QuerySelectorAll("[data-testid=reported-default]"));
        Assert.Contains("unverified_recipient_defer_code", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("default", row.TextContent, StringComparison.Ordinal);
        Assert.Equal("450", latest!.ReportedDefaults!["unverified_recipient_defer_code"]);
    }

    /// <summary>Stores a snapshot as the agents hub does when an agent reports one.</summary>
    private async Task StoreAsync(Guid serverId, SettingsSnapshot snapshot)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<ISettingsSnapshotService>().StoreFromAgentAsync(serverId, snapshot, "agent-test", CancellationToken.None);
        Assert.True(stored.Succeeded, stored.Message);
    }
}
