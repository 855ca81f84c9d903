using System.Diagnostics;
using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Connectors;
using BackscatterConsole.Agent.Execution;
using BackscatterConsole.Agent.Jobs;
using BackscatterConsole.Agent.Tests.Support;
using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Agent.Tests.Jobs;

public sealed class ZimbraJobTests : IDisposable
{
    private static readonly Guid ServerId = Guid.NewGuid();

    private readonly FakeProv _prov = new(new Dictionary<string, string[]>
    {
        ["zimbraMtaRestriction"] = ["reject_non_fqdn_sender"],
        ["zimbraMtaEnableSmtpdPolicyd"] = ["FALSE"],
    });

    private readonly TempDirectory _state = new();
    private readonly List<JobStepEvent> _events = [];

    public void Dispose()
    {
        _prov.Dispose();
        _state.Dispose();
    }

    private JobRunner Runner() => new(
        new ZimbraConnector(AgentConnectorKind.Carbonio, new CarbonioConnectorOptions { Executable = _prov.Carbonio, RestartCommand = [_prov.Zmmtactl, "restart"] }, new ProcessRunner(), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(2)),
        new JobJournal(new StateDirectory(_state.Path)),
        TimeProvider.System);

    private static JobDispatch EnablePolicyd() => new(
        Guid.NewGuid(),
        ServerId,
        [
            new SettingChange("zimbraMtaEnableSmtpdPolicyd", SettingOperation.Set, "TRUE"),
            new SettingChange("zimbraMtaRestriction", SettingOperation.Add, "check_policy_service unix:private/policy"),
        ],
        false,
        DateTimeOffset.UtcNow.AddMinutes(5));

    private Task Record(JobStepEvent step, CancellationToken cancellationToken)
    {
        _events.Add(step);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task RunAsync_PolicydRemediation_SendsExactArgumentVectorsAndRestartsMta()
    {
        var completion = await Runner().RunAsync(EnablePolicyd(), ServerId, Record, CancellationToken.None);

        Assert.Equal(AgentJobState.Succeeded, completion.State);
        var changes = _prov.Calls.Where(c => c.Contains("mcf") || c[0] == "zmmtactl").ToArray();
        Assert.Equal(["carbonio", "prov", "mcf", "zimbraMtaEnableSmtpdPolicyd", "TRUE"], changes[0]);
        Assert.Equal(["carbonio", "prov", "mcf", "+zimbraMtaRestriction", "check_policy_service unix:private/policy"], changes[1]);
        Assert.Equal(["zmmtactl", "restart"], changes[2]);
        Assert.Equal(3, changes.Length);
        Assert.Equal(["reject_non_fqdn_sender", "check_policy_service unix:private/policy"], _prov.State["zimbraMtaRestriction"]);
    }

    [Fact]
    public async Task RunAsync_MtaRestartHangs_TimesOutAndRollsBack()
    {
        _prov.HangOnce("zmmtactl");
        var stopwatch = Stopwatch.StartNew();

        var completion = await Runner().RunAsync(EnablePolicyd(), ServerId, Record, CancellationToken.None);

        Assert.Equal(AgentJobState.RolledBack, completion.State);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"took {stopwatch.Elapsed}");
        var restart = _events.Single(e => e.Name == "restart MTA" && e.State != JobStepState.Running);
        Assert.Equal(JobStepState.Failed, restart.State);
        Assert.Contains("Timed out after 2 s", restart.Output, StringComparison.Ordinal);
        Assert.Equal(["FALSE"], _prov.State["zimbraMtaEnableSmtpdPolicyd"]);
        Assert.Equal(["reject_non_fqdn_sender"], _prov.State["zimbraMtaRestriction"]);
        Assert.Contains(["carbonio", "prov", "mcf", "zimbraMtaRestriction", "reject_non_fqdn_sender"], _prov.Calls);
        Assert.Equal(JobStepState.Succeeded, _events.Last(e => e.Name == "rollback restart MTA").State);
    }
}
