using System.Diagnostics;
using System.Text.Json;
using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Jobs;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.ChangeRequests;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Soak;

/// <summary>
/// The crash-consistency soak. Each cycle: the operator breaks Postfix again (<c>smtpd_reject_unlisted_recipient=no</c>,
/// empty <c>local_recipient_maps</c>), the agent reports it, an Operator proposes the fix of <c>smtp.unknown-recipient</c>
/// as a change request, submits it, a Reviewer approves it, the Operator applies it, and the agent runs the job, while the
/// Reviewer keeps commenting on the request. At a random moment of the cycle the console, the agent, both, or (PostgreSQL)
/// the database server is killed and started again. After every cycle the invariants are checked; see README.md.
/// </summary>
public sealed class SoakRun
{
    private static readonly string[] FinalRequestStates = [ChangeRequestStates.Applied, ChangeRequestStates.PartiallyFailed, ChangeRequestStates.Failed, ChangeRequestStates.RolledBack];

    private readonly SoakOptions _options;
    private readonly TextWriter _log;
    private readonly Random _random;
    private readonly SoakReport _report;
    private readonly string _runId = Guid.NewGuid().ToString("N")[..6];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<string, List<double>> _phaseSeconds = new(StringComparer.Ordinal);
    private SoakRig _rig = null!;
    private int _snapshotRequestsSent;
    private int _snapshotRequestsAcknowledged;

    private SoakRun(SoakOptions options, TextWriter log)
    {
        _options = options;
        _log = log;
        _random = new Random(options.Seed);
        _report = new SoakReport(options);
    }

    /// <summary>
    /// Runs the soak and returns its report; the work directory is kept when there were violations. <paramref name="stop"/>
    /// ends the run after the cycle under way (its final checks still run), so that an interrupted run still reports.
    /// </summary>
    public static async Task<SoakReport> RunAsync(SoakOptions options, TextWriter log, CancellationToken cancellationToken, CancellationToken stop = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var run = new SoakRun(options, log);
        var clock = run._clock;
        run._rig = await SoakRig.StartAsync(options, log, cancellationToken);
        run._report.DatabaseDescription = run._rig.DatabaseDescription;
        run._report.WorkDirectory = run._rig.WorkDirectory;
        try
        {
            await run.RunCyclesAsync(cancellationToken, stop);
        }
        finally
        {
            run._report.Elapsed = clock.Elapsed;
            await run._rig.DisposeAsync();
            if (run._report.Violations.Count == 0 && !options.KeepWorkDirectory)
            {
                run._rig.DeleteWorkDirectory();
            }
            else
            {
                log.WriteLine($"soak: logs, database, agent journal and postconf history kept in {run._rig.WorkDirectory}");
            }
        }

        return run._report;
    }

    private async Task RunCyclesAsync(CancellationToken cancellationToken, CancellationToken stop)
    {
        for (var number = 1; number <= _options.Cycles; number++)
        {
            if (stop.IsCancellationRequested)
            {
                _report.StoppedBecause = $"interrupted after {number - 1} cycles";
                break;
            }

            var cycle = await RunCycleAsync(number, cancellationToken);
            _report.Add(cycle);
            foreach (var violation in cycle.Violations)
            {
                _log.WriteLine("soak: VIOLATION " + violation);
            }

            if (number % 10 == 0 || cycle.Violations.Count > 0 || _options.Cycles <= 20)
            {
                _log.WriteLine($"soak: cycle {number}: kill {cycle.Kill.ToString().ToLowerInvariant()} at {cycle.KillLandedIn ?? "-"}/{cycle.JournalPhaseAtKill ?? "-"}, request {cycle.RequestState}, job {cycle.JobState}, {cycle.Duration.TotalSeconds:0.0} s ({string.Join(" ", cycle.PhaseStarts.Select(p => $"{p.Phase}@{p.At.TotalSeconds:0.0}"))}); violations so far {_report.Violations.Count}");
            }

            if (cycle.Stuck)
            {
                _report.StoppedBecause = $"cycle {number} did not reach a definite state within {_options.Limit.TotalSeconds:0} s";
                break;
            }

            if (number % 100 == 0)
            {
                await CheckAllAcknowledgedAsync(0, cancellationToken);
            }

            // The figures so far, so that a run cut short (killed, machine gone) still has them in its log.
            if (number % 50 == 0)
            {
                _report.Elapsed = _clock.Elapsed;
                _log.WriteLine("soak: figures after cycle " + number.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":\n" + _report);
            }
        }

        await FinalChecksAsync(cancellationToken);
    }

