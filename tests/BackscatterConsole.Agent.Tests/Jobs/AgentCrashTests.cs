using BackscatterConsole.Agent.Tests.Support;
using BackscatterConsole.Shared.Agents;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Agent.Tests.Jobs;

/// <summary>The agent process is killed with SIGKILL in the middle of a job and started again on the same state directory.</summary>
public sealed class AgentCrashTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private readonly PostfixInstance _postfix = new();
    private readonly TempDirectory _work = new();

    public void Dispose()
    {
        _postfix.Dispose();
        _work.Dispose();
    }

    /// <summary>A stand-in for postfix(1): reports "running", and hangs in reload while the marker file exists.</summary>
    private string PostfixStandIn()
    {
        var path = _work.Combine("postfix");
        File.WriteAllText(path, $"""
            #!/bin/sh
            case "$3" in
              status) exit 0 ;;
              reload)
                if [ -e {_work.Combine("hang-reload")} ]; then
                  echo $$ > {_work.Combine("reload.pid")}
                  exec sleep 300
                fi
                exit 0 ;;
              *) exit 0 ;;
            esac

            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    private string[] Arguments(int port, string postfix) =>
    [
        $"--Agent:ServerUrl=http://127.0.0.1:{port}",
        $"--Agent:EnrollmentToken={ConsoleLog.Token}",
        $"--Agent:StateDirectory={_work.Combine("state")}",
        "--Agent:Connector=postfix",
        $"--Agent:Postfix:ConfigDirectory={_postfix.ConfigDirectory}",
        "--Agent:Postfix:PostconfPath=/usr/sbin/postconf",
        $"--Agent:Postfix:PostfixPath={postfix}",
        "--Agent:MaxReconnectDelay=00:00:02",
    ];

    private static async Task Eventually(Func<bool> condition, string what, AgentProcess agent)
    {
        using var timeout = new CancellationTokenSource(Wait);
        try
        {
            while (!condition())
            {
                await Task.Delay(100, timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"Timed out waiting until {what}. Agent output:\n{agent.Output}");
        }
    }

    [Fact]
    public async Task AgentKilledDuringReload_RestartRollsBackOnceAndReportsRolledBack()
    {
        var log = new ConsoleLog();
        await using var console = await FakeConsole.StartAsync(log);
        var hub = console.Services.GetRequiredService<IHubContext<FakeAgentsHub>>();
        var postfix = PostfixStandIn();
        await File.WriteAllTextAsync(_work.Combine("hang-reload"), string.Empty);
        var job = new JobDispatch(Guid.NewGuid(), ConsoleLog.ServerId,
            [new SettingChange("smtpd_reject_unlisted_recipient", SettingOperation.Set, "yes"), new SettingChange("local_recipient_maps", SettingOperation.Set, "proxy:unix:passwd.byname $alias_maps")],
            false, DateTimeOffset.UtcNow.AddMinutes(10));

        using (var first = new AgentProcess(Arguments(console.Port, postfix)))
        {
            await Eventually(() => !log.Hellos.IsEmpty, "the agent connected", first);
            await hub.Clients.All.SendAsync(AgentHub.Agent.DispatchJob, job);
            await Eventually(() => log.Steps.Any(s => s.Name == "reload" && s.State == JobStepState.Running) && File.Exists(_work.Combine("reload.pid")), "the reload step started", first);
            first.KillHard();
        }

        // The hung reload outlived the agent; end it, and let the next reload work.
        var hungPid = int.Parse((await File.ReadAllTextAsync(_work.Combine("reload.pid"))).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        System.Diagnostics.Process.GetProcessById(hungPid).Kill();
        File.Delete(_work.Combine("hang-reload"));
        Assert.Equal("yes", _postfix.Postconf("smtpd_reject_unlisted_recipient"));
        Assert.Empty(log.Completions);

        using var second = new AgentProcess(Arguments(console.Port, postfix));
        await Eventually(() => log.Hellos.Count == 2, "the restarted agent said hello", second);
        var reconciled = Assert.Single(log.Hellos.Last().OpenJobs);
        Assert.Equal(job.JobId, reconciled.JobId);
        Assert.Equal(AgentJobState.RolledBack, reconciled.State);
        Assert.Contains("stopped during activating", reconciled.Error, StringComparison.Ordinal);
        Assert.Equal("no", _postfix.Postconf("smtpd_reject_unlisted_recipient"));
        Assert.Equal(string.Empty, _postfix.Postconf("local_recipient_maps"));

        // The rollback ran before the agent connected; its steps follow the hello.
        await Eventually(() => log.Steps.Any(s => s.Name == "verify rollback" && s.State == JobStepState.Succeeded), "the rollback steps arrived", second);

        // The console, not knowing, dispatches the job again: it is reported, never re-applied.
        var stepsBefore = log.Steps.Count;
        await hub.Clients.All.SendAsync(AgentHub.Agent.DispatchJob, job);
        await Eventually(() => !log.Completions.IsEmpty, "the redelivered job was answered", second);
        Assert.Equal(AgentJobState.RolledBack, log.Completions.Single().State);
        Assert.Equal(stepsBefore, log.Steps.Count);
        Assert.Equal("no", _postfix.Postconf("smtpd_reject_unlisted_recipient"));
        Assert.Equal(1, log.Enrollments);
    }
}
