using System.Diagnostics;
using System.Net.Http.Json;
using BackscatterConsole.Agent.Tests.Support;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Server.Tests.EndToEnd;

/// <summary>
/// The whole loop with real parts only: a running Postfix on loopback that accepts unknown recipients, the console on
/// Kestrel, and the real agent process. The scan says fail, an approved change request fixes it through the agent, postconf shows the new
/// value, the probe gets a 5xx and the checklist says pass; Postfix queued nothing on the way.
/// </summary>
public sealed class RemediationEndToEndTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task AcceptingPostfix_ScanFailsJobFixesItThroughTheAgent_VerificationScanPasses()
    {
        await using var postfix = await RunningPostfix.StartAsync();
        await using var app = KestrelApp.Start(new()
        {
            ["Probe:SinkAddress"] = "sink@probe.example.test",
            ["Probe:HeloName"] = "probe.example.test",
            ["Probe:GreetingTimeout"] = "00:00:30",
            ["Scans:ScheduleEnabled"] = "false",
        });
        var created = await app.Api.PostAsJsonAsync("/api/v1/servers", new
        {
            name = "e2e-postfix",
            hostname = "mx.example.test",
            platform = "postfix",
            smtpHost = "127.0.0.1",
            smtpPort = postfix.Port,
            probeEnabled = true,
            domains = new[] { new { name = "example.test" } },
            controlRecipient = "root@example.test",
        });
        created.EnsureSuccessStatusCode();
        var server = (await created.Content.ReadFromJsonAsync<ServerDto>())!;
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
        ]);

        // The agent enrolls, connects and reports the settings it collected.
        await EventuallyAsync(async () => (await app.Api.GetFromJsonAsync<AgentStatusDto>($"/api/v1/servers/{server.Id}/agent"))!.Status == AgentStatusDto.Online, "the agent is online", agent);
        await EventuallyAsync(async () => (await app.Api.GetAsync($"/api/v1/servers/{server.Id}/settings-snapshots/latest")).IsSuccessStatusCode, "the agent reported a snapshot", agent);
        var snapshot = await app.Api.GetFromJsonAsync<SettingsSnapshotDto>($"/api/v1/servers/{server.Id}/settings-snapshots/latest");
        Assert.Equal(SettingsSources.Agent, snapshot!.Source);

        // Before: the probe and the settings both say the server accepts unknown recipients.
        var before = await ScanApi.WaitUntilFinishedAsync(app.Api, await ScanApi.StartAsync(app.Api, server.Id), Wait);
        Assert.Equal(CheckStatus.Fail, Status(before, "smtp.unknown-recipient", CheckSources.Probe));
        Assert.Equal(CheckStatus.Fail, Status(before, "smtp.unknown-recipient", CheckSources.Settings));

        // The fix, planned by the console from the agent's snapshot, approved by a second person, applied by the agent.
        var job = await app.ApplyThroughChangeRequestAsync(server.Id, ["smtp.unknown-recipient"]);
        Assert.Empty(job.ManualSteps);
        JobDto? done = null;
        await EventuallyAsync(async () => (done = await app.Api.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{job.Id}"))!.VerificationScanId is not null || JobStates.Final.Contains(done.State) && done.State != JobStates.Succeeded, "the job finished and verification started", agent);
        Assert.Equal(JobStates.Succeeded, done!.State);
        Assert.Contains(done.Steps, s => s.Name == "reload" && s.State == JobStepState.Succeeded);

        // postconf shows the new values.
        Assert.Equal("yes", await PostconfAsync(postfix.ConfigDirectory, "smtpd_reject_unlisted_recipient"));
        Assert.NotEqual(string.Empty, await PostconfAsync(postfix.ConfigDirectory, "local_recipient_maps"));

        // After: the probe gets a 5xx, the checklist says pass, and nothing was queued.
        var after = await ScanApi.WaitUntilFinishedAsync(app.Api, done.VerificationScanId!.Value, Wait);
        Assert.Equal(ScanTriggers.JobVerification, after.Trigger);
        Assert.Equal(CheckStatus.Pass, Status(after, "smtp.unknown-recipient", CheckSources.Probe));
        Assert.Equal(CheckStatus.Pass, Status(after, "smtp.unknown-recipient", CheckSources.Settings));
        var checklist = await app.Api.GetFromJsonAsync<ChecklistDto>($"/api/v1/servers/{server.Id}/checklist");
        Assert.All(checklist!.Results.Where(r => r.Id == "smtp.unknown-recipient"), r => Assert.Equal(CheckStatus.Pass, r.Status));
        Assert.Contains("550", string.Join('\n', after.Results.Single(r => r.Id == "smtp.unknown-recipient" && r.Source == CheckSources.Probe).Evidence), StringComparison.Ordinal);
        Assert.Contains("Mail queue is empty", await RunAsync("/usr/sbin/postqueue", "-c", postfix.ConfigDirectory, "-p"), StringComparison.Ordinal);
    }

    private static CheckStatus Status(ScanDto scan, string id, string source) =>
        scan.Results.Where(r => r.Id == id && r.Source == source).Select(r => r.Status).DefaultIfEmpty(CheckStatus.Unknown).Max();

    private static async Task<string> PostconfAsync(string directory, string name) => (await RunAsync("/usr/sbin/postconf", "-c", directory, "-h", name)).Trim();

    private static async Task<string> RunAsync(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        output += await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what, AgentProcess agent)
    {
        using var timeout = new CancellationTokenSource(Wait);
        try
        {
            while (!await condition())
            {
                await Task.Delay(200, timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"Timed out waiting until {what}. Agent output:\n{agent.Output}");
        }
    }
}
