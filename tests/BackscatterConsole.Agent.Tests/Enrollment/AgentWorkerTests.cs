using BackscatterConsole.Agent.Tests.Support;
using BackscatterConsole.Shared.Agents;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Agent.Tests.Enrollment;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AgentWorkerTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly PostfixInstance _postfix = new();
    private readonly TempDirectory _state = new();

    public void Dispose()
    {
        _postfix.Dispose();
        _state.Dispose();
    }

    private IHost Agent(int port, Dictionary<string, string?>? overrides = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        var settings = new Dictionary<string, string?>
        {
            ["Agent:ServerUrl"] = $"http://127.0.0.1:{port}",
            ["Agent:EnrollmentToken"] = ConsoleLog.Token,
            ["Agent:StateDirectory"] = _state.Path,
            ["Agent:Connector"] = "postfix",
            ["Agent:HeartbeatInterval"] = "00:00:01",
            ["Agent:Postfix:ConfigDirectory"] = _postfix.ConfigDirectory,
            ["Agent:Postfix:PostconfPath"] = "/usr/sbin/postconf",
            ["Agent:Postfix:PostfixPath"] = "/usr/sbin/postfix",
        };
        foreach (var (key, value) in overrides ?? [])
        {
            settings[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddAgent();
        return builder.Build();
    }

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
    public async Task Agent_EnrollsConnectsAndRunsDispatchedJob_ConsoleSeesHelloSnapshotStepsAndCompletion()
    {
        var log = new ConsoleLog();
        await using var console = await FakeConsole.StartAsync(log);
        using var agent = Agent(console.Port);

        await agent.StartAsync();
        await Eventually(() => !log.Hellos.IsEmpty && !log.Snapshots.IsEmpty, "the agent said hello and reported a snapshot");
        var snapshot = log.Snapshots.First().Snapshot!;
        Assert.Equal(["no"], snapshot.Values["smtpd_reject_unlisted_recipient"]);
        Assert.Equal(ConsoleLog.AgentId, log.Hellos.First().AgentId);
        Assert.Equal(AgentConnectorKind.Postfix, log.Hellos.First().Connector);

        var job = new JobDispatch(Guid.NewGuid(), ConsoleLog.ServerId, [new SettingChange("smtpd_reject_unlisted_recipient", SettingOperation.Set, "yes"), new SettingChange("local_recipient_maps", SettingOperation.Set, "proxy:unix:passwd.byname $alias_maps")], false, DateTimeOffset.UtcNow.AddMinutes(5));
        var hub = console.Services.GetRequiredService<IHubContext<FakeAgentsHub>>();
        await hub.Clients.Client(log.Connections.Single()).SendAsync(AgentHub.Agent.DispatchJob, job);

        await Eventually(() => !log.Completions.IsEmpty, "the agent reported the job's completion");
        var completion = log.Completions.Single();
        Assert.Equal(AgentJobState.Succeeded, completion.State);
        Assert.Equal("yes", _postfix.Postconf("smtpd_reject_unlisted_recipient"));
        Assert.Equal(["plan", "plan", "apply set smtpd_reject_unlisted_recipient", "apply set smtpd_reject_unlisted_recipient"], log.Steps.Take(4).Select(s => s.Name));
        Assert.Equal([JobStepState.Running, JobStepState.Succeeded], log.Steps.Take(2).Select(s => s.State));
        Assert.Contains(log.Steps, s => s.Name == "verify" && s.State == JobStepState.Succeeded);
        await Eventually(() => log.Heartbeats.Count >= 2, "heartbeats arrive every second");
        await agent.StopAsync();
        Assert.Equal(1, log.Enrollments);
    }

    [Fact]
    public async Task Agent_AfterTheSnapshot_ReportsTheEmissionItCountedInTheMailLog()
    {
        var log = new ConsoleLog();
        await using var console = await FakeConsole.StartAsync(log);
        var now = DateTime.Now;
        var stamp = now.ToString("MMM dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        var mailLog = _state.Combine("mail.log");
        await File.WriteAllTextAsync(mailLog, $"""
            {stamp} mx postfix/bounce[3]: 67900B24019: sender non-delivery notification: 86CF4B24056
            {stamp} mx postfix/error[4]: 86CF4B24056: to=<victim1@forged1.example.org>, relay=none, delay=0.1, delays=0/0/0/0.1, dsn=4.0.0, status=deferred (nothing leaves)

            """);
        using var agent = Agent(console.Port, new() { ["Agent:Emission:LogPath"] = mailLog });

        await agent.StartAsync();
        await Eventually(() => !log.Emissions.IsEmpty, "the agent reported its emission count");
        await agent.StopAsync();

        var report = log.Emissions.First();
        Assert.Equal(ConsoleLog.AgentId, report.AgentId);
        Assert.Null(report.LogError);
        Assert.Equal(1, report.Hours.Sum(h => h.NotificationsToForeign));
        Assert.Equal([new DomainCount("forged1.example.org", 1)], report.Hours.Single(h => h.NotificationsToForeign > 0).RecipientDomains);
        Assert.Contains("mx.example.test", report.LocalDomains);
        Assert.False(log.Snapshots.IsEmpty);
    }

    [Fact]
    public async Task Agent_RestartedAfterEnrollment_ReusesCredentialAndListsFinishedJobsInHello()
    {
        var log = new ConsoleLog();
        await using var console = await FakeConsole.StartAsync(log);
        using (var first = Agent(console.Port))
        {
            await first.StartAsync();
            await Eventually(() => !log.Hellos.IsEmpty, "the first run said hello");
            var job = new JobDispatch(Guid.NewGuid(), ConsoleLog.ServerId, [new SettingChange("soft_bounce", SettingOperation.Set, "no")], false, DateTimeOffset.UtcNow.AddMinutes(5));
            await console.Services.GetRequiredService<IHubContext<FakeAgentsHub>>().Clients.All.SendAsync(AgentHub.Agent.DispatchJob, job);
            await Eventually(() => !log.Completions.IsEmpty, "the job finished");
            await first.StopAsync();
        }

        using var second = Agent(console.Port);
        await second.StartAsync();
        await Eventually(() => log.Hellos.Count == 2, "the restarted agent said hello");
        await second.StopAsync();

        Assert.Equal(1, log.Enrollments);
        var hello = log.Hellos.Last();
        Assert.Equal(log.Completions.Single().JobId, Assert.Single(hello.OpenJobs).JobId);
        Assert.Equal(AgentJobState.Succeeded, hello.OpenJobs[0].State);
    }

    [Fact]
    public async Task Agent_ConsoleDropsItsConnections_KeepsRetryingAndReturnsWhenAllowed()
    {
        var log = new ConsoleLog();
        await using var console = await FakeConsole.StartAsync(log);
        using var agent = Agent(console.Port, new Dictionary<string, string?> { ["Agent:MaxReconnectDelay"] = "00:00:01" });
        await agent.StartAsync();
        await Eventually(() => log.Hellos.Count == 1, "the agent said hello");

        log.AbortConnections = true;
        foreach (var context in log.Contexts.Values)
        {
            context.Abort();
        }

        var attempts = Volatile.Read(ref log.ConnectAttempts);
        await Eventually(() => Volatile.Read(ref log.ConnectAttempts) >= attempts + 3, "the dropped agent kept retrying");
        Assert.Single(log.Hellos);

        log.AbortConnections = false;
        await Eventually(() => log.Hellos.Count == 2, "the agent came back once allowed again");
        await agent.StopAsync();
    }

    [Fact]
    public async Task RealAgent_CredentialRefusedWith401_ExitsWithCode3SayingWhyAndStopsConnecting()
    {
        var log = new ConsoleLog();
        await using var console = await FakeConsole.StartAsync(log);
        using var agent = new AgentProcess(
        [
            $"--Agent:ServerUrl=http://127.0.0.1:{console.Port}",
            $"--Agent:EnrollmentToken={ConsoleLog.Token}",
            $"--Agent:StateDirectory={_state.Path}",
            "--Agent:Connector=postfix",
            "--Agent:MaxReconnectDelay=00:00:01",
            $"--Agent:Postfix:ConfigDirectory={_postfix.ConfigDirectory}",
            "--Agent:Postfix:PostconfPath=/usr/sbin/postconf",
        ]);
        await Eventually(() => log.Hellos.Count == 1, "the agent said hello");

        // What the console does on revocation: drop the connection, and answer 401 from then on.
        log.RefuseCredential = true;
        foreach (var context in log.Contexts.Values)
        {
            context.Abort();
        }

        using (var timeout = new CancellationTokenSource(Wait))
        {
            await agent.WaitForExitAsync(timeout.Token);
        }

        Assert.Equal(3, agent.ExitCode);
        Assert.Contains("The console refused the credential of agent " + ConsoleLog.AgentId, agent.Output, StringComparison.Ordinal);
        Assert.Contains("delete credential.json in " + _state.Path, agent.Output, StringComparison.Ordinal);
        Assert.InRange(Volatile.Read(ref log.HubRequests), 2, 4);
    }

    [Fact]
    public async Task Agent_ConsoleRestartedMidJob_DeliversMissedStepsAndCompletionAfterReconnect()
    {
        var log = new ConsoleLog();
        var console = await FakeConsole.StartAsync(log);
        var port = console.Port;
        var slowPostfix = _state.Combine("postfix-slow-reload");
        await File.WriteAllTextAsync(slowPostfix, "#!/bin/sh\ncase \"$3\" in reload) sleep 3 ;; esac\nexit 0\n");
        File.SetUnixFileMode(slowPostfix, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var agent = Agent(port, new Dictionary<string, string?>
        {
            ["Agent:Postfix:PostfixPath"] = slowPostfix,
            ["Agent:StateDirectory"] = _state.Combine("state"),
            ["Agent:MaxReconnectDelay"] = "00:00:01",
        });
        await agent.StartAsync();
        await Eventually(() => !log.Hellos.IsEmpty, "the agent said hello");
        var job = new JobDispatch(Guid.NewGuid(), ConsoleLog.ServerId, [new SettingChange("smtpd_reject_unlisted_recipient", SettingOperation.Set, "yes")], false, DateTimeOffset.UtcNow.AddMinutes(5));
        await console.Services.GetRequiredService<IHubContext<FakeAgentsHub>>().Clients.All.SendAsync(AgentHub.Agent.DispatchJob, job);
        await Eventually(() => log.Steps.Any(s => s.Name == "reload" && s.State == JobStepState.Running), "the reload started");

        await console.DisposeAsync();
        await Task.Delay(TimeSpan.FromSeconds(4));
        await using var restarted = await FakeConsole.StartAsync(log, port);
        await Eventually(() => !log.Completions.IsEmpty, "the completion arrived after the console came back");
        await agent.StopAsync();

        Assert.Equal(AgentJobState.Succeeded, log.Completions.Single().State);
        Assert.Contains(log.Steps, s => s.Name == "reload" && s.State == JobStepState.Succeeded);
        Assert.Contains(log.Steps, s => s.Name == "verify" && s.State == JobStepState.Succeeded);
        var finals = log.Steps.Where(s => s.JobId == job.JobId && s.State != JobStepState.Running).Select(s => s.Sequence).ToArray();
        Assert.Equal(finals.Distinct().Count(), finals.Length);
        Assert.Equal("yes", _postfix.Postconf("smtpd_reject_unlisted_recipient"));
    }

    [Fact]
    public async Task Start_InvalidConfiguration_FailsNamingEveryBadKey()
    {
        using var agent = Agent(1, new Dictionary<string, string?>
        {
            ["Agent:ServerUrl"] = "console.example.org",
            ["Agent:Connector"] = "exim",
            ["Agent:StateDirectory"] = "relative/state",
        });

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => agent.StartAsync());

        Assert.Contains("Agent:ServerUrl must be an absolute http:// or https:// address", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Agent:Connector must be one of postfix, carbonio, zimbra, mailenable (got 'exim')", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Agent:StateDirectory must be an absolute path", exception.Message, StringComparison.Ordinal);
    }
}
