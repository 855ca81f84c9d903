using System.Net.Sockets;
using System.Text;
using BackscatterConsole.Agent.Tests.Support;

namespace BackscatterConsole.Agent.Tests.Hosting;

/// <summary>
/// The real agent process under systemd's notify protocol, with a datagram socket the test owns as <c>NOTIFY_SOCKET</c>.
/// Microsoft.Extensions.Hosting.Systemd 10.0 switches on only when the process's parent is named <c>systemd</c> (or the
/// process is PID 1 with <c>NOTIFY_SOCKET</c> or <c>LISTEN_PID</c>, as in a container); <c>NOTIFY_SOCKET</c> alone is
/// not enough. So the test starts the agent from a shell whose command name is <c>systemd</c>, as systemd itself would be.
/// (The Windows Service Control Manager integration is the library's and cannot run on Linux.)
/// </summary>
public sealed class ServiceManagerTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task RealAgent_ChildOfSystemdWithNotifySocket_SendsReadyThenStoppingOnSigtermAndLogsForTheJournal()
    {
        var log = new ConsoleLog();
        await using var console = await FakeConsole.StartAsync(log);
        using var postfix = new PostfixInstance();
        using var notify = BindNotifySocket(out var socketPath);

        using var agent = new AgentProcess(Arguments(console.Port, postfix), new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath }, parentLink: _work.Combine("systemd"));
        var ready = await ReceiveAsync(notify, agent);
        Assert.Equal("READY=1", ready);
        await agent.TerminateAsync(Wait);

        Assert.Equal("STOPPING=1", await ReceiveAsync(notify, agent));
        Assert.Equal(0, agent.ExitCode);

        // The systemd console format: a <priority> prefix the journal reads, one line per message, no colours.
        Assert.Contains(agent.Output.Split('\n'), line => line.StartsWith("<6>Microsoft.Hosting.Lifetime[0] Application started.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RealAgent_NotifySocketButParentIsNotSystemd_StaysAPlainConsoleProgram()
    {
        var log = new ConsoleLog();
        await using var console = await FakeConsole.StartAsync(log);
        using var postfix = new PostfixInstance();
        using var notify = BindNotifySocket(out var socketPath);

        using var agent = new AgentProcess(Arguments(console.Port, postfix), new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath });
        using (var timeout = new CancellationTokenSource(Wait))
        {
            while (log.Hellos.IsEmpty)
            {
                await Task.Delay(50, timeout.Token);
            }
        }

        // The host had started long before the hello; a notifier would have sent READY=1 by now.
        Assert.Equal(0, notify.Available);
        await agent.TerminateAsync(Wait);
        Assert.Equal(0, notify.Available);
        Assert.DoesNotContain("<6>", agent.Output, StringComparison.Ordinal);
    }

    private string[] Arguments(int consolePort, PostfixInstance postfix) =>
    [
        $"--Agent:ServerUrl=http://127.0.0.1:{consolePort}",
        $"--Agent:EnrollmentToken={ConsoleLog.Token}",
        $"--Agent:StateDirectory={_work.Combine("state")}",
        "--Agent:Connector=postfix",
        $"--Agent:Postfix:ConfigDirectory={postfix.ConfigDirectory}",
        "--Agent:Postfix:PostconfPath=/usr/sbin/postconf",
    ];

    private Socket BindNotifySocket(out string path)
    {
        path = _work.Combine("notify.sock");
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    private static async Task<string> ReceiveAsync(Socket socket, AgentProcess agent)
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
            Assert.Fail("No notification arrived. Agent output:\n" + agent.Output);
            throw;
        }
    }
}
