using System.Net;
using System.Net.Http.Json;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Server.Tests.EndToEnd;

/// <summary>
/// Disabled mailboxes with real parts only: a running Postfix, the console on Kestrel and the real agent process reading
/// the operator's table of disabled addresses with postmap. The probe shows the server still accepts the disabled
/// mailbox; after the operator's fix (a rejecting check_recipient_access table) a snapshot requested through the API
/// and a new scan show it refused, and Postfix queued nothing.
/// </summary>
public sealed class MailboxFactsEndToEndTests
{
    [Fact]
    public async Task DisabledMailboxStillAccepted_ProbeFails_AfterTheOperatorsFixAndARequestedSnapshot_BothPass()
    {
        await using var rig = await EndToEndRig.StartAsync("e2e-disabled", async postfix =>
        {
            await File.WriteAllTextAsync(Path.Combine(postfix.ConfigDirectory, "disabled_mailboxes"), "nobody@example.test disabled\n");
            return ["--Agent:Postfix:PostmapPath=/usr/sbin/postmap", "--Agent:Postfix:DisabledMailboxesTable=" + Table(postfix)];
        });
        var (app, server, postfix) = (rig.App, rig.Server, rig.Postfix);
        var table = Table(postfix);
        var tablePath = table["texthash:".Length..];

        var first = await LatestAsync(rig, s => s.Mailboxes is not null);
        Assert.Equal(table, first.Mailboxes!.Source);
        Assert.Equal("nobody@example.test", Assert.Single(first.Mailboxes.DisabledMailboxes).Mailbox);

        var before = await ScanApi.WaitUntilFinishedAsync(app.Api, await ScanApi.StartAsync(app.Api, server.Id), EndToEndRig.Wait);
        Assert.Equal(CheckStatus.Fail, Status(before, CheckSources.Probe));
        Assert.Equal(CheckStatus.Warn, Status(before, CheckSources.Settings));

        // The operator's fix, by hand as the remediation says: reject the entries and consult the table at RCPT time.
        await File.WriteAllTextAsync(tablePath, "nobody@example.test 550 5.2.1 Mailbox disabled\n");
        await EndToEndRig.RunAsync("/usr/sbin/postconf", "-c", postfix.ConfigDirectory, "-e", $"smtpd_recipient_restrictions=check_recipient_access {table}");
        await EndToEndRig.RunAsync("/usr/sbin/postfix", "-c", postfix.ConfigDirectory, "reload");

        Assert.Equal(HttpStatusCode.Accepted, (await app.Api.PostAsync($"/api/v1/servers/{server.Id}/agent/snapshot-requests", null)).StatusCode);
        var fresh = await LatestAsync(rig, s => s.Id != first.Id && s.Mailboxes?.DisabledMailboxes.SingleOrDefault()?.Status.StartsWith("550", StringComparison.Ordinal) == true);
        Assert.Contains(table, fresh.Values["smtpd_recipient_restrictions"][0], StringComparison.Ordinal);

        var after = await ScanApi.WaitUntilFinishedAsync(app.Api, await ScanApi.StartAsync(app.Api, server.Id), EndToEndRig.Wait);
        Assert.Equal(CheckStatus.Pass, Status(after, CheckSources.Settings));
        var probed = after.Results.Single(r => r.Id == "mta.disabled-mailbox" && r.Source == CheckSources.Probe);
        Assert.Equal(CheckStatus.Pass, probed.Status);
        Assert.Contains(probed.Evidence, e => e.Contains("550 5.2.1", StringComparison.Ordinal));
        Assert.Contains("Mail queue is empty", await EndToEndRig.RunAsync("/usr/sbin/postqueue", "-c", postfix.ConfigDirectory, "-p"), StringComparison.Ordinal);
    }

    private static string Table(Agent.Tests.Support.RunningPostfix postfix) => "texthash:" + Path.Combine(postfix.ConfigDirectory, "disabled_mailboxes");

    private static CheckStatus Status(ScanDto scan, string source) =>
        scan.Results.Single(r => r.Id == "mta.disabled-mailbox" && r.Source == source).Status;

    private static async Task<SettingsSnapshotDto> LatestAsync(EndToEndRig rig, Func<SettingsSnapshotDto, bool> condition)
    {
        SettingsSnapshotDto? latest = null;
        await rig.EventuallyAsync(
            async () =>
            {
                var response = await rig.App.Api.GetAsync($"/api/v1/servers/{rig.Server.Id}/settings-snapshots/latest");
                latest = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<SettingsSnapshotDto>() : null;
                return latest is not null && condition(latest);
            },
            "the agent reported the expected snapshot");
        return latest!;
    }
}
