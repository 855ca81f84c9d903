using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace BackscatterConsole.Benchmarks.Agents;

/// <summary>
/// The console as its own process (the Release build of <c>src/Server</c>) on a fresh data directory and a free loopback
/// port, so its memory and CPU can be read from <c>/proc</c> without the 1,000 load clients in the same process.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    // USER_HZ, the unit of utime and stime in /proc/<pid>/stat, is fixed at 100 by the Linux ABI on x86 and arm.
    private const double ClockTicksPerSecond = 100;

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly string _logPath;
    private bool _logClosed;

    private ServerProcess(Process process, string logPath, Uri baseAddress)
    {
        _process = process;
        _logPath = logPath;
        _log = new StreamWriter(logPath) { AutoFlush = false };
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int Pid => _process.Id;

    public static async Task<ServerProcess> StartAsync(string repository, string dataDirectory, string adminPassword, string apiToken, TimeSpan heartbeatInterval, bool workstationGc)
    {
        var dll = Path.Combine(repository, "src", "Server", "bin", "Release", "net10.0", "BackscatterConsole.Server.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build it first with 'dotnet build src/Server -c Release'.");
        }

        var baseAddress = new Uri($"http://127.0.0.1:{FreeLoopbackPort()}");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            // The same working directory as 'dotnet run --project src/Server', so the web root is found the usual way.
            WorkingDirectory = Path.Combine(repository, "src", "Server"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["Urls"] = baseAddress.ToString().TrimEnd('/');
        start.Environment["Storage__DataDirectory"] = dataDirectory;
        start.Environment["Bootstrap__AdminPassword"] = adminPassword;
        start.Environment["Bootstrap__ApiToken"] = apiToken;
        start.Environment["Scans__ScheduleEnabled"] = "false";
        start.Environment["Dnsbl__Enabled"] = "false";
        start.Environment["Agents__HeartbeatInterval"] = heartbeatInterval.ToString("c", CultureInfo.InvariantCulture);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        // An information line per connection and per request would measure the console logger, not the hub.
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        if (workstationGc)
        {
            start.Environment["DOTNET_gcServer"] = "0";
        }

        var process = new Process { StartInfo = start };
        var server = new ServerProcess(process, Path.Combine(dataDirectory, "server.log"), baseAddress);
        // The pipes must be drained or the server blocks on a full pipe; the lines go to a file for diagnosis.
        process.OutputDataReceived += (_, e) => server.Write(e.Data);
        process.ErrorDataReceived += (_, e) => server.Write(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Resident set size of the server process, in KiB (VmRSS of <c>/proc/&lt;pid&gt;/status</c>).</summary>
    public long ResidentKib() => StatusField("VmRSS:");

    /// <summary>OS threads of the server process: growth under load means the thread pool is injecting threads for blocked ones.</summary>
    public long Threads() => StatusField("Threads:");

    /// <summary>Lines of the server's output at warning level or above (the console logger prefixes them warn/fail/crit).</summary>
    public IReadOnlyList<string> Warnings()
    {
        lock (_log)
        {
            _log.Flush();
        }

        using var stream = new FileStream(_logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        var previous = string.Empty;
        while (reader.ReadLine() is { } line)
        {
            if (previous.StartsWith("warn:", StringComparison.Ordinal) || previous.StartsWith("fail:", StringComparison.Ordinal) || previous.StartsWith("crit:", StringComparison.Ordinal))
            {
                lines.Add(previous.Trim() + " " + line.Trim());
            }

            previous = line;
        }

        return lines;
    }

    private long StatusField(string name)
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith(name, StringComparison.Ordinal))
            {
                return long.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"{name} not found in /proc/<pid>/status.");
    }

    /// <summary>User plus system CPU time the server process has used so far (utime + stime of <c>/proc/&lt;pid&gt;/stat</c>).</summary>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        // The command name in parentheses may contain spaces; the numeric fields start after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / ClockTicksPerSecond);
    }

    public bool HasExited => _process.HasExited;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
        {
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"The server process {Pid} did not exit within 15 s of being killed.");
            }
        }

        _process.Dispose();
        lock (_log)
        {
            _logClosed = true;
            _log.Dispose();
        }
    }

    private void Write(string? line)
    {
        lock (_log)
        {
            if (line is not null && !_logClosed)
            {
                _log.WriteLine(line);
            }
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan limit)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with code {_process.ExitCode} while starting; see server.log in the data directory.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"The server did not become ready within {limit.TotalSeconds:0} s.");
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