    private async Task<SoakCycle> RunCycleAsync(int number, CancellationToken cancellationToken)
    {
        var kill = _options.KillSequence is { Count: > 0 } sequence ? sequence[(number - 1) % sequence.Count] : RandomKind();
        var cycle = new SoakCycle(number, kill, RandomPhase(), _random.NextDouble());
        var clock = Stopwatch.StartNew();
        var deadline = DateTime.UtcNow + _options.Limit;

        _rig.History.MarkCycle(number);
        cycle.RebrokenAt = DateTime.UtcNow;
        await _rig.RebreakAsync(cancellationToken);

        var driver = DriveAsync(cycle, deadline, cancellationToken);
        var killer = KillAsync(cycle, driver, cancellationToken);
        try
        {
            await driver;
        }
        catch (SoakTimeoutException e)
        {
            cycle.Stuck = true;
            cycle.Violate("definite-state", e.Message);
        }
        catch (SoakRefusedException e)
        {
            cycle.Stuck = true;
            cycle.Violate("refused", e.Message);
        }

        await killer;
        if (!cycle.Stuck)
        {
            await SettleAsync(cycle, cancellationToken);
        }

        if (!cycle.Stuck)
        {
            await CheckCycleAsync(cycle, cancellationToken);
        }

        cycle.Duration = clock.Elapsed;
        LearnPhaseLengths(cycle);
        return cycle;
    }

    /// <summary>
    /// Where the kill aims. Half of the kills aim at the job (the agent planning, changing, reloading, verifying, and the
    /// console recording it), the rest at the agent's report, the review, the apply itself and the quiet after the job.
    /// </summary>
    private string RandomPhase()
    {
        (string Phase, int Weight)[] weights = [("snapshot", 10), ("create", 5), ("submit", 5), ("approve", 5), ("apply", 15), ("job", 50), ("done", 10)];
        var pick = _random.Next(weights.Sum(w => w.Weight));
        foreach (var (phase, weight) in weights)
        {
            if (pick < weight)
            {
                return phase;
            }

            pick -= weight;
        }

        return "job";
    }

    /// <summary>The usual length of a phase, from the undisturbed phases of earlier cycles (a guess before there are any).</summary>
    private double TypicalSeconds(string phase)
    {
        if (_phaseSeconds.TryGetValue(phase, out var seen) && seen.Count > 0)
        {
            return seen.Order().ElementAt(seen.Count / 2);
        }

        return phase switch
        {
            "snapshot" => 2,
            "job" => 4,
            "done" => 1,
            _ => 0.3,
        };
    }

    private void LearnPhaseLengths(SoakCycle cycle)
    {
        var starts = cycle.PhaseStarts.ToList();
        for (var i = 0; i + 1 < starts.Count; i++)
        {
            // A phase counts until the next event; one that a kill cut short or stretched tells nothing about the usual length.
            if (SoakCycle.PhaseIndex(starts[i].Phase) < 0 || SoakCycle.PhaseIndex(starts[i + 1].Phase) < 0 || starts.Take(i + 1).Any(s => s.Phase.StartsWith("kill", StringComparison.Ordinal)))
            {
                continue;
            }

            if (!_phaseSeconds.TryGetValue(starts[i].Phase, out var seen))
            {
                _phaseSeconds[starts[i].Phase] = seen = [];
            }

            seen.Add((starts[i + 1].At - starts[i].At).TotalSeconds);
            if (seen.Count > 50)
            {
                seen.RemoveAt(0);
            }
        }
    }

    private KillKind RandomKind()
    {
        var weights = _options.Weights;
        var pick = _random.Next(weights.Sum(w => w.Weight));
        foreach (var (kind, weight) in weights)
        {
            if (pick < weight)
            {
                return kind;
            }

            pick -= weight;
        }

        return KillKind.None;
    }

    // ---------------------------------------------------------------- the people and the agent doing their work

