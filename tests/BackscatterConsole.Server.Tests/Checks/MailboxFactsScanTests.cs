using System.Net.Http.Json;
using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Domain.Tests.Fixtures;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Settings;
using Microsoft.AspNetCore.SignalR.Client;

namespace BackscatterConsole.Server.Tests.Checks;

/// <summary>
/// Mailbox facts from the agent through the hub, into the API and a scan whose extra probe session
/// tries the disabled mailbox's address on a real Debian Postfix.
/// </summary>
public sealed class MailboxFactsScanTests(PostfixInstanceFixture postfix) : IClassFixture<PostfixInstanceFixture>, IAsyncLifetime
{
    private KestrelApp _app = default!;

    public Task InitializeAsync()
    {
        _app = KestrelApp.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Scan_DisabledMailboxStillAccepted_SettingsWarnAndProbeFails_ApiShowsTheFacts()
    {
        var server = await ScanApi.CreateServerAsync(_app.Api, probe: true, port: postfix.RejectingPort, domains: [PostfixInstanceFixture.Domain], control: PostfixInstanceFixture.ControlRecipient);
        await ReportAsync(server.Id, "smtpd_reject_unlisted_recipient = yes\n", new DisabledMailboxInfo(PostfixInstanceFixture.DisabledRecipient, "disabled", [PostfixInstanceFixture.DisabledRecipient]));

        var latest = await _app.Api.GetFromJsonAsync<SettingsSnapshotDto>($"/api/v1/servers/{server.Id}/settings-snapshots/latest");
        var facts = Assert.IsType<MailboxFacts>(latest!.Mailboxes);
        Assert.Equal(postfix.DisabledMailboxesTable, facts.Source);
        Assert.Equal(PostfixInstanceFixture.DisabledRecipient, Assert.Single(facts.DisabledMailboxes).Mailbox);

        var scan = await ScanApi.WaitUntilFinishedAsync(_app.Api, await ScanApi.StartAsync(_app.Api, server.Id));

        Assert.Equal(CheckStatus.Warn, Result(scan, CheckSources.Settings).Status);
        var probed = Result(scan, CheckSources.Probe);
        Assert.Equal(CheckStatus.Fail, probed.Status);
        Assert.Contains(probed.Evidence, e => e.StartsWith($"RCPT TO:<{PostfixInstanceFixture.DisabledRecipient}>", StringComparison.Ordinal) && e.Contains("250", StringComparison.Ordinal));
        Assert.Contains("Mail queue is empty", await postfix.ListQueueAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_DisabledMailboxRefusedByCheckRecipientAccess_SettingsAndProbePass()
    {
        var server = await ScanApi.CreateServerAsync(_app.Api, probe: true, port: postfix.DisabledRefusingPort, domains: [PostfixInstanceFixture.Domain], control: PostfixInstanceFixture.ControlRecipient);
        await ReportAsync(
            server.Id,
            $"smtpd_recipient_restrictions = check_recipient_access {postfix.DisabledMailboxesTable}\n",
            new DisabledMailboxInfo(PostfixInstanceFixture.DisabledRecipient, "550 5.2.1 Mailbox disabled", [PostfixInstanceFixture.DisabledRecipient]));

        var scan = await ScanApi.WaitUntilFinishedAsync(_app.Api, await ScanApi.StartAsync(_app.Api, server.Id));

        Assert.Equal(CheckStatus.Pass, Result(scan, CheckSources.Settings).Status);
        var probed = Result(scan, CheckSources.Probe);
        Assert.Equal(CheckStatus.Pass, probed.Status);
        Assert.Contains(probed.Evidence, e => e.Contains("550 5.2.1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Scan_AgentSnapshotWithoutFacts_DisabledMailboxStaysUnknownAndNoExtraProbe()
    {
        var server = await ScanApi.CreateServerAsync(_app.Api, probe: true, port: postfix.RejectingPort, domains: [PostfixInstanceFixture.Domain], control: PostfixInstanceFixture.ControlRecipient);
        await ReportAsync(server.Id, "smtpd_reject_unlisted_recipient = yes\n");

        var scan = await ScanApi.WaitUntilFinishedAsync(_app.Api, await ScanApi.StartAsync(_app.Api, server.Id));

        Assert.Equal(CheckStatus.Unknown, Result(scan, CheckSources.Settings).Status);
        Assert.DoesNotContain(scan.Results, r => r.Id == MtaCheckCatalog.DisabledMailbox && r.Source == CheckSources.Probe);
    }

    /// <summary>Enrolls an agent and reports a Postfix snapshot over the real agents hub, as the agent would.</summary>
    private async Task ReportAsync(Guid serverId, string postconfN, params DisabledMailboxInfo[] disabled)
    {
        var enrolled = await _app.EnrollAsync(serverId);
        var snapshot = PostconfParser.ParseSnapshot(postconfN, null, DateTimeOffset.UtcNow).Value with
        {
            Source = SettingsSources.Agent,
            Mailboxes = disabled.Length == 0 ? null : new MailboxFacts(DateTimeOffset.UtcNow, postfix.DisabledMailboxesTable, disabled, false, null),
        };
        await using var hub = _app.AgentConnection(enrolled.Credential);
        await hub.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await hub.WaitForConnectedAsync(timeout.Token);
        await hub.Connection.InvokeAsync(AgentHub.Server.ReportSnapshot, new AgentSnapshotReport(enrolled.AgentId, snapshot, [], null), timeout.Token);
    }

    private static ScanResultDto Result(ScanDto scan, string source) =>
        Assert.Single(scan.Results, r => r.Id == MtaCheckCatalog.DisabledMailbox && r.Source == source);
}
