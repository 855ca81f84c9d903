using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using BackscatterConsole.Agent.Tests.Support;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Servers;
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
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task DisabledMailboxStillAccepted_ProbeFails_AfterTheOperatorsFixAndARequestedSnapshot_BothPass()
    {
        await using var postfix = await RunningPostfix.StartAsync();
        var tablePath = Path.Combine(postfix.ConfigDirectory, "disabled_mailboxes");
        var table = "texthash:" + tablePath;
        await File.WriteAllTextAsync(tablePath, "nobody@example.test disabled\n");
        await using var app = KestrelApp.Start(new()
        {
            ["Probe:SinkAddress"] = "sink@probe.example.test",
            ["Probe:HeloName"] = "probe.example.test",
            ["Scans:ScheduleEnabled"] = "false",
        });
        var server = (await (await app.Api.PostAsJsonAsync("/api/v1/servers", new
        {
            name = "e2e-disabled",
            hostname = "mx.example.test",
            platform = "postfix",
            smtpHost = "127.0.0.1",
            smtpPort = postfix.Port,
            probeEnabled = true,
            domains = new[] { new { name = "example.test" } },
            controlRecipient = "root@example.test",
        })).Content.ReadFromJsonAsync<ServerDto>())!;
        var enrollment = (await (await app.Api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/agent-enrollments", new { })).Content.ReadFromJsonAsync<AgentEnrollmentDto>())!;
        using var state = new TempDirectory();
        using var agent = new AgentProcess(
        [
            $"--Agent:ServerUrl={app.BaseAddress.ToString().TrimEnd('/')}",
            $"--Agent:EnrollmentToken={enrollment.Token}",
            $"--Agent:StateDirectory={state.Path}",
            "--Agent:Connector=postfix",
            $"--Agent:Postfix:ConfigDirectory={postfix.ConfigDirectory}",
            "--Agent:Postfix:PostconfPath=/usr/sbin/postconf",
            "--Agent:Postfix:PostfixPath=/usr/sbin/postfix",
            "--Agent:Postfix:PostmapPath=/usr/sbin/postmap",
            $"--Agent:Postfix:DisabledMailboxesTable={table}",
        ]);

        var first = await LatestAsync(app, server.Id, s => s.Mailboxes is not null, agent);
        Assert.Equal(table, first.Mailboxes!.Source);
        Assert.Equal("nobody@example.test", Assert.Single(first.Mailboxes.DisabledMailboxes).Mailbox);

        var before = await ScanApi.WaitUntilFinishedAsync(app.Api, await ScanApi.StartAsync(app.Api, server.Id), Wait);
        Assert.Equal(CheckStatus.Fail, Status(before, CheckSources.Probe));
        Assert.Equal(CheckStatus.Warn, Status(before, CheckSources.Settings));

        // The operator's fix, by hand as the remediation says: reject the entries and consult the table at RCPT time.
        await File.WriteAllTextAsync(tablePath, "nobody@example.test 550 5.2.1 Mailbox disabled\n");
        await RunAsync("/usr/sbin/postconf", "-c", postfix.ConfigDirectory, "-e", $"smtpd_recipient_restrictions=check_recipient_access {table}");
        await RunAsync("/usr/sbin/postfix", "-c", postfix.ConfigDirectory, "reload");

        Assert.Equal(HttpStatusCode.Accepted, (await app.Api.PostAsync($"/api/v1/servers/{server.Id}/agent/snapshot-requests", null)).StatusCode);
        var fresh = await LatestAsync(app, server.Id, s => s.Id != first.Id && s.Mailboxes?.DisabledMailboxes.SingleOrDefault()?.Status.StartsWith("550", StringComparison.Ordinal) == true, agent);
        Assert.Contains(table, fresh.Values["smtpd_recipient_restrictions"][0], StringComparison.Ordinal);

        var after = await ScanApi.WaitUntilFinishedAsync(app.Api, await ScanApi.StartAsync(app.Api, server.Id), Wait);
        Assert.Equal(CheckStatus.Pass, Status(after, CheckSources.Settings));
        var probed = after.Results.Single(r => r.Id == "mta.disabled-mailbox" && r.Source == CheckSources.Probe);
        Assert.Equal(CheckStatus.Pass, probed.Status);
        Assert.Contains(probed.Evidence, e => e.Contains("550 5.2.1", StringComparison.Ordinal));
        Assert.Contains("Mail queue is empty", await RunAsync("/usr/sbin/postqueue", "-c", postfix.ConfigDirectory, "-p"), StringComparison.Ordinal);
    }

    private static CheckStatus Status(ScanDto scan, string source) =>
        scan.Results.Single(r => r.Id == "mta.disabled-mailbox" && r.Source == source).Status;

    private static async Task<SettingsSnapshotDto> LatestAsync(KestrelApp app, Guid serverId, Func<SettingsSnapshotDto, bool> condition, AgentProcess agent)
    {
        using var timeout = new CancellationTokenSource(Wait);
        try
        {
            while (true)
            {
                var response = await app.Api.GetAsync($"/api/v1/servers/{serverId}/settings-snapshots/latest", timeout.Token);
                if (response.IsSuccessStatusCode && await response.Content.ReadFromJsonAsync<SettingsSnapshotDto>(timeout.Token) is { } snapshot && condition(snapshot))
                {
                    return snapshot;
                }

                await Task.Delay(200, timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"Timed out waiting for the agent's snapshot. Agent output:\n{agent.Output}");
            throw;
        }
    }

    private static async Task<string> RunAsync(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        output += await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {output}");
        return output;
    }
}
