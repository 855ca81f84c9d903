using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using BackscatterConsole.Agent.Hosting;
using BackscatterConsole.Agent.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace BackscatterConsole.Agent.Tests.Hosting;

/// <summary>
/// The agent under service managers: systemd's notify protocol with the real agent process and a real datagram socket,
/// and the Windows Service Control Manager protocol through a scripted dispatcher (the Win32 calls cannot run on Linux).
/// </summary>
public sealed class ServiceManagerTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task RealAgent_UnderSystemdNotify_SendsReadyThenStoppingOnSigterm()
    {
        var log = new ConsoleLog();
        await using var console = await FakeConsole.StartAsync(log);
        using var postfix = new PostfixInstance();
        var socketPath = _work.Combine("notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));
        string[] arguments =
        [
            $"--Agent:ServerUrl=http://127.0.0.1:{console.Port}",
            $"--Agent:EnrollmentToken={ConsoleLog.Token}",
            $"--Agent:StateDirectory={_work.Combine("state")}",
            "--Agent:Connector=postfix",
            $"--Agent:Postfix:ConfigDirectory={postfix.ConfigDirectory}",
            "--Agent:Postfix:PostconfPath=/usr/sbin/postconf",
        ];

        using var agent = new AgentProcess(arguments, new Dictionary<string, string> { [SystemdNotifier.SocketVariable] = socketPath });
        var ready = await ReceiveAsync(notify, agent);
        Assert.StartsWith("READY=1\n", ready, StringComparison.Ordinal);
        await agent.TerminateAsync(Wait);

        Assert.StartsWith("STOPPING=1\n", await ReceiveAsync(notify, agent), StringComparison.Ordinal);
        Assert.Equal(0, agent.ExitCode);
    }

    [Fact]
    public async Task Notifier_AbstractSocketName_IsSpelledWithANulByte()
    {
        var name = "bsc-notify-" + Guid.NewGuid().ToString("N");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint("\0" + name));
        var notifier = new SystemdNotifier("@" + name, NullLogger<SystemdNotifier>.Instance);

        await notifier.StartedAsync(CancellationToken.None);

        Assert.StartsWith("READY=1", await ReceiveAsync(notify, agent: null), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notifier_NobodyListening_WarnsAndCarriesOn()
    {
        var notifier = new SystemdNotifier(_work.Combine("nobody.sock"), NullLogger<SystemdNotifier>.Instance);

        await notifier.StartedAsync(CancellationToken.None);
        await notifier.StoppingAsync(CancellationToken.None);
    }

    [Fact]
    public async Task WindowsLifetime_StopControl_ReportsEveryStateInOrderAndStopsTheHost()
    {
        var dispatcher = new ScriptedDispatcher();
        using var host = Build(dispatcher);

        await host.StartAsync();
        Assert.Equal([ServiceState.StartPending, ServiceState.Running], dispatcher.States);
        Assert.True(dispatcher.Control(WindowsServiceLifetime.ControlInterrogate));
        Assert.False(dispatcher.Control(0x6), "pause/continue are not accepted");
        Assert.True(dispatcher.Control(WindowsServiceLifetime.ControlStop));
        await host.WaitForShutdownAsync().WaitAsync(Wait);

        Assert.Equal([ServiceState.StartPending, ServiceState.Running, ServiceState.StopPending, ServiceState.Stopped], dispatcher.States);
    }

    [Fact]
    public async Task WindowsLifetime_NotStartedByTheManager_FailsTheStartWithTheReason()
    {
        var dispatcher = new ScriptedDispatcher { Refusal = "the process was not started by the Service Control Manager (error 1063)." };
        using var host = Build(dispatcher);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("error 1063", failure.Message, StringComparison.Ordinal);
        Assert.Empty(dispatcher.States);
    }

    private static IHost Build(ScriptedDispatcher dispatcher)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<IServiceDispatcher>(dispatcher);
        builder.Services.AddSingleton<IHostLifetime, WindowsServiceLifetime>();
        return builder.Build();
    }

    private static async Task<string> ReceiveAsync(Socket socket, AgentProcess? agent)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Wait);
        try
        {
            var received = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return Encoding.UTF8.GetString(buffer, 0, received);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("No notification arrived." + (agent is null ? string.Empty : " Agent output:\n" + agent.Output));
            throw;
        }
    }

    /// <summary>Stands in for the Service Control Manager: records reported states and sends control codes.</summary>
    private sealed class ScriptedDispatcher : IServiceDispatcher, IServiceStatusReporter
    {
        private readonly ConcurrentQueue<ServiceState> _states = new();
        private Func<int, bool>? _onControl;

        public string? Refusal { get; init; }

        public IReadOnlyList<ServiceState> States => [.. _states];

        public Task<IServiceStatusReporter> ConnectAsync(string serviceName, Func<int, bool> onControl, CancellationToken cancellationToken)
        {
            Assert.Equal(WindowsServiceLifetime.ServiceName, serviceName);
            _onControl = onControl;
            return Refusal is null
                ? Task.FromResult<IServiceStatusReporter>(this)
                : Task.FromException<IServiceStatusReporter>(new InvalidOperationException(Refusal));
        }

        public void Report(ServiceState state, int exitCode, TimeSpan waitHint)
        {
            Assert.Equal(0, exitCode);
            Assert.Equal(state is ServiceState.StartPending or ServiceState.StopPending, waitHint > TimeSpan.Zero);
            _states.Enqueue(state);
        }

        public bool Control(int code) => _onControl!(code);
    }
}
