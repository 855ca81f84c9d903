using System.Net.Http.Json;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Server.Tests.EndToEnd;

/// <summary>
/// The whole loop with real parts only: a running Postfix on loopback that accepts unknown recipients, the console on
/// Kestrel, and the real agent process. The scan says fail, an approved change request fixes it through the agent, postconf shows the new
/// value, the probe gets a 5xx and the checklist says pass; Postfix queued nothing on the way.
/// </summary>
public sealed class RemediationEndToEndTests
{
    [Fact]
    public async Task AcceptingPostfix_ScanFailsJobFixesItThroughTheAgent_VerificationScanPasses()
    {
        await using var rig = await EndToEndRig.StartAsync("e2e-postfix");
        var (app, server, postfix) = (rig.App, rig.Server, rig.Postfix);

        // The agent enrolls, connects and reports the settings it collected.
        await rig.EventuallyAsync(async () => (await app.Api.GetFromJsonAsync<AgentStatusDto>($"/api/v1/servers/{server.Id}/agent"))!.Status == AgentStatusDto.Online, "the agent is online");
        await rig.EventuallyAsync(async () => (await app.Api.GetAsync($"/api/v1/servers/{server.Id}/settings-snapshots/latest")).IsSuccessStatusCode, "the agent reported a snapshot");
        var snapshot = await app.Api.GetFromJsonAsync<SettingsSnapshotDto>($"/api/v1/servers/{server.Id}/settings-snapshots/latest");
        Assert.Equal(SettingsSources.Agent, snapshot!.Source);

        // Before: the probe and the settings both say the server accepts unknown recipients.
        var before = await ScanApi.WaitUntilFinishedAsync(app.Api, await ScanApi.StartAsync(app.Api, server.Id), EndToEndRig.Wait);
        Assert.Equal(CheckStatus.Fail, Status(before, "smtp.unknown-recipient", CheckSources.Probe));
        Assert.Equal(CheckStatus.Fail, Status(before, "smtp.unknown-recipient", CheckSources.Settings));

        // The fix, planned by the console from the agent's snapshot, approved by a second person, applied by the agent.
        var job = await app.ApplyThroughChangeRequestAsync(server.Id, ["smtp.unknown-recipient"]);
        Assert.Empty(job.ManualSteps);
        JobDto? done = null;
        await rig.EventuallyAsync(async () => (done = await app.Api.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{job.Id}"))!.VerificationScanId is not null || JobStates.Final.Contains(done.State) && done.State != JobStates.Succeeded, "the job finished and verification started");
        Assert.Equal(JobStates.Succeeded, done!.State);
        Assert.Contains(done.Steps, s => s.Name == "reload" && s.State == JobStepState.Succeeded);

        // postconf shows the new values.
        Assert.Equal("yes", await PostconfAsync(postfix.ConfigDirectory, "smtpd_reject_unlisted_recipient"));
        Assert.NotEqual(string.Empty, await PostconfAsync(postfix.ConfigDirectory, "local_recipient_maps"));

        // After: the probe gets a 5xx, the checklist says pass, and nothing was queued.
        var after = await ScanApi.WaitUntilFinishedAsync(app.Api, done.VerificationScanId!.Value, EndToEndRig.Wait);
        Assert.Equal(ScanTriggers.JobVerification, after.Trigger);
        Assert.Equal(CheckStatus.Pass, Status(after, "smtp.unknown-recipient", CheckSources.Probe));
        Assert.Equal(CheckStatus.Pass, Status(after, "smtp.unknown-recipient", CheckSources.Settings));
        var checklist = await app.Api.GetFromJsonAsync<ChecklistDto>($"/api/v1/servers/{server.Id}/checklist");
        Assert.All(checklist!.Results.Where(r => r.Id == "smtp.unknown-recipient"), r => Assert.Equal(CheckStatus.Pass, r.Status));
        Assert.Contains("550", string.Join('\n', after.Results.Single(r => r.Id == "smtp.unknown-recipient" && r.Source == CheckSources.Probe).Evidence), StringComparison.Ordinal);
        Assert.Contains("Mail queue is empty", await EndToEndRig.RunAsync("/usr/sbin/postqueue", "-c", postfix.ConfigDirectory, "-p"), StringComparison.Ordinal);
    }

    private static CheckStatus Status(ScanDto scan, string id, string source) =>
        scan.Results.Where(r => r.Id == id && r.Source == source).Select(r => r.Status).DefaultIfEmpty(CheckStatus.Unknown).Max();

    private static async Task<string> PostconfAsync(string directory, string name) => (await EndToEndRig.RunAsync("/usr/sbin/postconf", "-c", directory, "-h", name)).Trim();
}