    private async Task DriveAsync(SoakCycle cycle, DateTime deadline, CancellationToken cancellationToken)
    {
        cycle.Phase = "snapshot";
        await WaitForBrokenSnapshotAsync(cycle, deadline, cancellationToken);

        cycle.Phase = "create";
        var title = $"soak {_runId} cycle {cycle.Number}";
        var request = await CreateAsync(cycle, title, deadline, cancellationToken);

        using var stopComments = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var comments = CommentAsync(cycle, request.Id, stopComments.Token);
        try
        {
            cycle.Phase = "submit";
            await AdvanceAsync(cycle, _rig.Author, ChangeRequestStates.Draft, "submit", deadline, cancellationToken);
            cycle.Phase = "approve";
            await AdvanceAsync(cycle, _rig.Reviewer, ChangeRequestStates.InReview, "approve", deadline, cancellationToken);
            cycle.Phase = "apply";
            await AdvanceAsync(cycle, _rig.Author, ChangeRequestStates.Approved, "apply", deadline, cancellationToken);
            cycle.Phase = "job";
            await WaitForDefiniteStateAsync(cycle, deadline, cancellationToken);
            cycle.Phase = "done";
        }
        finally
        {
            await stopComments.CancelAsync();
            await comments;
        }
    }

    /// <summary>Asks the agent for its settings until the console holds a snapshot collected after the break.</summary>
    private async Task WaitForBrokenSnapshotAsync(SoakCycle cycle, DateTime deadline, CancellationToken cancellationToken)
    {
        var lastAsk = DateTime.MinValue;
        while (true)
        {
            var latest = await _rig.Admin.ReadAnswerAsync($"/api/v1/servers/{_rig.ServerId}/settings-snapshots/latest", deadline, cancellationToken);
            if (latest.Status == 200 && latest.Read<SettingsSnapshotDto>() is { } snapshot
                && snapshot.CollectedAt >= cycle.RebrokenAt
                && snapshot.Values.TryGetValue(SoakRig.Setting, out var value) && value is ["no"])
            {
                return;
            }

            if (DateTime.UtcNow - lastAsk > TimeSpan.FromSeconds(2))
            {
                lastAsk = DateTime.UtcNow;
                Interlocked.Increment(ref _snapshotRequestsSent);
                var asked = await _rig.Author.PostAsync($"/api/v1/servers/{_rig.ServerId}/agent/snapshot-requests", cancellationToken: cancellationToken);
                if (asked.Acknowledged)
                {
                    Interlocked.Increment(ref _snapshotRequestsAcknowledged);
                }
                else if (!asked.Unknown && asked.Status != 409)
                {
                    throw new SoakRefusedException($"Asking for a snapshot was refused: {asked}");
                }
            }

            Expire(deadline, "the agent's snapshot after the break");
            await Task.Delay(100, cancellationToken);
        }
    }

