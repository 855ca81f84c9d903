using System.Text.Json;
using System.Text.Json.Serialization;
using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Connectors;
using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Agent.Jobs;

/// <summary>Where a job was when its journal was last written.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobPhase>))]
public enum JobPhase
{
    /// <summary>Plan has not finished: nothing has been changed.</summary>
    Planning,

    /// <summary>Applying changes; <see cref="JobJournalEntry.Applied"/> and <see cref="JobJournalEntry.InFlight"/> say which.</summary>
    Applying,

    /// <summary>Reloading or restarting.</summary>
    Activating,

    /// <summary>Reading the values back.</summary>
    Verifying,

    /// <summary>Restoring the values read in plan.</summary>
    RollingBack,

    /// <summary>Finished; <see cref="JobJournalEntry.Completion"/> holds the outcome.</summary>
    Completed,
}

/// <summary>
/// What the agent has done for one job, written before and after every step that changes something. After a crash the
/// agent reads it back: a change in <see cref="Applied"/> or <see cref="InFlight"/> is never applied again; instead the job
/// is rolled back to <see cref="Originals"/>, which restores only values that differ, so rollback itself can repeat safely.
/// </summary>
/// <param name="Job">The job as dispatched.</param>
/// <param name="Phase">Current phase.</param>
/// <param name="Originals">Values read in plan; null until plan has read them.</param>
/// <param name="Diff">The plan's diff.</param>
/// <param name="Applied">Indexes of changes that were applied successfully.</param>
/// <param name="InFlight">Index of a change whose command was started but whose result was not recorded.</param>
/// <param name="NextSequence">Next step sequence number, so step numbers stay unique across a restart.</param>
/// <param name="Completion">The outcome once <see cref="Phase"/> is <see cref="JobPhase.Completed"/>.</param>
public sealed record JobJournalEntry(
    JobDispatch Job,
    JobPhase Phase,
    IReadOnlyList<SettingValue>? Originals,
    IReadOnlyList<SettingDiff> Diff,
    IReadOnlyList<int> Applied,
    int? InFlight,
    int NextSequence,
    JobCompletion? Completion);

/// <summary>Per-job journal files under <c>{StateDirectory}/jobs/{id}.json</c>, owner-only, replaced atomically.</summary>
public sealed class JobJournal(StateDirectory state)
{
    private const string Folder = "jobs";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Saves the entry.</summary>
    public void Save(JobJournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        state.WriteAllText(FileOf(entry.Job.JobId), JsonSerializer.Serialize(entry, Json));
    }

    /// <summary>The entry for <paramref name="jobId"/>, or null when the agent has never seen the job.</summary>
    public JobJournalEntry? Load(Guid jobId)
    {
        var text = state.ReadAllText(FileOf(jobId));
        return text is null ? null : JsonSerializer.Deserialize<JobJournalEntry>(text, Json);
    }

    /// <summary>
    /// Every readable journal entry. A file that cannot be read (edited by hand, a disk error) is renamed to
    /// <c>.unreadable</c> and skipped, so one bad file cannot stop the agent from starting; it stays for inspection.
    /// </summary>
    public IReadOnlyList<JobJournalEntry> All()
    {
        var entries = new List<JobJournalEntry>();
        foreach (var file in state.List(Folder, "*.json"))
        {
            try
            {
                if (state.ReadAllText(file) is { } text && JsonSerializer.Deserialize<JobJournalEntry>(text, Json) is { } entry)
                {
                    entries.Add(entry);
                }
            }
            catch (JsonException)
            {
                var path = Path.Combine(state.Path, file);
                File.Move(path, path + ".unreadable", overwrite: true);
            }
        }

        return entries;
    }

    /// <summary>Deletes journals of jobs that finished before <paramref name="finishedBefore"/>; unfinished ones are always kept.</summary>
    public int Prune(DateTimeOffset finishedBefore)
    {
        var removed = 0;
        foreach (var entry in All().Where(e => e.Completion is { } done && done.FinishedAt < finishedBefore))
        {
            File.Delete(Path.Combine(state.Path, FileOf(entry.Job.JobId)));
            removed++;
        }

        return removed;
    }

    private static string FileOf(Guid jobId) => Path.Combine(Folder, jobId.ToString("N") + ".json");
}
