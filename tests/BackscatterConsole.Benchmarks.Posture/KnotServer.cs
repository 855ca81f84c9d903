using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using BackscatterConsole.Domain.Dns;

namespace BackscatterConsole.Benchmarks.Posture;

/// <summary>
/// Runs knotd on loopback with one zone, for the benchmark. Its statistics module counts the requests it receives over UDP
/// and TCP, so the DNS messages of every client (ours, DnsClient, pyspf) are counted in the same place.
/// </summary>
internal sealed class KnotServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly SemaphoreSlim _controlLock = new(1, 1);
    private Process? _control;

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
            control:
                listen: "{directory}/run/knot.sock"
            mod-stats:
              - id: requests
                server-operation: off
                request-bytes: off
                response-bytes: off
                edns-presence: off
                flag-presence: off
                response-code: off
                reply-nodata: off
                query-type: off
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
                global-module: mod-stats/requests
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

    /// <summary>
    /// Requests knotd has received so far (UDP and TCP), read through one long-lived <c>knotc</c> session: one process per
    /// reading would cost 15 ms, too much for the per-domain counts.
    /// </summary>
    public async Task<long> RequestsAsync()
    {
        await _controlLock.WaitAsync();
        try
        {
            if (_control is null || _control.HasExited)
            {
                _control?.Dispose();
                // knotc writes through stdio, which buffers whole blocks into a pipe: stdbuf makes it flush every line.
                _control = Process.Start(new ProcessStartInfo("stdbuf", ["-oL", "knotc", "-s", Path.Combine(Directory, "run", "knot.sock")])
                {
                    RedirectStandardInput = true,
                    RedirectStandardOutput = true,
                    UseShellExecute = false,
                }) ?? throw new InvalidOperationException("knotc did not start.");
            }

            // The statistics print nothing for a protocol not seen yet, so a second command marks the end of the answer.
            await _control.StandardInput.WriteLineAsync("stats mod-stats.request-protocol");
            await _control.StandardInput.WriteLineAsync("status");
            await _control.StandardInput.FlushAsync();
            long total = 0;
            while (await _control.StandardOutput.ReadLineAsync() is { } line)
            {
                if (!line.StartsWith("mod-stats.", StringComparison.Ordinal))
                {
                    return total;
                }

                total += long.Parse(line[(line.LastIndexOf('=') + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }

            throw new InvalidOperationException("knotc ended its session.");
        }
        finally
        {
            _controlLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_control is { } control)
        {
            control.StandardInput.Close();
            if (!control.WaitForExit(5000))
            {
                control.Kill();
            }

            control.Dispose();
        }

        _controlLock.Dispose();
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
