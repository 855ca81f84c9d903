using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BackscatterConsole.Cluster.Tests.Infrastructure;

/// <summary>
/// One console instance as its own process: the server's build output (<c>src/Server/bin/&lt;configuration&gt;</c>, the
/// configuration of these tests), on a loopback port that stays the same across restarts, configured by environment
/// variables as the documented systemd unit does. <see cref="Kill"/> is SIGKILL: nothing of the console runs after it.
/// </summary>
public sealed class ConsoleProcess : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly StringBuilder _output = new();
    private Process? _process;

    public ConsoleProcess(string route, string instanceId, IReadOnlyDictionary<string, string> environment)
    {
        Route = route;
        InstanceId = instanceId;
        Port = FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{Port}/");
        _environment = environment;
    }

    /// <summary>The nginx route (cookie <c>bsc_route</c>) that leads here: <c>a</c> or <c>b</c>.</summary>
    public string Route { get; }

    /// <summary><c>Cluster:InstanceId</c>: what leases and agent presence rows name.</summary>
    public string InstanceId { get; }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Everything the process wrote, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static string ServerAssembly
    {
        get
        {
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var framework = output.Name;
            var configuration = output.Parent!.Name;
            var root = output;
            while (root is not null && !Directory.Exists(Path.Combine(root.FullName, "src", "Server")))
            {
                root = root.Parent;
            }

            var path = Path.Combine(root?.FullName ?? ".", "src", "Server", "bin", configuration, framework, "BackscatterConsole.Server.dll");
            return File.Exists(path) ? path : throw new InvalidOperationException($"The console is not built at {path}.");
        }
    }

    /// <summary>Starts the process; returns once <c>/readyz</c> answers 200.</summary>
    public async Task StartAsync()
    {
        var dll = ServerAssembly;
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet, [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in _environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["Urls"] = BaseAddress.ToString().TrimEnd('/');
        start.Environment["Cluster__InstanceId"] = InstanceId;
        Append($"--- starting {InstanceId} at {DateTime.UtcNow:O}");
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Console {InstanceId} exited with code {process.ExitCode} while starting:\n{Output}");
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

        throw new TimeoutException($"Console {InstanceId} did not become ready within 120 s:\n{Output}");
    }

    /// <summary>SIGKILL, as when the machine loses power: no lease is handed back, no connection closed cleanly.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            Append($"--- killed with SIGKILL at {DateTime.UtcNow:O}");
            process.Kill();
            process.WaitForExit();
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        _process = null;
        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
