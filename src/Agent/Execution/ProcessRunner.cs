using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace BackscatterConsole.Agent.Execution;

/// <summary>Runs a program with an argument vector. Implementations never go through a shell.</summary>
public interface ICommandRunner
{
    /// <summary>Runs <paramref name="arguments"/> (program first). Cancelling kills the process tree and throws <see cref="OperationCanceledException"/>.</summary>
    Task<CommandResult> RunAsync(IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="arguments"/> and hands every line of standard output to <paramref name="onLine"/> as it comes,
    /// for output too long to keep (<c>postqueue -j</c> of a full queue); the result's standard output is empty. This
    /// default runs the command and splits what <see cref="RunAsync"/> captured.
    /// </summary>
    async Task<CommandResult> RunLinesAsync(IReadOnlyList<string> arguments, TimeSpan timeout, Action<string> onLine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onLine);
        var result = await RunAsync(arguments, timeout, cancellationToken).ConfigureAwait(false);
        foreach (var line in result.StandardOutput.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            onLine(line);
        }

        return result with { StandardOutput = string.Empty };
    }
}

/// <summary>
/// Runs processes through <see cref="ProcessStartInfo.ArgumentList"/>, so every element reaches the program as exactly one
/// argument and nothing is interpreted by a shell. Output is captured up to a cap per stream (the rest is drained and
/// counted, so a chatty program cannot block on a full pipe); a timeout kills the whole process tree.
/// </summary>
public sealed class ProcessRunner(int outputLimitCharacters = ProcessRunner.DefaultOutputLimit) : ICommandRunner
{
    /// <summary>Default cap per stream: enough for a full <c>postconf -n</c> or <c>prov gcf</c>.</summary>
    public const int DefaultOutputLimit = 256 * 1024;

    // Windows reports ERROR_FILE_NOT_FOUND (2) / ERROR_PATH_NOT_FOUND (3); Unix reports ENOENT (2).
    private static readonly int[] NotFoundErrors = [2, 3];

    private static readonly TimeSpan PipeGracePeriod = TimeSpan.FromSeconds(3);

    /// <inheritdoc />
    public Task<CommandResult> RunAsync(IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken) =>
        RunCoreAsync(arguments, timeout, null, cancellationToken);

    /// <inheritdoc />
    public Task<CommandResult> RunLinesAsync(IReadOnlyList<string> arguments, TimeSpan timeout, Action<string> onLine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onLine);
        return RunCoreAsync(arguments, timeout, onLine, cancellationToken);
    }

    private async Task<CommandResult> RunCoreAsync(IReadOnlyList<string> arguments, TimeSpan timeout, Action<string>? onLine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (arguments.Count == 0 || string.IsNullOrWhiteSpace(arguments[0]))
        {
            return CommandResult.Refused(arguments, "No program to run.");
        }

        var startInfo = new ProcessStartInfo(arguments[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments.Skip(1))
        {
            startInfo.ArgumentList.Add(argument);
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = startInfo };
        try
        {
            if (!process.Start())
            {
                return new CommandResult(arguments, CommandOutcome.FailedToStart, null, string.Empty, "The process did not start.", stopwatch.Elapsed);
            }
        }
        catch (Win32Exception exception)
        {
            var outcome = NotFoundErrors.Contains(exception.NativeErrorCode) ? CommandOutcome.NotFound : CommandOutcome.FailedToStart;
            var message = outcome == CommandOutcome.NotFound ? $"{arguments[0]}: program not found." : $"{arguments[0]}: {exception.Message}";
            return new CommandResult(arguments, outcome, null, string.Empty, message, stopwatch.Elapsed);
        }

        // Nothing is ever typed into these programs; a closed stdin makes one that prompts fail instead of hanging.
        process.StandardInput.Close();
        var stdout = onLine is null ? CaptureAsync(process.StandardOutput, outputLimitCharacters) : StreamAsync(process.StandardOutput, onLine);
        var stderr = CaptureAsync(process.StandardError, outputLimitCharacters);

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        var outcomeOfWait = CommandOutcome.Exited;
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            outcomeOfWait = CommandOutcome.TimedOut;
        }

        // A daemon started by the command (an MTA restart) can inherit the pipes and keep them open for ever, so reading
        // stops a short while after the process itself has gone.
        var output = await FinishCaptureAsync(stdout).ConfigureAwait(false);
        var (error, _) = await FinishCaptureAsync(stderr).ConfigureAwait(false);
        if (outcomeOfWait == CommandOutcome.TimedOut)
        {
            error += (error.Length == 0 || error.EndsWith('\n') ? string.Empty : "\n") + $"Timed out after {timeout.TotalSeconds:0.###} s; the process tree was killed.";
            return new CommandResult(arguments, CommandOutcome.TimedOut, null, output.Text, error, stopwatch.Elapsed, output.Truncated);
        }

        return new CommandResult(arguments, CommandOutcome.Exited, process.ExitCode, output.Text, error, stopwatch.Elapsed, output.Truncated);
    }

    private static async Task<(string Text, bool Truncated)> FinishCaptureAsync(Task<(string Text, bool Truncated)> capture)
    {
        var finished = await Task.WhenAny(capture, Task.Delay(PipeGracePeriod)).ConfigureAwait(false);
        return finished == capture
            ? await capture.ConfigureAwait(false)
            : ("[stopped reading: a process started by this command still holds the output open]\n", true);
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the timeout and the kill: nothing left to do.
        }
    }

    private static async Task<(string Text, bool Truncated)> StreamAsync(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            onLine(line);
        }

        return (string.Empty, false);
    }

    private static async Task<(string Text, bool Truncated)> CaptureAsync(StreamReader reader, int limit)
    {
        var kept = new StringBuilder();
        var dropped = 0L;
        var buffer = new char[8192];
        int read;
        while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            var room = limit - kept.Length;
            if (room > 0)
            {
                kept.Append(buffer, 0, Math.Min(room, read));
            }

            dropped += Math.Max(0, read - Math.Max(room, 0));
        }

        if (dropped > 0)
        {
            kept.Append(OutputText.TruncationMarker(dropped));
        }

        return (kept.ToString(), dropped > 0);
    }
}

/// <summary>Helpers for captured text.</summary>
public static class OutputText
{
    /// <summary>The marker appended where output was cut, saying how much was dropped.</summary>
    public static string TruncationMarker(long droppedCharacters) =>
        $"\n[output truncated: {droppedCharacters} more characters not kept]\n";

    /// <summary>Cuts <paramref name="text"/> to <paramref name="limit"/> characters with the same visible marker.</summary>
    public static string Truncate(string text, int limit)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= limit ? text : text[..limit] + TruncationMarker(text.Length - limit);
    }
}
