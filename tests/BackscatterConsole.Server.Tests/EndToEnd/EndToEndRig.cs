using System.Diagnostics;
using System.Net.Http.Json;
using BackscatterConsole.Agent.Tests.Support;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Servers;

namespace BackscatterConsole.Server.Tests.EndToEnd;

/// <summary>
/// What the end-to-end tests share: a running Postfix on loopback, the console on Kestrel with the probe configured, a
/// probed server in the inventory for <c>example.test</c>, and the real agent process enrolled for it.
/// </summary>
internal sealed class EndToEndRig : IAsyncDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    private readonly TempDirectory _state = new();
    private IReadOnlyList<string> _agentArguments = [];

    private EndToEndRig(RunningPostfix postfix, KestrelApp app, ServerDto server, AgentProcess agent)
    {
        Postfix = postfix;
        App = app;
        Server = server;
        Agent = agent;
    }

    public RunningPostfix Postfix { get; }

    public KestrelApp App { get; }

    public ServerDto Server { get; }

    public AgentProcess Agent { get; private set; }

    /// <summary>
    /// Starts everything; <paramref name="prepareAgent"/> prepares what the agent will read on the running Postfix and
    /// returns the agent's further arguments.
    /// </summary>
    /// <param name="name">The server's name.</param>
    /// <param name="prepareAgent">Prepares the Postfix instance; returns the agent's further arguments.</param>
    /// <param name="clock">The console's clock, when the test moves time.</param>
    /// <param name="settings">Further console configuration.</param>
    public static async Task<EndToEndRig> StartAsync(string name, Func<RunningPostfix, Task<string[]>>? prepareAgent = null, TimeProvider? clock = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var postfix = await RunningPostfix.StartAsync();
        var agentArguments = prepareAgent is null ? [] : await prepareAgent(postfix);

        var configuration = new Dictionary<string, string?>
        {
            ["Probe:SinkAddress"] = "sink@probe.example.test",
            ["Probe:HeloName"] = "probe.example.test",
            ["Probe:GreetingTimeout"] = "00:00:30",
            ["Scans:ScheduleEnabled"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var app = KestrelApp.Start(configuration, clock: clock);
        var created = await app.Api.PostAsJsonAsync("/api/v1/servers", new
        {
            name,
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
        var rig = new EndToEndRig(postfix, app, server, null!);
        rig._agentArguments =
        [
            $"--Agent:ServerUrl={app.BaseAddress.ToString().TrimEnd('/')}",
            $"--Agent:EnrollmentToken={enrollment.Token}",
            $"--Agent:StateDirectory={rig._state.Path}",
            "--Agent:Connector=postfix",
            $"--Agent:Postfix:ConfigDirectory={postfix.ConfigDirectory}",
            "--Agent:Postfix:PostconfPath=/usr/sbin/postconf",
            "--Agent:Postfix:PostfixPath=/usr/sbin/postfix",
            .. agentArguments,
        ];
        rig.Agent = new AgentProcess(rig._agentArguments);
        return rig;
    }

    /// <summary>Stops the agent process and starts it again on the same state (credential, log cursors), with further arguments.</summary>
    public void RestartAgent(params string[] extraArguments)
    {
        Agent.Dispose();
        Agent = new AgentProcess([.. _agentArguments, .. extraArguments]);
    }

    /// <summary>Polls until <paramref name="condition"/> holds; on timeout fails with the agent's output.</summary>
    public async Task EventuallyAsync(Func<Task<bool>> condition, string what)
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
            Assert.Fail($"Timed out waiting until {what}. Agent output:\n{Agent.Output}");
        }
    }

    /// <summary>Runs a Postfix command line directly, as an operator or an independent witness would; fails on a non-zero exit.</summary>
    public static async Task<string> RunAsync(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        output += await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {output}");
        return output;
    }

    public async ValueTask DisposeAsync()
    {
        Agent?.Dispose();
        await App.DisposeAsync();
        await Postfix.DisposeAsync();
        _state.Dispose();
    }
}
