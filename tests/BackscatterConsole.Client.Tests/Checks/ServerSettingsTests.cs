using AngleSharp.Dom;
using BackscatterConsole.Client.Features.Checks;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Shared.Settings;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Components.Forms;

namespace BackscatterConsole.Client.Tests.Checks;

public sealed class ServerSettingsTests(ConsoleHost host) : PortalTest(host)
{
    [Fact]
    public async Task ServerSettings_Viewer_SeesTheLatestSnapshotButNoForm()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("view"));
        await Host.UploadSettingsAsync(server.Id, ScanSetup.WeakPostconf);
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<ServerSettings>(p => p.Add(x => x.Id, server.Id));

        cut.WaitForAssertion(() => Assert.Contains("soft_bounce", cut.Find("[data-testid=latest-snapshot]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=snapshot-form]"));
        Assert.Empty(cut.FindAll("[data-testid=save-snapshot]"));
    }

    [Fact]
    public async Task ServerSettings_NoSnapshotYet_SaysTheChecksStayUnknown()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("none"));
        await SignInAsync(Roles.Operator);

        var cut = RenderPage<ServerSettings>(p => p.Add(x => x.Id, server.Id));

        cut.WaitForAssertion(() => Assert.Contains("report unknown until one is stored", cut.Find("[data-testid=no-snapshot]").TextContent));
        Assert.NotNull(cut.Find("[data-testid=snapshot-form]"));
    }

    [Fact]
    public async Task ServerSettings_OperatorPastesPostconfWithAPrompt_StoresItAndListsTheIgnoredLine()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("paste"));
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<ServerSettings>(p => p.Add(x => x.Id, server.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=save-snapshot]")));

        TextArea(cut, "snapshot-text").Input(ScanSetup.WeakPostconf);
        TextArea(cut, "snapshot-postconf-p").Input("smtp/inet/smtpd_tls_security_level = may");
        await cut.Find("[data-testid=save-snapshot]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("root@mx:~# postconf -n", cut.Find("[data-testid=ignored-lines]").TextContent));
        Assert.Contains("local_recipient_maps", cut.Find("[data-testid=latest-snapshot]").TextContent);
        Assert.Contains("smtp/inet/smtpd_tls_security_level", cut.Find("[data-testid=latest-snapshot]").TextContent);
        Assert.Equal(SettingsSources.PostconfN, cut.Find("[data-testid=snapshot-source]").TextContent);
        Assert.Equal(string.Empty, TextArea(cut, "snapshot-text").TextContent);
        Providers.WaitForAssertion(() => Assert.Contains("Snapshot stored with", Providers.Markup));
    }

    [Fact]
    public async Task ServerSettings_GarbageForZimbra_ShowsTheErrorInlineKeepsTheTextAndStoresNothing()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("garbage"), MailPlatforms.Zimbra);
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<ServerSettings>(p => p.Add(x => x.Id, server.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=save-snapshot]")));

        TextArea(cut, "snapshot-text").Input("hello world\nno attributes here");
        await cut.Find("[data-testid=save-snapshot]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("zmprov gacf", TextArea(cut, "snapshot-text").Closest(".mud-input-control")!.TextContent));
        Assert.Equal("hello world\nno attributes here", TextArea(cut, "snapshot-text").TextContent);
        var latest = await Host.WithAsync<ISettingsSnapshotService, OperationResult<SettingsSnapshotDto>>(s => s.GetLatestAsync(server.Id, CancellationToken.None));
        Assert.Equal(OperationStatus.NotFound, latest.Status);
    }

    [Fact]
    public async Task ServerSettings_FileUploaded_FillsTheTextToStore()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("file"));
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<ServerSettings>(p => p.Add(x => x.Id, server.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=save-snapshot]")));

        cut.FindComponents<InputFile>()[0].UploadFiles(InputFileContent.CreateFromText(ScanSetup.FixedPostconf, "main-cf.txt"));

        cut.WaitForAssertion(() => Assert.Equal(ScanSetup.FixedPostconf, TextArea(cut, "snapshot-text").TextContent));
        await cut.Find("[data-testid=save-snapshot]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Contains("smtpd_reject_unlisted_recipient", cut.Find("[data-testid=latest-snapshot]").TextContent));
    }

    [Fact]
    public async Task ServerSettings_MailEnableOptions_AreStoredAsTheOptionsForm()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("me"), MailPlatforms.MailEnable);
        await SignInAsync(Roles.Operator);
        var cut = RenderPage<ServerSettings>(p => p.Add(x => x.Id, server.Id));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=save-snapshot]")));
        Assert.Empty(cut.FindAll("[data-testid=snapshot-text]"));

        TextArea(cut, "me-catch-alls").Input("example.com=postmaster@example.com");
        await cut.Find("[data-testid=save-snapshot]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal(SettingsSources.MailEnableForm, cut.Find("[data-testid=snapshot-source]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=mailbox-facts]"));
        var latest = await Host.WithAsync<ISettingsSnapshotService, OperationResult<SettingsSnapshotDto>>(s => s.GetLatestAsync(server.Id, CancellationToken.None));
        Assert.Contains(latest.Value!.Values, v => v.Value.Any(x => x.Contains("example.com=postmaster@example.com", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ServerSettings_PlatformWithoutRules_SaysSnapshotsDoNotApply()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("exch"), MailPlatforms.Exchange);
        await SignInAsync(Roles.Operator);

        var cut = RenderPage<ServerSettings>(p => p.Add(x => x.Id, server.Id));

        cut.WaitForAssertion(() => Assert.Contains("No settings rules for this platform", cut.Find("[data-testid=empty-state]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=save-snapshot]"));
    }

    [Fact]
    public async Task ServerSettings_AgentReportedFacts_ListsDisabledMailboxesAndQuota()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("facts"), MailPlatforms.Carbonio);
        var facts = new MailboxFacts(
            DateTimeOffset.UtcNow,
            "carbonio prov -l sa",
            [new DisabledMailboxInfo("gone@example.org", "closed", ["gone@example.org", "sales@example.org"])],
            Truncated: true,
            new QuotaUsage(12, 90, [new MailboxQuota("full@example.org", 1000, 1000)], false));
        await StoreFromAgentAsync(server.Id, ZimbraConfigParser.ParseSnapshot("zimbraMtaSmtpdRejectUnlistedRecipient: yes\n", MtaPlatform.Carbonio, DateTimeOffset.UtcNow, SettingsSources.Agent).Value! with { Mailboxes = facts });
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<ServerSettings>(p => p.Add(x => x.Id, server.Id));

        cut.WaitForAssertion(() => Assert.Contains("list cut at the agent's limit", cut.Find("[data-testid=mailbox-facts]").TextContent));
        var row = cut.Find("[data-testid=disabled-mailboxes] tbody tr");
        Assert.Contains("gone@example.org", row.TextContent);
        Assert.Contains("closed", row.TextContent);
        Assert.Contains("sales@example.org", row.TextContent);
        var quota = cut.Find("[data-testid=quota-usage]");
        Assert.Contains("12 mailboxes have a quota", quota.TextContent);
        Assert.Contains("full@example.org", quota.TextContent);
        Assert.Contains("100%", quota.TextContent);
    }

    [Fact]
    public async Task ServerSettings_SnapshotWithoutFacts_SaysNotCollectedAndHowToGetThem()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("nofacts"));
        await StoreFromAgentAsync(server.Id, PostconfParser.ParseSnapshot("soft_bounce = no\n", null, DateTimeOffset.UtcNow).Value! with { Source = SettingsSources.Agent });
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<ServerSettings>(p => p.Add(x => x.Id, server.Id));

        cut.WaitForAssertion(() => Assert.Contains("Not collected", cut.Find("[data-testid=mailbox-facts]").TextContent));
        Assert.Contains("Agent:Postfix:DisabledMailboxesTable", cut.Find("[data-testid=mailbox-facts]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=disabled-mailboxes]"));
    }

    [Fact]
    public async Task ServerSettings_PostfixDefaultsReportedByTheAgent_AreListedAndMarkedAsDefaults()
    {
        var server = await Host.AddSettingsOnlyServerAsync(Unique("defaults"));
        await StoreFromAgentAsync(server.Id, PostconfParser.ParseSnapshot("soft_bounce = no\n", null, DateTimeOffset.UtcNow).Value! with
        {
            Source = SettingsSources.Agent,
            ReportedDefaults = new Dictionary<string, string> { ["unverified_recipient_defer_code"] = "450" },
        });
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<ServerSettings>(p => p.Add(x => x.Id, server.Id));

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=reported-default]")));
        var row = cut.Find("[data-testid=reported-default]");
        Assert.Contains("unverified_recipient_defer_code", row.TextContent);
        Assert.Contains("default", row.TextContent);
        Assert.Contains("450", row.TextContent);
    }

    [Fact]
    public async Task ServerSettings_UnknownServer_SaysNotFound()
    {
        await SignInAsync(Roles.Viewer);

        var cut = RenderPage<ServerSettings>(p => p.Add(x => x.Id, Guid.NewGuid()));

        cut.WaitForAssertion(() => Assert.Contains("No server has this id", cut.Find("[data-testid=empty-state]").TextContent));
    }

    private static IElement TextArea(IRenderedComponent<ServerSettings> cut, string testId) =>
        cut.Find($"textarea[data-testid={testId}], [data-testid={testId}] textarea");

    /// <summary>Stores a snapshot as the agents hub does when an agent reports one.</summary>
    private Task StoreFromAgentAsync(Guid serverId, SettingsSnapshot snapshot) =>
        Host.WithAsync<ISettingsSnapshotService, bool>(async snapshots =>
        {
            var stored = await snapshots.StoreFromAgentAsync(serverId, snapshot, "agent-test", CancellationToken.None);
            return stored.Succeeded ? true : throw new InvalidOperationException(stored.Describe());
        });

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..6];
}
