using System.Net;
using System.Net.Sockets;
using BackscatterConsole.Agent.Execution;

namespace BackscatterConsole.Agent.Tests.Support;

/// <summary>
/// A real Postfix instance from the Debian package, started with <c>postfix -c DIR start</c> on its own configuration,
/// queue and data directories, listening on 127.0.0.1 at a free port, accepting unknown recipients (the backscatter
/// fault). Its master.cf is the package's pristine copy (<see cref="PristinePostfix"/>); the system instance and
/// /etc/postfix are never read or touched; it logs to <c>maillog</c> in its directory.
/// </summary>
public sealed class RunningPostfix : IAsyncDisposable
{
    private readonly TempDirectory _root = new();

    private RunningPostfix(int port)
    {
        Port = port;
    }

    public int Port { get; }

    public string ConfigDirectory => _root.Combine("etc");

    public string MailLog => File.Exists(_root.Combine("maillog")) ? File.ReadAllText(_root.Combine("maillog")) : "(no mail log)";

    public static async Task<RunningPostfix> StartAsync()
    {
        PristinePostfix.EnsureInstalled("/usr/sbin/postfix");
        var instance = new RunningPostfix(FreePort());
        var root = instance._root;
        if (!OperatingSystem.IsWindows())
        {
            // The postfix user must reach the queue and data directories inside the (0700) temp directory.
            File.SetUnixFileMode(root.Path, (UnixFileMode)0b111_101_101);
        }

        Directory.CreateDirectory(root.Combine("queue"));
        Directory.CreateDirectory(root.Combine("data"));
        PristinePostfix.WriteConfigDirectory(instance.ConfigDirectory, $"""
            compatibility_level = 3.6
            myhostname = mx.example.test
            mydestination = $myhostname, localhost, example.test
            inet_protocols = ipv4
            inet_interfaces = 127.0.0.1
            queue_directory = {root.Combine("queue")}
            data_directory = {root.Combine("data")}
            alias_maps =
            alias_database =
            maillog_file_prefixes = {root.Path}
            maillog_file = {root.Combine("maillog")}
            smtpd_reject_unlisted_recipient = no
            local_recipient_maps =

            """);
        var runner = new ProcessRunner();
        var timeout = TimeSpan.FromSeconds(60);
        var steps = new List<CommandResult>
        {
            await runner.RunAsync(["/usr/bin/chown", "postfix", root.Combine("data")], timeout, CancellationToken.None),
            // Replace the public smtp listener with one on loopback at our port; no chroot, so proxymap reads /etc/passwd.
            await runner.RunAsync(["/usr/sbin/postconf", "-c", instance.ConfigDirectory, "-M#", "smtp/inet"], timeout, CancellationToken.None),
            await runner.RunAsync(["/usr/sbin/postconf", "-c", instance.ConfigDirectory, "-M", $"127.0.0.1:{instance.Port}/inet=127.0.0.1:{instance.Port} inet n - n - - smtpd"], timeout, CancellationToken.None),
            await runner.RunAsync(["/usr/sbin/postfix", "-c", instance.ConfigDirectory, "start"], timeout, CancellationToken.None),
        };
        if (steps.Any(s => !s.Succeeded))
        {
            var transcript = string.Join("\n", steps.Select(s => s.Transcript));
            await instance.DisposeAsync();
            throw new InvalidOperationException($"Could not start the test Postfix instance:\n{transcript}\n{instance.MailLog}");
        }

        await instance.WaitForListenerAsync();
        return instance;
    }

    public async ValueTask DisposeAsync()
    {
        await new ProcessRunner().RunAsync(["/usr/sbin/postfix", "-c", ConfigDirectory, "stop"], TimeSpan.FromSeconds(60), CancellationToken.None);
        _root.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitForListenerAsync()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new InvalidOperationException($"Postfix did not listen on 127.0.0.1:{Port}.\n{MailLog}");
    }
}
