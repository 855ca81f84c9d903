using System.Net.Sockets;
using System.Text;

namespace BackscatterConsole.Agent.Hosting;

/// <summary>
/// Tells systemd about the agent's state through the <c>sd_notify</c> protocol: one datagram per state change to the
/// socket in <c>NOTIFY_SOCKET</c>, <c>READY=1</c> once every hosted service has started and <c>STOPPING=1</c> when
/// shutdown begins, so a unit with <c>Type=notify</c> knows when the agent is up. (Microsoft.Extensions.Hosting.Systemd
/// does this too, but it is not on this project's package feed; the protocol is a few lines.)
/// </summary>
internal sealed partial class SystemdNotifier(string socket, ILogger<SystemdNotifier> logger) : IHostedLifecycleService
{
    /// <summary>The environment variable systemd sets for <c>Type=notify</c> units.</summary>
    public const string SocketVariable = "NOTIFY_SOCKET";

    /// <summary>The notify socket from the environment, or null when systemd did not ask for notifications.</summary>
    public static string? SocketFromEnvironment() =>
        OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable(SocketVariable) is { Length: > 0 } path ? path : null;

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        Notify("READY=1\nSTATUS=Running; connecting to the console.");
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        Notify("STOPPING=1\nSTATUS=Stopping.");
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Notify(string state)
    {
        // A leading '@' names a socket in the abstract namespace, which the kernel spells with a NUL byte.
        var path = socket.StartsWith('@') ? "\0" + socket[1..] : socket;
        try
        {
            using var client = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            client.Connect(new UnixDomainSocketEndPoint(path));
            client.Send(Encoding.UTF8.GetBytes(state));
        }
        catch (SocketException exception)
        {
            // Not being able to tell systemd is worth a warning, never a crash: the agent works either way.
            LogNotifyFailed(socket, exception.SocketErrorCode.ToString());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not notify systemd through {Socket}: {Error}")]
    private partial void LogNotifyFailed(string socket, string error);
}
