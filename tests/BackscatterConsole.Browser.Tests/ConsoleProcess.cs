using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BackscatterConsole.Browser.Tests;

/// <summary>
/// The console as a process of its own (the solution's Debug build of src/Server) on a fixed loopback port and data
/// directory, so a test can stop it and start it again at the same address, as an operator restarting the service.
/// </summary>
internal sealed class ConsoleProcess : IAsyncDisposable
{
    private readonly string _dataDirectory;
    private readonly int _port;
    private Process? _process;

    public ConsoleProcess(string dataDirectory)
    {
        _dataDirectory = dataDirectory;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{_port}/");

    public async Task StartAsync()
    {
        var repository = new DirectoryInfo(AppContext.BaseDirectory);
        while (repository is not null && !File.Exists(Path.Combine(repository.FullName, "BackscatterConsole.sln")))
        {
            repository = repository.Parent;
        }

        var server = Path.Combine(repository!.FullName, "src", "Server");
        var dll = Path.Combine(server, "bin", "Debug", "net10.0", "BackscatterConsole.Server.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build the solution first (./test.sh does).");
        }

        var start = new ProcessStartInfo("dotnet", [dll, "--urls", BaseAddress.ToString().TrimEnd('/')])
        {
            WorkingDirectory = server,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["Storage__DataDirectory"] = _dataDirectory;
        start.Environment["Bootstrap__AdminPassword"] = PortalFixture.AdminPassword;
        start.Environment["Scans__ScheduleEnabled"] = "false";
        start.Environment["Dnsbl__Enabled"] = "false";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The console exited with code {_process.ExitCode} while starting.");
            }

            try
            {
                if ((await http.GetAsync(new Uri("readyz", UriKind.Relative))).IsSuccessStatusCode)
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

        throw new TimeoutException("The console did not become ready within 90 s.");
    }

    /// <summary>Stops the console the way a service manager does (SIGTERM, then waits).</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
    }
}
