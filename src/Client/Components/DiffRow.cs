using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.ChangeRequests;
using BackscatterConsole.Shared.Jobs;

namespace BackscatterConsole.Client.Components;

/// <summary>
/// One setting in a <see cref="DiffView"/>: the check it fixes, the value before and the value wanted, and the command
/// that makes the change. Change requests know the value when the fix was planned; jobs know what the agent read and
/// wrote once it ran (or, before that, nothing yet).
/// </summary>
/// <param name="CheckId">The check the change fixes.</param>
/// <param name="Name">The setting or attribute.</param>
/// <param name="Operation">set, add or remove.</param>
/// <param name="Current">The values before the change; null when not known yet.</param>
/// <param name="Desired">The values after the change (for add/remove: the value added or removed).</param>
/// <param name="Command">The equivalent platform command.</param>
/// <param name="AlreadySatisfied">The agent found the setting already as wanted.</param>
public sealed record DiffRow(string CheckId, string Name, SettingOperation Operation, IReadOnlyList<string>? Current, IReadOnlyList<string> Desired, string Command, bool AlreadySatisfied = false)
{
    /// <summary>The rows of a change request item: current values as planned, desired value, command.</summary>
    public static IReadOnlyList<DiffRow> From(IEnumerable<ChangeRequestChangeDto> changes) =>
        changes.Select(c => new DiffRow(c.CheckId, c.Name, c.Operation, c.Current, [c.Value], c.Command)).ToList();

    /// <summary>
    /// The rows of a job: each planned change, with the agent's before and after once it reported its diff.
    /// </summary>
    public static IReadOnlyList<DiffRow> From(JobDto job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.Changes.Select(c =>
        {
            var diff = job.Diff.FirstOrDefault(d => d.Name == c.Name && d.RequestedValue == c.Value);
            return diff is null
                ? new DiffRow(c.CheckId, c.Name, c.Operation, null, [c.Value], c.Command)
                : new DiffRow(c.CheckId, c.Name, c.Operation, diff.Before, diff.After, c.Command, diff.AlreadySatisfied);
        }).ToList();
    }
}
