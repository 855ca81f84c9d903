using System.Diagnostics;
using System.Text;

namespace BackscatterConsole.Agent.Tests.Support;

/// <summary>The real agent program (backscatter-agent.dll from the agent's own build output) started as its own process.</summary>
public sealed class AgentProcess : IDisposable
{
    private const string PidLinePrefix = "agent-pid ";

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<int> _agentPid = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Starts the agent. With <paramref name="parentLink"/> the agent's parent is a /bin/sh started through a symbolic
    /// link at that path, so the parent's command name is the link's name (say <c>systemd</c>, which is what
    /// Microsoft.Extensions.Hosting.Systemd looks for); signals then go to the agent itself, not to that parent.
    /// </summary>
    public AgentProcess(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? parentLink = null)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (parentLink is not null)
        {
            File.CreateSymbolicLink(parentLink, "/bin/sh");
            start.FileName = parentLink;

            // The shell stays the parent (the agent runs in the background, not exec'd) and passes on its exit code.
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("\"$0\" \"$@\" & echo \"" + PidLinePrefix + "$!\"; wait $!");
            start.ArgumentList.Add(dotnet);
        }
        else
        {
            _agentPid.SetResult(0);
        }

        start.ArgumentList.Add(AgentAssembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>
    /// The agent's own output directory, not the copy beside the tests: there the Microsoft.Extensions packages were
    /// dropped in favour of the ASP.NET Core framework the tests reference, which the agent does not use.
    /// </summary>
    public static string AgentAssembly
    {
        get
        {
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var framework = output.Name;
            var configuration = output.Parent!.Name;
            var root = output;
            while (root is not null && !Directory.Exists(Path.Combine(root.FullName, "src", "Agent")))
            {
                root = root.Parent;
            }

            var path = Path.Combine(root?.FullName ?? ".", "src", "Agent", "bin", configuration, framework, "backscatter-agent.dll");
            return File.Exists(path) ? path : throw new InvalidOperationException($"The agent is not built at {path}.");
        }
    }

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

    /// <summary>SIGKILL: no shutdown code runs, as when the machine loses power or the OOM killer strikes.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM to the agent, as systemd sends on <c>systemctl stop</c>; waits for the process to exit.</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        var agentPid = await _agentPid.Task.WaitAsync(limit.Token);
        var pid = agentPid == 0 ? _process.Id : agentPid;
        using var kill = Process.Start("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(limit.Token);
        await _process.WaitForExitAsync(limit.Token);
    }

    /// <summary>Waits for the process to exit by itself.</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>The exit code; only valid after the process exited.</summary>
    public int ExitCode => _process.ExitCode;

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line.StartsWith(PidLinePrefix, StringComparison.Ordinal))
        {
            _agentPid.TrySetResult(int.Parse(line[PidLinePrefix.Length..], System.Globalization.CultureInfo.InvariantCulture));
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
