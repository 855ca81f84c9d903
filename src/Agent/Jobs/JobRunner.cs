using System.Text;
using BackscatterConsole.Agent.Connectors;
using BackscatterConsole.Agent.Execution;
using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Agent.Jobs;

/// <summary>Receives step events as they happen (the transport forwards them to the console).</summary>
public delegate Task JobStepSink(JobStepEvent step, CancellationToken cancellationToken);

/// <summary>
/// Runs a job: plan (read current values, produce the diff, change nothing) → apply (each change skipped when already in
/// place) → reload/restart → verify (read back) → succeeded. Any failure after plan rolls back to the values read in plan.
/// The journal is written around every change, so a job seen again (redelivered, or after the agent restarted) never
/// applies a change twice: a finished job reports its stored outcome, an unfinished one is rolled back.
/// </summary>
public sealed class JobRunner(IMailConnector connector, JobJournal journal, TimeProvider clock, int outputLimitCharacters = 64 * 1024)
{
    private readonly IMailConnector _connector = connector;
    private readonly JobJournal _journal = journal;
    private readonly TimeProvider _clock = clock;
    private readonly int _outputLimit = outputLimitCharacters;

    /// <summary>Runs <paramref name="job"/>, or returns its outcome when the journal shows it already ran.</summary>
    public async Task<JobCompletion> RunAsync(JobDispatch job, Guid enrolledServerId, JobStepSink onStep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(onStep);
        var existing = _journal.Load(job.JobId);
        if (existing is { Completion: { } done })
        {
            return done;
        }

        var run = new Run(this, existing ?? new JobJournalEntry(job, JobPhase.Planning, null, [], [], null, 1, null), onStep);
        if (existing is not null)
        {
            return await run.ReconcileAsync(cancellationToken).ConfigureAwait(false);
        }

        if (job.ServerId != enrolledServerId)
        {
            return await run.RefuseAsync($"Refused: the job is for server {job.ServerId}, this agent is enrolled for {enrolledServerId}.", cancellationToken).ConfigureAwait(false);
        }

        if (job.ExpiresAt <= _clock.GetUtcNow())
        {
            return await run.RefuseAsync($"Refused: the job expired at {job.ExpiresAt:u} before it reached the agent.", cancellationToken).ConfigureAwait(false);
        }

        return await run.ExecuteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Rolls back every job the journal shows as unfinished (after a crash); returns their outcomes.</summary>
    public async Task<IReadOnlyList<JobCompletion>> ReconcileUnfinishedAsync(JobStepSink onStep, CancellationToken cancellationToken)
    {
        var outcomes = new List<JobCompletion>();
        foreach (var entry in _journal.All().Where(e => e.Completion is null))
        {
            outcomes.Add(await new Run(this, entry, onStep).ReconcileAsync(cancellationToken).ConfigureAwait(false));
        }

        return outcomes;
    }

    private sealed class Run(JobRunner owner, JobJournalEntry start, JobStepSink onStep)
    {
        private JobJournalEntry _entry = start;

        private JobDispatch Job => _entry.Job;

        private IReadOnlyList<string> Names => Job.Changes.Select(c => c.Name).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();

        public async Task<JobCompletion> RefuseAsync(string reason, CancellationToken cancellationToken)
        {
            await StepAsync("plan", () => Task.FromResult(StepResult.Refused(reason)), cancellationToken).ConfigureAwait(false);
            return Complete(AgentJobState.Failed, reason);
        }

        public async Task<JobCompletion> ExecuteAsync(CancellationToken cancellationToken)
        {
            Save(_entry);
            var refusals = Job.Changes.Select(c => owner._connector.Refusal(c)).OfType<string>().ToArray();
            if (Job.Changes.Count == 0)
            {
                refusals = ["Refused: the job has no changes."];
            }

            if (refusals.Length > 0)
            {
                return await RefuseAsync(string.Join("\n", refusals.Distinct(StringComparer.Ordinal)), cancellationToken).ConfigureAwait(false);
            }

            ReadResult? read = null;
            var plan = await StepAsync("plan", async () =>
            {
                read = await owner._connector.ReadAsync(Names, cancellationToken).ConfigureAwait(false);
                if (read.Values is null)
                {
                    return read.Step;
                }

                var diff = Plan(read.Values);
                _entry = _entry with { Originals = [.. read.Values.Values], Diff = diff };
                return read.Step with { Output = DescribeDiff(diff) + "\n" + read.Step.Output };
            }, cancellationToken).ConfigureAwait(false);
            if (!plan.Succeeded || _entry.Originals is null)
            {
                return Complete(AgentJobState.Failed, "Plan could not read the current values; nothing was changed.");
            }

            if (Job.DryRun)
            {
                return Complete(AgentJobState.Succeeded, null);
            }

            _entry = _entry with { Phase = JobPhase.Applying };
            Save(_entry);
            for (var index = 0; index < Job.Changes.Count; index++)
            {
                var change = Job.Changes[index];
                var stepName = $"apply {change.Operation.ToString().ToLowerInvariant()} {change.Name}";
                if (_entry.Diff[index].AlreadySatisfied)
                {
                    await SkipAsync(stepName, $"{change.Name} already has the desired value; nothing to do.", cancellationToken).ConfigureAwait(false);
                    continue;
                }

                _entry = _entry with { InFlight = index };
                Save(_entry);
                var applied = await StepAsync(stepName, () => owner._connector.ApplyAsync(change, cancellationToken), cancellationToken).ConfigureAwait(false);
                if (!applied.Succeeded)
                {
                    return await RollbackAsync($"Step '{stepName}' failed.", cancellationToken).ConfigureAwait(false);
                }

                _entry = _entry with { Applied = [.. _entry.Applied, index], InFlight = null };
                Save(_entry);
            }

            if (_entry.Applied.Count == 0)
            {
                await SkipAsync(owner._connector.ActivationStepName, "Nothing was changed, so nothing to reload.", cancellationToken).ConfigureAwait(false);
            }
            else
            {
                _entry = _entry with { Phase = JobPhase.Activating };
                Save(_entry);
                var activated = await StepAsync(owner._connector.ActivationStepName, () => owner._connector.ActivateAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
                if (!activated.Succeeded)
                {
                    return await RollbackAsync($"Step '{owner._connector.ActivationStepName}' failed.", cancellationToken).ConfigureAwait(false);
                }
            }

            _entry = _entry with { Phase = JobPhase.Verifying };
            Save(_entry);
            var verified = await StepAsync("verify", () => VerifyAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
            return verified.Succeeded
                ? Complete(AgentJobState.Succeeded, null)
                : await RollbackAsync("Verify found values other than the ones applied.", cancellationToken).ConfigureAwait(false);
        }

        public async Task<JobCompletion> ReconcileAsync(CancellationToken cancellationToken)
        {
            if (_entry.Originals is null || (_entry.Applied.Count == 0 && _entry.InFlight is null))
            {
                await SkipAsync("reconcile", $"The agent stopped during {_entry.Phase.ToString().ToLowerInvariant()}, before any change was made; nothing to undo.", cancellationToken).ConfigureAwait(false);
                return Complete(AgentJobState.Failed, "The agent stopped before the job changed anything; the job was not resumed.");
            }

            return await RollbackAsync($"The agent stopped during {_entry.Phase.ToString().ToLowerInvariant()}; the job was rolled back instead of resumed, so no change is applied twice.", cancellationToken).ConfigureAwait(false);
        }

        private async Task<JobCompletion> RollbackAsync(string reason, CancellationToken cancellationToken)
        {
            var failedPhase = _entry.Phase;
            _entry = _entry with { Phase = JobPhase.RollingBack };
            Save(_entry);
            var originals = _entry.Originals!.ToDictionary(o => o.Name, StringComparer.OrdinalIgnoreCase);
            var touched = _entry.Applied.Concat(_entry.InFlight is { } inFlight ? [inFlight] : Array.Empty<int>())
                .Select(i => Job.Changes[i].Name).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();

            // Read first so only values that really differ are written: the rollback may itself be a repeat after a crash.
            var current = await owner._connector.ReadAsync(touched, cancellationToken).ConfigureAwait(false);
            var restored = 0;
            var allRestored = true;
            foreach (var name in touched)
            {
                var original = originals[name];
                if (current.Values is not null && current.Values.TryGetValue(name, out var now) && SettingSemantics.SameValues(now.Values, original.Values))
                {
                    continue;
                }

                var step = await StepAsync($"rollback {name}", () => owner._connector.RestoreAsync(original, cancellationToken), cancellationToken).ConfigureAwait(false);
                allRestored &= step.Succeeded;
                restored++;
            }

            if (restored > 0 || failedPhase is JobPhase.Activating or JobPhase.Verifying or JobPhase.RollingBack)
            {
                var activated = await StepAsync("rollback " + owner._connector.ActivationStepName, () => owner._connector.ActivateAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
                allRestored &= activated.Succeeded;
            }

            var check = await StepAsync("verify rollback", async () =>
            {
                var after = await owner._connector.ReadAsync(touched, cancellationToken).ConfigureAwait(false);
                if (after.Values is null)
                {
                    return after.Step;
                }

                var wrong = touched.Where(n => !SettingSemantics.SameValues(after.Values[n].Values, originals[n].Values)).ToArray();
                var lines = touched.Select(n => $"{n}: {Show(after.Values[n].Values)} (plan read {Show(originals[n].Values)})");
                return after.Step with { Succeeded = wrong.Length == 0, Output = string.Join("\n", lines) + "\n" + after.Step.Output };
            }, cancellationToken).ConfigureAwait(false);
            allRestored &= check.Succeeded;

            return allRestored
                ? Complete(AgentJobState.RolledBack, reason + " Every changed setting was restored to the value read in plan.")
                : Complete(AgentJobState.Failed, reason + " The rollback did not restore every setting: see the rollback steps.");
        }

        private async Task<StepResult> VerifyAsync(CancellationToken cancellationToken)
        {
            var read = await owner._connector.ReadAsync(Names, cancellationToken).ConfigureAwait(false);
            if (read.Values is null)
            {
                return read.Step;
            }

            var expected = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in _entry.Diff)
            {
                expected[line.Name] = line.After;
            }

            var lines = expected.Select(p =>
            {
                var actual = read.Values[p.Key].Values;
                var ok = SettingSemantics.SameValues(actual, p.Value);
                return (ok, text: $"{(ok ? "ok" : "MISMATCH")} {p.Key}: {Show(actual)}{(ok ? string.Empty : $" (expected {Show(p.Value)})")}");
            }).ToArray();
            return read.Step with { Succeeded = lines.All(l => l.ok), Output = string.Join("\n", lines.Select(l => l.text)) + "\n" + read.Step.Output };
        }

        private SettingDiff[] Plan(IReadOnlyDictionary<string, SettingValue> values)
        {
            // Later changes to the same setting see the result of earlier ones (add two restrictions, for example).
            var working = values.ToDictionary(p => p.Key, p => p.Value.Values, StringComparer.OrdinalIgnoreCase);
            return Job.Changes.Select(change =>
            {
                var before = working[change.Name];
                var after = SettingSemantics.Apply(change, before);
                working[change.Name] = after;
                return new SettingDiff(change.Name, change.Operation, change.Value, before, after, SettingSemantics.IsSatisfied(change, before));
            }).ToArray();
        }

        private static string DescribeDiff(IEnumerable<SettingDiff> diff)
        {
            var text = new StringBuilder();
            foreach (var line in diff)
            {
                text.Append(line.AlreadySatisfied ? "= " : "~ ").Append(line.Name).Append(": ").Append(Show(line.Before))
                    .Append(line.AlreadySatisfied ? " (already as desired)" : " -> " + Show(line.After)).Append('\n');
            }

            return text.ToString().TrimEnd('\n');
        }

        private static string Show(IReadOnlyList<string> values) =>
            values.Count == 0 ? "(empty)" : string.Join(" | ", values.Select(v => v.Length == 0 ? "(empty)" : v));

        private async Task<StepResult> StepAsync(string name, Func<Task<StepResult>> action, CancellationToken cancellationToken)
        {
            var sequence = NextSequence();

            // Saved before the step starts, so a step that was announced before a crash never shares its number with a later one.
            Save(_entry);
            var started = owner._clock.GetUtcNow();
            await onStep(new JobStepEvent(Job.JobId, sequence, name, JobStepState.Running, started, null, string.Empty, null), cancellationToken).ConfigureAwait(false);
            var result = await action().ConfigureAwait(false);
            await onStep(new JobStepEvent(Job.JobId, sequence, name, result.Succeeded ? JobStepState.Succeeded : JobStepState.Failed, started, owner._clock.GetUtcNow(),
                OutputText.Truncate(result.Output, owner._outputLimit), result.ExitCode), cancellationToken).ConfigureAwait(false);
            return result;
        }

        private async Task SkipAsync(string name, string reason, CancellationToken cancellationToken)
        {
            var now = owner._clock.GetUtcNow();
            await onStep(new JobStepEvent(Job.JobId, NextSequence(), name, JobStepState.Skipped, now, now, reason, null), cancellationToken).ConfigureAwait(false);
        }

        private int NextSequence()
        {
            var sequence = _entry.NextSequence;
            _entry = _entry with { NextSequence = sequence + 1 };
            return sequence;
        }

        private JobCompletion Complete(AgentJobState state, string? error)
        {
            var completion = new JobCompletion(Job.JobId, state, _entry.Diff, error, owner._clock.GetUtcNow());
            _entry = _entry with { Phase = JobPhase.Completed, InFlight = null, Completion = completion };
            Save(_entry);
            return completion;
        }

        private void Save(JobJournalEntry entry) => owner._journal.Save(entry);
    }
}
