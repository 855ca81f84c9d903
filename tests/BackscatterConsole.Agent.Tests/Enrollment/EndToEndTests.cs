using BackscatterConsole.Agent.Tests.Support;
using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Domain.Smtp;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Checks;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BackscatterConsole.Agent.Tests.Enrollment;

/// <summary>
/// The agent against a running Postfix on loopback: the probe sees the backscatter fault, a dispatched job fixes it with
/// a real reload, the probe then gets a 5xx and the settings rules pass on the agent's next snapshot.
/// </summary>
public sealed class EndToEndTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _state = new();

    public void Dispose() => _state.Dispose();

    private static Task<SmtpProbeResult> ProbeAsync(int port) => new SmtpProbe().ProbeAsync(new SmtpProbeOptions
    {
        Host = "127.0.0.1",
        Port = port,
        HeloName = "probe.example.test",
        SinkAddress = "sink@probe.example.test",
        HostedDomains = ["example.test"],
        ControlRecipient = "root@example.test",
        ConnectTimeout = TimeSpan.FromSeconds(10),
        GreetingTimeout = TimeSpan.FromSeconds(30),
    });

    private static CheckStatus UnknownRecipient(SmtpProbeResult result) =>
        SmtpProbeVerdicts.Evaluate(result).Single(c => c.Id == SmtpProbeVerdicts.UnknownRecipientId).Status;

    private static async Task Eventually(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(Wait);
        try
        {
            while (!condition())
            {
                await Task.Delay(50, timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("Timed out waiting until " + what);
        }
    }

    [Fact]
    public async Task Job_RunningPostfixAcceptingUnknownRecipients_ReloadsAndProbeThenGets5xx()
    {
        await using var postfix = await RunningPostfix.StartAsync();
        var log = new ConsoleLog();
        await using var console = await FakeConsole.StartAsync(log);
        var before = await ProbeAsync(postfix.Port);
        Assert.Equal(CheckStatus.Fail, UnknownRecipient(before));

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Agent:ServerUrl"] = $"http://127.0.0.1:{console.Port}",
            ["Agent:EnrollmentToken"] = ConsoleLog.Token,
            ["Agent:StateDirectory"] = _state.Path,
            ["Agent:Connector"] = "postfix",
            ["Agent:Postfix:ConfigDirectory"] = postfix.ConfigDirectory,
            ["Agent:Postfix:PostconfPath"] = "/usr/sbin/postconf",
            ["Agent:Postfix:PostfixPath"] = "/usr/sbin/postfix",
        });
        builder.AddAgent();
        using var agent = builder.Build();
        await agent.StartAsync();
        await Eventually(() => !log.Snapshots.IsEmpty, "the agent reported its first snapshot");
        var failing = MtaRules.Evaluate(log.Snapshots.First().Snapshot!).Single(r => r.Check.Id == "smtp.unknown-recipient");
        Assert.Equal(CheckStatus.Fail, failing.Check.Status);

        var hub = console.Services.GetRequiredService<IHubContext<FakeAgentsHub>>();
        var job = new JobDispatch(Guid.NewGuid(), ConsoleLog.ServerId,
            [new SettingChange("smtpd_reject_unlisted_recipient", SettingOperation.Set, "yes"), new SettingChange("local_recipient_maps", SettingOperation.Set, "proxy:unix:passwd.byname $alias_maps")],
            false, DateTimeOffset.UtcNow.AddMinutes(5));
        await hub.Clients.All.SendAsync(AgentHub.Agent.DispatchJob, job);
        await Eventually(() => !log.Completions.IsEmpty, "the job completed");
        var snapshotsBefore = log.Snapshots.Count;
        await hub.Clients.All.SendAsync(AgentHub.Agent.RequestSnapshot);
        await Eventually(() => log.Snapshots.Count > snapshotsBefore, "the agent reported a snapshot on request");
        var after = await ProbeAsync(postfix.Port);
        await agent.StopAsync();

        Assert.Equal(AgentJobState.Succeeded, log.Completions.Single().State);
        var reload = log.Steps.Single(s => s.Name == "reload" && s.State != JobStepState.Running);
        Assert.Equal(JobStepState.Succeeded, reload.State);
        Assert.Contains($"postfix -c {postfix.ConfigDirectory} reload", reload.Output, StringComparison.Ordinal);
        Assert.Equal(CheckStatus.Pass, UnknownRecipient(after));
        Assert.Contains(after.Recipients, r => r.Kind == SmtpRecipientKind.RandomUnknown && r.Reply is { Code: 550 });
        Assert.Contains(after.Recipients, r => r.Kind == SmtpRecipientKind.Control && r.Reply is { Code: 250 });
        var passing = MtaRules.Evaluate(log.Snapshots.Last().Snapshot!).Single(r => r.Check.Id == "smtp.unknown-recipient");
        Assert.Equal(CheckStatus.Pass, passing.Check.Status);
    }
}
