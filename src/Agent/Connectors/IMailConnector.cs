using BackscatterConsole.Agent.Execution;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Agent.Connectors;

/// <summary>The current value of one setting as a connector reads it.</summary>
/// <param name="Name">The setting.</param>
/// <param name="Values">Its values (one for Postfix; several for a multi-valued attribute; none when unset).</param>
/// <param name="IsExplicit">
/// True when the value is set explicitly (Postfix: listed by <c>postconf -n</c>). Rollback of a Postfix setting that was
/// not explicit removes it again (<c>postconf -X</c>) instead of pinning today's default into main.cf.
/// </param>
public sealed record SettingValue(string Name, IReadOnlyList<string> Values, bool IsExplicit);

/// <summary>What one connector operation did: success, the commands and their output, and the last exit code.</summary>
/// <param name="Succeeded">True when every command succeeded.</param>
/// <param name="Output">Transcript of the commands (or the refusal), truncated with a marker.</param>
/// <param name="ExitCode">Exit code of the last command that ran to completion.</param>
public sealed record StepResult(bool Succeeded, string Output, int? ExitCode)
{
    /// <summary>A refusal: nothing ran.</summary>
    public static StepResult Refused(string reason) => new(false, reason, null);

    /// <summary>Combines command results: succeeded when all did.</summary>
    public static StepResult From(IReadOnlyList<CommandResult> commands, string? note = null)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var output = string.Join("\n", commands.Select(c => c.Transcript.TrimEnd('\n')));
        if (note is not null)
        {
            output += (output.Length == 0 ? string.Empty : "\n") + note;
        }

        return new StepResult(commands.All(c => c.Succeeded), output, commands.LastOrDefault(c => c.Outcome == CommandOutcome.Exited)?.ExitCode);
    }
}

/// <summary>Values read by <see cref="IMailConnector.ReadAsync"/>; <see cref="Values"/> is null when reading failed.</summary>
public sealed record ReadResult(StepResult Step, IReadOnlyDictionary<string, SettingValue>? Values);

/// <summary>A snapshot collected by <see cref="IMailConnector.CollectAsync"/>; <see cref="Snapshot"/> is null when collection failed.</summary>
public sealed record CollectResult(StepResult Step, SettingsSnapshot? Snapshot);

/// <summary>
/// One mail platform's way of reading and changing settings. Every operation returns a <see cref="StepResult"/> rather
/// than throwing for command failures. A connector changes only the settings on its allow-list, so the console cannot
/// make the agent run arbitrary commands: the names, operations and values of a change are checked before anything runs.
/// </summary>
public interface IMailConnector
{
    /// <summary>The connector kind.</summary>
    AgentConnectorKind Kind { get; }

    /// <summary>Name of the step that makes changes effective (<c>reload</c>, <c>restart MTA</c>).</summary>
    string ActivationStepName { get; }

    /// <summary>Null when the change is allowed, else the reason it is refused.</summary>
    string? Refusal(SettingChange change);

    /// <summary>Reads the current values of <paramref name="names"/> (allow-listed names only).</summary>
    Task<ReadResult> ReadAsync(IReadOnlyList<string> names, CancellationToken cancellationToken);

    /// <summary>Collects the settings snapshot the checklist evaluates.</summary>
    Task<CollectResult> CollectAsync(CancellationToken cancellationToken);

    /// <summary>Applies one change. The caller has checked it is not already satisfied.</summary>
    Task<StepResult> ApplyAsync(SettingChange change, CancellationToken cancellationToken);

    /// <summary>Puts a setting back to the value read before the job changed it.</summary>
    Task<StepResult> RestoreAsync(SettingValue original, CancellationToken cancellationToken);

    /// <summary>Makes applied changes effective (reload or restart).</summary>
    Task<StepResult> ActivateAsync(CancellationToken cancellationToken);
}