    private async Task<ChangeRequestDto> CreateAsync(SoakCycle cycle, string title, DateTime deadline, CancellationToken cancellationToken)
    {
        var input = new
        {
            title,
            rationale = "Crash-consistency soak: refuse unknown recipients at RCPT time.",
            items = new[] { new { serverId = _rig.ServerId, checkIds = new[] { SoakRig.Check } } },
        };
        while (true)
        {
            var answer = await _rig.Author.PostAsync("/api/v1/change-requests", input, cancellationToken: cancellationToken);
            if (answer.Acknowledged)
            {
                var created = answer.Read<ChangeRequestDto>();
                cycle.RequestId = created.Id;
                cycle.Acknowledged.Enqueue(new AcknowledgedWrite(cycle.Number, created.Id, "create", created.Revision, created.State));
                return created;
            }

            if (!answer.Unknown)
            {
                throw new SoakRefusedException($"Creating the change request was refused: {answer}");
            }

            // No answer: the console died with the request in flight. Whether it was stored is for the console to say.
            var page = await _rig.Admin.ReadAsync<PagedResult<ChangeRequestSummaryDto>>("/api/v1/change-requests?page=1&pageSize=20", deadline, cancellationToken);
            if (page.Items.SingleOrDefault(r => r.Title == title) is { } stored)
            {
                cycle.RequestId = stored.Id;
                return await ReadRequestAsync(stored.Id, deadline, cancellationToken);
            }

            Expire(deadline, "creating the change request");
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>
    /// Moves the request out of <paramref name="from"/> with <paramref name="action"/>, naming the revision read (If-Match),
    /// until it is past that state; an answer lost to a kill is settled by reading the state again.
    /// </summary>
    private async Task AdvanceAsync(SoakCycle cycle, SoakApi who, string from, string action, DateTime deadline, CancellationToken cancellationToken)
    {
        var id = cycle.RequestId!.Value;
        while (true)
        {
            var request = await ReadRequestAsync(id, deadline, cancellationToken);
            if (Rank(request.State) > Rank(from))
            {
                return;
            }

            if (request.State != from)
            {
                throw new SoakRefusedException($"The request is {request.State}, which the soak never asked for (expected {from}).");
            }

            var answer = await who.PostAsync($"/api/v1/change-requests/{id}/{action}", ifMatch: request.Revision, cancellationToken: cancellationToken);
            if (answer.Acknowledged)
            {
                var after = answer.Read<ChangeRequestDto>();
                cycle.JobId ??= after.Items[0].JobId;
                cycle.Acknowledged.Enqueue(new AcknowledgedWrite(cycle.Number, id, action, after.Revision, after.State));
                return;
            }

            // 409/412: something moved the request meanwhile (a comment does not; a lost answer's own effect does): read again.
            if (!answer.Unknown && answer.Status is not (409 or 412))
            {
                throw new SoakRefusedException($"{action} was refused: {answer}");
            }

            Expire(deadline, action);
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>The invariant "every job and change request reaches a definite state within a bounded time".</summary>
    private async Task WaitForDefiniteStateAsync(SoakCycle cycle, DateTime deadline, CancellationToken cancellationToken)
    {
        var id = cycle.RequestId!.Value;
        while (true)
        {
            var request = await ReadRequestAsync(id, deadline, cancellationToken);
            cycle.JobId = request.Items[0].JobId;
            cycle.RequestState = request.State;
            cycle.JobState = request.Items[0].JobState;
            if (FinalRequestStates.Contains(request.State) && (cycle.JobId is null || JobStates.Final.Contains(request.Items[0].JobState ?? string.Empty)))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new SoakTimeoutException($"After {_options.Limit.TotalSeconds:0} s the change request is {request.State} and its job {cycle.JobState ?? "not created"}.");
            }

            await Task.Delay(150, cancellationToken);
        }
    }

    /// <summary>The Reviewer comments on the request all along: a steady stream of small acknowledged writes to lose.</summary>
    private async Task CommentAsync(SoakCycle cycle, Guid requestId, CancellationToken stop)
    {
        for (var k = 1; !stop.IsCancellationRequested; k++)
        {
            var text = $"soak {_runId} cycle {cycle.Number} comment {k}";
            var answer = await _rig.Reviewer.PostAsync($"/api/v1/change-requests/{requestId}/comments", new { text }, cancellationToken: CancellationToken.None);
            if (answer.Acknowledged)
            {
                var after = answer.Read<ChangeRequestDto>();
                cycle.Acknowledged.Enqueue(new AcknowledgedWrite(cycle.Number, requestId, "comment", after.Revision, after.State, text));
            }
            else if (answer.Unknown)
            {
                cycle.UnansweredComments.Enqueue(text);
            }
            else
            {
                cycle.Violate("refused", $"A comment was refused: {answer}");
                return;
            }

            try
            {
                await Task.Delay(answer.Unknown ? 300 : 150, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // ---------------------------------------------------------------- the faults

    private async Task KillAsync(SoakCycle cycle, Task driver, CancellationToken cancellationToken)
    {
        if (cycle.Kill == KillKind.None)
        {
            return;
        }

        // Wait for the aimed-at phase (a cycle that ended early is killed in its quiet after), then a random part of its length.
        var target = SoakCycle.PhaseIndex(cycle.KillPhase);
        while (SoakCycle.PhaseIndex(cycle.Phase) < target && !driver.IsCompleted)
        {
            await Task.Delay(10, cancellationToken);
        }

        await Task.Delay(TimeSpan.FromSeconds(cycle.KillFraction * TypicalSeconds(cycle.KillPhase)), cancellationToken);
        cycle.KillLandedIn = cycle.Phase;
        cycle.Note("kill-" + cycle.Kill.ToString().ToLowerInvariant());
        switch (cycle.Kill)
        {
            case KillKind.Console:
                await _rig.KillConsoleAsync();
                NoteJournalPhase(cycle);
                await CheckStorageAsync(cycle, cancellationToken);
                await _rig.StartConsoleAsync(cancellationToken);
                break;
            case KillKind.Agent:
                _rig.KillAgent();
                NoteJournalPhase(cycle);
                _rig.StartAgent();
                break;
            case KillKind.Both:
                await Task.WhenAll(_rig.KillConsoleAsync(), Task.Run(_rig.KillAgent, cancellationToken));
                NoteJournalPhase(cycle);
                _rig.StartAgent();
                await CheckStorageAsync(cycle, cancellationToken);
                await _rig.StartConsoleAsync(cancellationToken);
                break;
            case KillKind.Database:
                await _rig.RestartDatabaseAsync();
                NoteJournalPhase(cycle);
                await CheckStorageAsync(cycle, cancellationToken);
                break;
        }

        cycle.Note("restarted");
    }

    private void NoteJournalPhase(SoakCycle cycle)
    {
        if (cycle.Phase is not ("apply" or "job" or "done"))
        {
            return;
        }

        // Where the agent was with the job, as its journal says (the job id is known once the apply answered).
        var journal = cycle.JobId is { } jobId ? new JobJournal(new StateDirectory(_rig.AgentStateDirectory)).Load(jobId) : null;
        cycle.JournalPhaseAtKill = cycle.JobId is null ? "unknown" : journal is null ? "not received" : journal.Phase.ToString().ToLowerInvariant();
    }

    private async Task CheckStorageAsync(SoakCycle cycle, CancellationToken cancellationToken)
    {
        cycle.StorageChecks++;
        if (await _rig.CheckStorageAsync(cancellationToken) is { } problem)
        {
            cycle.Violate("storage", problem);
        }
    }

    /// <summary>After the kill: the console answers and the agent is connected again.</summary>
    private async Task SettleAsync(SoakCycle cycle, CancellationToken cancellationToken)
    {
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var agent = await _rig.Admin.ReadAnswerAsync($"/api/v1/servers/{_rig.ServerId}/agent", limit, cancellationToken);
            if (agent.Status == 200 && agent.Read<AgentStatusDto>().Status == AgentStatusDto.Online)
            {
                return;
            }

            if (DateTime.UtcNow > limit)
            {
                cycle.Stuck = true;
                cycle.Violate("agent-online", "The agent did not come back online after the cycle's kill.");
                return;
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    // ---------------------------------------------------------------- the invariants

    private async Task CheckCycleAsync(SoakCycle cycle, CancellationToken cancellationToken)
    {
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var request = await ReadRequestAsync(cycle.RequestId!.Value, limit, cancellationToken);
        var job = request.Items[0].JobId is { } jobId ? await _rig.Admin.ReadAsync<JobDto>($"/api/v1/jobs/{jobId}", limit, cancellationToken) : null;
        cycle.RequestState = request.State;
        cycle.JobState = job?.State;

        CheckRequestFollowsJob(cycle, request, job);
        var journal = job is null ? null : new JobJournal(new StateDirectory(_rig.AgentStateDirectory)).Load(job.Id);
        CheckJournal(cycle, job, journal);
        CheckHistory(cycle, job, journal);
        await CheckPostfixAsync(cycle, job, cancellationToken);
        await CheckAuditAsync(cycle, request, job, limit, cancellationToken);

        // A kill of the console or the database may lose nothing the console acknowledged, in this cycle or the one before.
        if (cycle.Kill is KillKind.Console or KillKind.Both or KillKind.Database)
        {
            await CheckAcknowledgedAsync(cycle, _report.Cycles.TakeLast(1).Append(cycle), limit, cancellationToken);
        }
    }

    private static void CheckRequestFollowsJob(SoakCycle cycle, ChangeRequestDto request, JobDto? job)
    {
        var expected = job?.State switch
        {
            JobStates.Succeeded => ChangeRequestStates.Applied,
            JobStates.RolledBack => ChangeRequestStates.RolledBack,
            _ => ChangeRequestStates.Failed,
        };
        if (request.State != expected)
        {
            cycle.Violate("request-follows-job", $"The request is {request.State} but its job is {job?.State ?? "missing"} (expected the request {expected}).");
        }
    }

    /// <summary>The console's final state of the job is the outcome in the agent's journal.</summary>
    private static void CheckJournal(SoakCycle cycle, JobDto? job, JobJournalEntry? journal)
    {
        if (job is null)
        {
            cycle.Violate("journal", "Applying the approved request created no job.");
            return;
        }

        var agentState = job.State switch
        {
            JobStates.Succeeded => AgentJobState.Succeeded,
            JobStates.RolledBack => AgentJobState.RolledBack,
            JobStates.Failed => AgentJobState.Failed,
            _ => (AgentJobState?)null,
        };
        if (agentState is null)
        {
            // Expired or cancelled: the console decided alone, so the agent must never have started it.
            if (journal is not null)
            {
                cycle.Violate("journal", $"The job is {job.State} on the console, but the agent's journal has it in phase {journal.Phase}.");
            }

            return;
        }

        if (journal is null)
        {
            cycle.Violate("journal", $"The console says the job {job.State}, but the agent has no journal of it.");
        }
        else if (journal.Completion is null)
        {
            cycle.Violate("journal", $"The console says the job {job.State}, but the agent's journal is still in phase {journal.Phase}.");
        }
        else if (journal.Completion.State != agentState)
        {
            cycle.Violate("journal", $"The console says the job {job.State}, the agent's journal says {journal.Completion.State}.");
        }
    }

    /// <summary>No job step is applied twice: the recorded postconf writes agree with the journal, one write per change at most.</summary>
    private void CheckHistory(SoakCycle cycle, JobDto? job, JobJournalEntry? journal)
    {
        var writes = _rig.History.WritesOf(cycle.Number);
        var changes = job?.Changes ?? [];
        foreach (var stray in writes.Where(w => changes.All(c => c.Name != w.Name)))
        {
            cycle.Violate("history", $"A postconf write that no change of this cycle's job explains: {stray.Line}");
        }

        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            var applies = writes.Count(w => w.Name == change.Name && w.Value == change.Value);
            var restores = writes.Count(w => w.Name == change.Name && w.Value != change.Value);
            var satisfied = journal?.Diff.ElementAtOrDefault(i)?.AlreadySatisfied == true;
            var applied = journal?.Applied.Contains(i) == true;
            if (applies > 1)
            {
                cycle.Violate("applied-twice", $"{change.Name}={change.Value} was written {applies} times by one job.");
            }

            if (restores > 1)
            {
                cycle.Violate("applied-twice", $"{change.Name} was restored {restores} times by one job.");
            }

            if (satisfied && applies > 0)
            {
                cycle.Violate("journal-history", $"The journal says {change.Name} already had its value, yet it was written.");
            }

            if (applied && applies != 1)
            {
                cycle.Violate("journal-history", $"The journal says {change.Name} was applied; the history shows {applies} writes of it.");
            }

            if (job!.State == JobStates.Succeeded && !satisfied && !applied)
            {
                cycle.Violate("journal-history", $"The job succeeded but its journal does not list {change.Name} as applied.");
            }

            if (job.State == JobStates.Succeeded && restores > 0)
            {
                cycle.Violate("journal-history", $"The job succeeded, yet {change.Name} was restored.");
            }

            if (job.State == JobStates.RolledBack && restores != applies)
            {
                cycle.Violate("journal-history", $"The job rolled back, but {change.Name} was written {applies} and restored {restores} times.");
            }
        }
    }

    /// <summary>The Postfix setting equals what the last succeeded job set (or, after any other outcome, what it was before).</summary>
    private async Task CheckPostfixAsync(SoakCycle cycle, JobDto? job, CancellationToken cancellationToken)
    {
        var now = await _rig.ReadPostfixAsync(cancellationToken);
        var expected = job?.State == JobStates.Succeeded
            ? job.Changes.ToDictionary(c => c.Name, c => c.Value, StringComparer.Ordinal)
            : SoakRig.BrokenValues;
        foreach (var (name, value) in expected)
        {
            if (!now.TryGetValue(name, out var actual) || actual != value)
            {
                cycle.Violate("postfix-setting", $"After a job that {job?.State ?? "did not exist"}, {name} is '{actual}', expected '{value}'.");
            }
        }
    }

    /// <summary>The audit chain verifies, and holds exactly one entry for each action the state shows happened.</summary>
    private async Task CheckAuditAsync(SoakCycle cycle, ChangeRequestDto request, JobDto? job, DateTime limit, CancellationToken cancellationToken)
    {
        var verification = await _rig.Admin.ReadAsync<AuditVerification>("/api/v1/audit/verify", limit, cancellationToken);
        _report.AuditEntriesVerified = verification.Checked;
        if (!verification.Intact)
        {
            cycle.Violate("audit-chain", $"The audit chain does not verify: first broken entry {verification.FirstBrokenId}.");
        }

        var entries = await ReadAuditAsync("change-request", request.Id, limit, cancellationToken);
        Expect(cycle, entries, AuditActions.ChangeRequestCreated, null, 1, "creation");
        Expect(cycle, entries, AuditActions.ChangeRequestTransition, ChangeRequestStates.InReview, 1, "submission");
        Expect(cycle, entries, AuditActions.ChangeRequestApproved, null, request.Approvals.Count, "approvals");
        Expect(cycle, entries, AuditActions.ChangeRequestTransition, ChangeRequestStates.Applying, 1, "apply");
        Expect(cycle, entries, AuditActions.ChangeRequestTransition, request.State, 1, "final state");
        var commentTexts = entries.Where(e => e.Action == AuditActions.ChangeRequestCommented).Select(e => JsonText(e.After, "text")).ToList();
        var comments = request.Comments.Where(c => c.Kind == "comment").Select(c => c.Text).ToList();
        foreach (var text in comments.Distinct(StringComparer.Ordinal))
        {
            var stored = comments.Count(c => c == text);
            var audited = commentTexts.Count(c => c == text);
            if (stored != 1 || audited != 1)
            {
                cycle.Violate("audit-entries", $"The comment '{text}' is stored {stored} times and audited {audited} times (expected once each).");
            }
        }

        foreach (var orphan in commentTexts.Except(comments, StringComparer.Ordinal))
        {
            cycle.Violate("audit-entries", $"The audit trail has a comment '{orphan}' that the request does not.");
        }

        if (job is not null)
        {
            var jobEntries = await ReadAuditAsync("job", job.Id, limit, cancellationToken);
            Expect(cycle, jobEntries, AuditActions.JobCreated, null, 1, "job creation");
            Expect(cycle, jobEntries, AuditActions.JobFinished, null, JobStates.Final.Contains(job.State) && job.State != JobStates.Cancelled ? 1 : 0, "job end");
            Expect(cycle, jobEntries, AuditActions.JobCancelled, null, 0, "job cancellation");
        }

        var requested = await _rig.Admin.ReadAsync<PagedResult<AuditEntryDto>>($"/api/v1/audit?action={AuditActions.AgentSnapshotRequested}&objectType=server&objectId={_rig.ServerId}&pageSize=1", limit, cancellationToken);
        _report.SnapshotRequestsAcknowledged = _snapshotRequestsAcknowledged;
        if (requested.Total < _snapshotRequestsAcknowledged || requested.Total > _snapshotRequestsSent)
        {
            cycle.Violate("audit-entries", $"{requested.Total} snapshot requests are audited; {_snapshotRequestsAcknowledged} were acknowledged and {_snapshotRequestsSent} sent.");
        }
    }

    private static void Expect(SoakCycle cycle, IReadOnlyList<AuditEntryDto> entries, string action, string? state, int expected, string what)
    {
        var count = entries.Count(e => e.Action == action && (state is null || JsonText(e.After, "state") == state));
        if (count != expected)
        {
            cycle.Violate("audit-entries", $"{count} audit entries for the {what} ({action}{(state is null ? string.Empty : " → " + state)}), expected {expected}.");
        }
    }

    private async Task<IReadOnlyList<AuditEntryDto>> ReadAuditAsync(string objectType, Guid id, DateTime limit, CancellationToken cancellationToken)
    {
        var page = await _rig.Admin.ReadAsync<PagedResult<AuditEntryDto>>($"/api/v1/audit?objectType={objectType}&objectId={id}&pageSize=500", limit, cancellationToken);
        return page.Items;
    }

    /// <summary>Every write the console acknowledged in <paramref name="cycles"/> is still there.</summary>
    private async Task<int> CheckAcknowledgedAsync(SoakCycle reportTo, IEnumerable<SoakCycle> cycles, DateTime limit, CancellationToken cancellationToken)
    {
        var checkedWrites = 0;
        foreach (var byRequest in cycles.SelectMany(c => c.Acknowledged).GroupBy(a => a.RequestId))
        {
            var answer = await _rig.Admin.ReadAnswerAsync($"/api/v1/change-requests/{byRequest.Key}", limit, cancellationToken);
            if (answer.Status == 404)
            {
                reportTo.Violate("acknowledged-write", $"The change request {byRequest.Key} was acknowledged ({string.Join(", ", byRequest.Select(a => a.What))}) and is gone.");
                continue;
            }

            var request = answer.Read<ChangeRequestDto>();
            var comments = request.Comments.Select(c => c.Text).ToHashSet(StringComparer.Ordinal);
            foreach (var write in byRequest)
            {
                checkedWrites++;
                if (write.CommentText is { } text ? !comments.Contains(text) : request.Revision < write.Revision || Rank(request.State) < Rank(write.State))
                {
                    reportTo.Violate("acknowledged-write", $"Cycle {write.Cycle}: '{write.What}' was acknowledged (revision {write.Revision}, {write.State}{(write.CommentText is null ? string.Empty : ", " + write.CommentText)}); now the request is at revision {request.Revision}, {request.State}{(write.CommentText is null ? string.Empty : ", without that comment")}.");
                }
            }
        }

        return checkedWrites;
    }

    private async Task CheckAllAcknowledgedAsync(int cycleNumber, CancellationToken cancellationToken)
    {
        var holder = new SoakCycle(cycleNumber, KillKind.None, "done", 0);
        _report.FinalAcknowledgedChecked = await CheckAcknowledgedAsync(holder, _report.Cycles, DateTime.UtcNow + TimeSpan.FromMinutes(2), cancellationToken);
        foreach (var violation in holder.Violations)
        {
            _report.AddFinal(violation);
        }
    }

    private async Task FinalChecksAsync(CancellationToken cancellationToken)
    {
        await CheckAllAcknowledgedAsync(0, cancellationToken);
        var verification = await _rig.Admin.ReadAsync<AuditVerification>("/api/v1/audit/verify", DateTime.UtcNow + TimeSpan.FromMinutes(2), cancellationToken);
        _report.AuditEntriesVerified = verification.Checked;
        _report.SnapshotRequestsAcknowledged = _snapshotRequestsAcknowledged;
        if (!verification.Intact)
        {
            _report.AddFinal(new Violation(0, "audit-chain", $"The audit chain does not verify at the end: first broken entry {verification.FirstBrokenId}."));
        }
    }

    // ---------------------------------------------------------------- helpers

    private Task<ChangeRequestDto> ReadRequestAsync(Guid id, DateTime deadline, CancellationToken cancellationToken) =>
        _rig.Admin.ReadAsync<ChangeRequestDto>($"/api/v1/change-requests/{id}", deadline, cancellationToken);

    private static int Rank(string state) => state switch
    {
        ChangeRequestStates.Draft => 0,
        ChangeRequestStates.InReview => 1,
        ChangeRequestStates.Approved => 2,
        ChangeRequestStates.Applying => 3,
        _ => 4,
    };

    private static string? JsonText(string? json, string property)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
    }

    private void Expire(DateTime deadline, string what)
    {
        if (DateTime.UtcNow > deadline)
        {
            throw new SoakTimeoutException($"After {_options.Limit.TotalSeconds:0} s the soak was still waiting for {what}.");
        }
    }
}

/// <summary>The console refused something the soak had every right to do.</summary>
public sealed class SoakRefusedException(string message) : Exception(message);
