using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Agent.Execution;

/// <summary>How a command ended.</summary>
public enum CommandOutcome
{
    /// <summary>The process ran and exited; see <see cref="CommandResult.ExitCode"/>.</summary>
    Exited,

    /// <summary>The executable does not exist or is not on PATH.</summary>
    NotFound,

    /// <summary>The process could not be started for another reason (permissions, bad format).</summary>
    FailedToStart,

    /// <summary>The process ran longer than its timeout and was killed with its children.</summary>
    TimedOut,

    /// <summary>The agent refused to run it (a connector's allow-list, an unsupported operating system).</summary>
    Refused,
}

/// <summary>The result of one command: never an exception for the expected failures (missing program, timeout).</summary>
/// <param name="Arguments">The program followed by its arguments, exactly as passed to the process.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="ExitCode">The exit code when <see cref="Outcome"/> is <see cref="CommandOutcome.Exited"/>.</param>
/// <param name="StandardOutput">Captured standard output, truncated with a visible marker beyond the cap.</param>
/// <param name="StandardError">Captured standard error (or the reason it did not run), truncated likewise.</param>
/// <param name="Duration">Wall-clock time.</param>
/// <param name="StandardOutputTruncated">
/// True when <see cref="StandardOutput"/> is not all the program printed (cut at the cap, or reading stopped): a list read
/// from it is incomplete.
/// </param>
public sealed record CommandResult(
    IReadOnlyList<string> Arguments,
    CommandOutcome Outcome,
    int? ExitCode,
    string StandardOutput,
    string StandardError,
    TimeSpan Duration,
    bool StandardOutputTruncated = false)
{
    /// <summary>True when the process exited with code 0.</summary>
    public bool Succeeded => Outcome == CommandOutcome.Exited && ExitCode == 0;

    /// <summary>The command as a person would type it in a POSIX shell.</summary>
    public string Display => new RemediationCommand(Arguments).Display;

    /// <summary>The command line, then standard output and standard error, for a step's output field.</summary>
    public string Transcript
    {
        get
        {
            var text = "$ " + Display + "\n" + StandardOutput;
            if (StandardError.Length > 0)
            {
                text += (text.EndsWith('\n') ? string.Empty : "\n") + StandardError;
            }

            return Outcome switch
            {
                CommandOutcome.Exited => text,
                _ => text + (text.EndsWith('\n') ? string.Empty : "\n") + $"[{Outcome}]",
            };
        }
    }

    /// <summary>A result for a command the agent refused to run.</summary>
    public static CommandResult Refused(IReadOnlyList<string> arguments, string reason) =>
        new(arguments, CommandOutcome.Refused, null, string.Empty, reason, TimeSpan.Zero);
}
