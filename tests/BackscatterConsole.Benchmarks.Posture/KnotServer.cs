using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using BackscatterConsole.Domain.Dns;

namespace BackscatterConsole.Benchmarks.Posture;

/// <summary>Runs knotd on loopback with one zone, for the benchmark.</summary>
internal sealed class KnotServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private KnotServer(Process process, string directory, int port)
    {
        _process = process;
        Directory = directory;
        Port = port;
    }

    public string Directory { get; }

    public int Port { get; }

    /// <summary>CPU time knotd has used so far (user + system), from /proc; clock ticks are 1/100 s on Linux.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0);
        }
    }

    public static async Task<KnotServer> StartAsync(string zone, string zoneText)
    {
        var knotd = new[] { "/usr/sbin/knotd", "/usr/bin/knotd" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("knotd is not installed (apt-get install -y knot).");
        var directory = Path.Combine(Path.GetTempPath(), "knot-bench-" + Guid.NewGuid().ToString("N"));
        foreach (var sub in new[] { "run", "db", "zones" })
        {
            System.IO.Directory.CreateDirectory(Path.Combine(directory, sub));
        }

        var port = FreePort();
        await File.WriteAllTextAsync(Path.Combine(directory, "zones", zone + ".zone"), zoneText);
        var config = Path.Combine(directory, "knot.conf");
        await File.WriteAllTextAsync(config, $"""
            server:
                rundir: "{directory}/run"
                listen: 127.0.0.1@{port}
            database:
                storage: "{directory}/db"
            log:
              - target: stderr
                any: warning
            template:
              - id: default
                storage: "{directory}/zones"
                file: "%s.zone"
                journal-content: none
                zonefile-sync: -1
            zone:
              - domain: {zone}
            """);
        var process = Process.Start(new ProcessStartInfo(knotd, ["-c", config]) { RedirectStandardError = true, UseShellExecute = false })
            ?? throw new InvalidOperationException("knotd did not start.");
        var server = new KnotServer(process, directory, port);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (server._log)
            {
                server._log.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        using var probe = new DnsResolver(new DnsResolverOptions { Servers = [$"127.0.0.1:{port}"], CacheEnabled = false, Timeout = TimeSpan.FromMilliseconds(500) });
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("knotd exited: " + server._log);
            }

            if ((await probe.QueryAsync(zone, DnsRecordType.SOA)).Status == DnsResponseStatus.Success)
            {
                return server;
            }

            await Task.Delay(100);
        }

        await server.DisposeAsync();
        throw new InvalidOperationException("knotd did not answer within 60 s: " + server._log);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Leaving a temp directory behind is harmless.
        }
    }

    private static int FreePort()
    {
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)tcp.LocalEndPoint!).Port;
    }
}
