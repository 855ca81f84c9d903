using System.Diagnostics;
using System.Globalization;

namespace BackscatterConsole.Soak;

/// <summary>
/// The console as its own process (the built <c>src/Server</c>, in the configuration the soak itself was built in), always
/// on the same loopback port and the same storage, so that it can be killed with SIGKILL and started again the way a
/// service manager would restart it. Its output from every start goes to one log file.
/// </summary>
public sealed class ConsoleProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(120);

    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly StreamWriter _log;
    private readonly Lock _logGate = new();
    private Process? _process;
    private int _starts;
    private bool _closed;

    private readonly string? _publishedDirectory;

    /// <param name="baseAddress">The loopback address it listens on, the same after every restart.</param>
    /// <param name="environment">Its configuration (storage, bootstrap admin, logging).</param>
    /// <param name="logPath">The file its output goes to, from every start.</param>
    /// <param name="publishedDirectory">A published console (its own content root); null for the build output of src/Server.</param>
    public ConsoleProcess(Uri baseAddress, IReadOnlyDictionary<string, string> environment, string logPath, string? publishedDirectory = null)
    {
        _publishedDirectory = publishedDirectory;
        BaseAddress = baseAddress;
        _environment = environment;
        LogPath = logPath;
        _log = new StreamWriter(logPath, append: true) { AutoFlush = true };
    }

    public Uri BaseAddress { get; }

    public string LogPath { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The built console, <c>src/Server/bin/&lt;configuration&gt;/&lt;framework&gt;/BackscatterConsole.Server.dll</c>.</summary>
    public static string ServerAssembly => SoakPaths.BuildOutput("Server", "BackscatterConsole.Server.dll", "dotnet build src/Server -c {0}");

    /// <summary>Starts the console and waits until <c>/readyz</c> answers (its migrations ran and the database answers).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("The console is already running.");
        }

        var assembly = _publishedDirectory is null ? ServerAssembly : Path.Combine(_publishedDirectory, "BackscatterConsole.Server.dll");
        if (!File.Exists(assembly))
        {
            throw new InvalidOperationException($"{assembly} is missing.");
        }

        var start = new ProcessStartInfo(SoakPaths.Dotnet, [assembly])
        {
            // The same working directory as 'dotnet run --project src/Server' (or the publish), so the web root is found the usual way.
            WorkingDirectory = _publishedDirectory ?? Path.Combine(SoakPaths.Repository, "src", "Server"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["Urls"] = BaseAddress.ToString().TrimEnd('/');
        foreach (var (name, value) in _environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        Write($"=== soak: console start {++_starts} at {DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture)} ===");
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitUntilReadyAsync(cancellationToken);
    }

    /// <summary>SIGKILL: no shutdown code runs, open transactions end wherever they were.</summary>
    public async Task KillAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: false);
        }

        await process.WaitForExitAsync();
        Write($"=== soak: console killed (SIGKILL) at {DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture)} ===");
        process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        lock (_logGate)
        {
            _closed = true;
            _log.Dispose();
        }
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logGate)
        {
            if (!_closed)
            {
                _log.WriteLine(line);
            }
        }
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartLimit)
        {
            if (_process is not { HasExited: false } process)
            {
                throw new InvalidOperationException($"The console exited with code {_process?.ExitCode} while starting; see {LogPath}.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"The console did not become ready within {StartLimit.TotalSeconds:0} s; see {LogPath}.");
    }
}
