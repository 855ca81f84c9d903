using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Connectors;
using BackscatterConsole.Agent.Execution;
using BackscatterConsole.Agent.Jobs;
using BackscatterConsole.Agent.Tests.Support;
using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Agent.Tests.Jobs;

public sealed class JobRunnerTests : IDisposable
{
    private const string RecipientMaps = "proxy:unix:passwd.byname $alias_maps";

    private static readonly Guid ServerId = Guid.Parse("6d1f2f0e-35a4-4a4f-9d8e-2a3f0c1b5e77");

    private readonly PostfixInstance _postfix = new();
    private readonly TempDirectory _state = new();
    private readonly List<JobStepEvent> _events = [];

    public void Dispose()
    {
        _postfix.Dispose();
        _state.Dispose();
    }

    private PostfixConnector Postfix(string postfixPath = "/usr/sbin/postfix") =>
        new(new PostfixConnectorOptions { ConfigDirectory = _postfix.ConfigDirectory, PostconfPath = "/usr/sbin/postconf", PostfixPath = postfixPath }, new ProcessRunner(), TimeSpan.FromSeconds(30));

    private JobRunner Runner(IMailConnector connector) => new(connector, new JobJournal(new StateDirectory(_state.Path)), TimeProvider.System);

    private static JobDispatch FixUnknownRecipients(bool dryRun = false) => new(
        Guid.NewGuid(),
        ServerId,
        [
            new SettingChange("smtpd_reject_unlisted_recipient", SettingOperation.Set, "yes"),
            new SettingChange("local_recipient_maps", SettingOperation.Set, RecipientMaps),
        ],
        dryRun,
        DateTimeOffset.UtcNow.AddMinutes(10));

    private Task Record(JobStepEvent step, CancellationToken cancellationToken)
    {
        _events.Add(step);
        return Task.CompletedTask;
    }

    private IReadOnlyList<JobStepEvent> FinalSteps => _events.Where(e => e.State != JobStepState.Running).ToArray();

    [Fact]
    public async Task RunAsync_RealPostfixUnknownRecipientFix_AppliesReloadsVerifiesAndSucceeds()
    {
        var job = FixUnknownRecipients();

        var completion = await Runner(Postfix()).RunAsync(job, ServerId, Record, CancellationToken.None);

        Assert.Equal(AgentJobState.Succeeded, completion.State);
        Assert.Null(completion.Error);
        Assert.Equal("yes", _postfix.Postconf("smtpd_reject_unlisted_recipient"));
        Assert.Equal(RecipientMaps, _postfix.Postconf("local_recipient_maps"));
        Assert.Equal(
            ["plan", "apply set smtpd_reject_unlisted_recipient", "apply set local_recipient_maps", "reload", "verify"],
            FinalSteps.Select(s => s.Name));
        Assert.All(FinalSteps, s => Assert.Equal(JobStepState.Succeeded, s.State));
        Assert.All(FinalSteps, s => Assert.NotNull(s.FinishedAt));
        Assert.Equal(["no"], completion.Diff[0].Before);
        Assert.Equal(["yes"], completion.Diff[0].After);
        Assert.Equal(0, FinalSteps[1].ExitCode);
        Assert.Contains($"postconf -c {_postfix.ConfigDirectory} -e smtpd_reject_unlisted_recipient=yes", FinalSteps[1].Output, StringComparison.Ordinal);
        Assert.Equal(_events.Count / 2, _events.Count(e => e.State == JobStepState.Running));
    }

    [Fact]
    public async Task RunAsync_SameJobDispatchedAgain_ReturnsStoredOutcomeWithoutRunningAnything()
    {
        var job = FixUnknownRecipients();
        var first = await Runner(Postfix()).RunAsync(job, ServerId, Record, CancellationToken.None);
        _events.Clear();
        var counting = new FaultyConnector(Postfix());

        var second = await Runner(counting).RunAsync(job, ServerId, Record, CancellationToken.None);

        Assert.Equal((first.JobId, first.State, first.Error, first.FinishedAt), (second.JobId, second.State, second.Error, second.FinishedAt));
        Assert.Equal(first.Diff.Select(d => (d.Name, string.Join("|", d.Before), string.Join("|", d.After))), second.Diff.Select(d => (d.Name, string.Join("|", d.Before), string.Join("|", d.After))));
        Assert.Empty(_events);
        Assert.Equal(0, counting.Applies);
    }

    [Fact]
    public async Task RunAsync_SecondChangeFails_RollsBackToValuesReadInPlan()
    {
        var connector = new FaultyConnector(Postfix()) { FailApplyNumber = 2 };

        var completion = await Runner(connector).RunAsync(FixUnknownRecipients(), ServerId, Record, CancellationToken.None);

        Assert.Equal(AgentJobState.RolledBack, completion.State);
        Assert.Contains("apply set local_recipient_maps", completion.Error, StringComparison.Ordinal);
        Assert.Equal("no", _postfix.Postconf("smtpd_reject_unlisted_recipient"));
        Assert.Equal(string.Empty, _postfix.Postconf("local_recipient_maps"));
        Assert.Equal(
            ["plan", "apply set smtpd_reject_unlisted_recipient", "apply set local_recipient_maps", "rollback smtpd_reject_unlisted_recipient", "rollback reload", "verify rollback"],
            FinalSteps.Select(s => s.Name));
        Assert.Equal(JobStepState.Failed, FinalSteps[2].State);
        Assert.Equal(JobStepState.Succeeded, FinalSteps[^1].State);
    }

    [Fact]
    public async Task RunAsync_ReloadProgramMissing_RestoresValuesAndReportsFailedRollbackReload()
    {
        var completion = await Runner(Postfix("/nonexistent/postfix")).RunAsync(FixUnknownRecipients(), ServerId, Record, CancellationToken.None);

        // The values are back in main.cf, but they could not be reloaded either: that is not a clean rollback.
        Assert.Equal(AgentJobState.Failed, completion.State);
        Assert.Equal("no", _postfix.Postconf("smtpd_reject_unlisted_recipient"));
        Assert.Equal(string.Empty, _postfix.Postconf("local_recipient_maps"));
        Assert.Contains(FinalSteps, s => s.Name == "reload" && s.State == JobStepState.Failed && s.Output.Contains("program not found", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_AgentStoppedMidJob_ReconcilesOnRestartWithoutApplyingAnyStepTwice()
    {
        var job = FixUnknownRecipients();
        var crashing = new FaultyConnector(Postfix()) { CrashOnApplyNumber = 2 };
        await Assert.ThrowsAsync<OperationCanceledException>(() => Runner(crashing).RunAsync(job, ServerId, Record, CancellationToken.None));
        Assert.Equal("yes", _postfix.Postconf("smtpd_reject_unlisted_recipient"));
        _events.Clear();

        // A new process: new runner, same state directory. The server redelivers the job.
        var restarted = new FaultyConnector(Postfix());
        var completion = await Runner(restarted).RunAsync(job, ServerId, Record, CancellationToken.None);

        Assert.Equal(AgentJobState.RolledBack, completion.State);
        Assert.Contains("stopped during applying", completion.Error, StringComparison.Ordinal);
        Assert.Equal(0, restarted.Applies);
        Assert.Equal("no", _postfix.Postconf("smtpd_reject_unlisted_recipient"));
        Assert.Equal(string.Empty, _postfix.Postconf("local_recipient_maps"));
        Assert.True(FinalSteps[0].Sequence > 3, "step numbers continue after the ones sent before the crash");
    }

    [Fact]
    public async Task ReconcileUnfinishedAsync_AfterCrash_FinishesEveryOpenJob()
    {
        var job = FixUnknownRecipients();
        await Assert.ThrowsAsync<OperationCanceledException>(() => Runner(new FaultyConnector(Postfix()) { CrashOnApplyNumber = 2 }).RunAsync(job, ServerId, Record, CancellationToken.None));

        var outcomes = await Runner(Postfix()).ReconcileUnfinishedAsync(Record, CancellationToken.None);

        var outcome = Assert.Single(outcomes);
        Assert.Equal(job.JobId, outcome.JobId);
        Assert.Equal(AgentJobState.RolledBack, outcome.State);
        Assert.Empty(await Runner(Postfix()).ReconcileUnfinishedAsync(Record, CancellationToken.None));
    }

    [Fact]
    public async Task RunAsync_DryRun_ReportsDiffAndChangesNothing()
    {
        var before = _postfix.MainCf;

        var completion = await Runner(Postfix()).RunAsync(FixUnknownRecipients(dryRun: true), ServerId, Record, CancellationToken.None);

        Assert.Equal(AgentJobState.Succeeded, completion.State);
        Assert.Equal(before, _postfix.MainCf);
        Assert.Equal(["plan"], FinalSteps.Select(s => s.Name));
        Assert.Contains("~ smtpd_reject_unlisted_recipient: no -> yes", FinalSteps[0].Output, StringComparison.Ordinal);
        Assert.False(completion.Diff[1].AlreadySatisfied);
    }

    [Fact]
    public async Task RunAsync_ValuesAlreadyAsDesired_SkipsApplyAndReload()
    {
        await Runner(Postfix()).RunAsync(FixUnknownRecipients(), ServerId, Record, CancellationToken.None);
        _events.Clear();
        var counting = new FaultyConnector(Postfix());

        var completion = await Runner(counting).RunAsync(FixUnknownRecipients(), ServerId, Record, CancellationToken.None);

        Assert.Equal(AgentJobState.Succeeded, completion.State);
        Assert.Equal(0, counting.Applies);
        Assert.Equal([JobStepState.Succeeded, JobStepState.Skipped, JobStepState.Skipped, JobStepState.Skipped, JobStepState.Succeeded], FinalSteps.Select(s => s.State));
    }

    [Fact]
    public async Task RunAsync_ChangeNotOnAllowList_FailsBeforeTouchingAnything()
    {
        var before = _postfix.MainCf;
        var job = FixUnknownRecipients() with { Changes = [new SettingChange("smtpd_reject_unlisted_recipient", SettingOperation.Set, "yes"), new SettingChange("mynetworks", SettingOperation.Set, "0.0.0.0/0")] };

        var completion = await Runner(Postfix()).RunAsync(job, ServerId, Record, CancellationToken.None);

        Assert.Equal(AgentJobState.Failed, completion.State);
        Assert.Contains("'mynetworks' is not on the Postfix connector's allow-list", completion.Error, StringComparison.Ordinal);
        Assert.Equal(before, _postfix.MainCf);
    }

    [Fact]
    public async Task RunAsync_JobForAnotherServerOrExpired_IsRefused()
    {
        var otherServer = await Runner(Postfix()).RunAsync(FixUnknownRecipients(), Guid.NewGuid(), Record, CancellationToken.None);
        var expired = await Runner(Postfix()).RunAsync(FixUnknownRecipients() with { ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-1) }, ServerId, Record, CancellationToken.None);

        Assert.Equal(AgentJobState.Failed, otherServer.State);
        Assert.Contains("this agent is enrolled for", otherServer.Error, StringComparison.Ordinal);
        Assert.Equal(AgentJobState.Failed, expired.State);
        Assert.Contains("expired", expired.Error, StringComparison.Ordinal);
        Assert.Equal("no", _postfix.Postconf("smtpd_reject_unlisted_recipient"));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task RunAsync_Journal_IsOwnerOnlyFile()
    {
        var job = FixUnknownRecipients();

        await Runner(Postfix()).RunAsync(job, ServerId, Record, CancellationToken.None);

        var file = Path.Combine(_state.Path, "jobs", job.JobId.ToString("N") + ".json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_state.Path, "jobs")));
    }

    [Fact]
    public async Task Prune_OldFinishedJob_RemovesOnlyJournalsFinishedBeforeTheCutoff()
    {
        var journal = new JobJournal(new StateDirectory(_state.Path));
        var finished = FixUnknownRecipients(dryRun: true);
        await Runner(Postfix()).RunAsync(finished, ServerId, Record, CancellationToken.None);
        var unfinished = FixUnknownRecipients();
        journal.Save(new JobJournalEntry(unfinished, JobPhase.Applying, [], [], [], 0, 2, null));

        var kept = journal.Prune(DateTimeOffset.UtcNow.AddMinutes(-1));
        var removed = journal.Prune(DateTimeOffset.UtcNow.AddMinutes(1));

        Assert.Equal(0, kept);
        Assert.Equal(1, removed);
        Assert.Null(journal.Load(finished.JobId));
        Assert.NotNull(journal.Load(unfinished.JobId));
    }

    [Fact]
    public void All_UnreadableJournalFile_IsSetAsideAndOthersStillLoad()
    {
        var journal = new JobJournal(new StateDirectory(_state.Path));
        var good = FixUnknownRecipients();
        journal.Save(new JobJournalEntry(good, JobPhase.Planning, null, [], [], null, 1, null));
        File.WriteAllText(Path.Combine(_state.Path, "jobs", "broken.json"), "{ not json");

        var entries = journal.All();

        Assert.Equal(good.JobId, Assert.Single(entries).Job.JobId);
        Assert.True(File.Exists(Path.Combine(_state.Path, "jobs", "broken.json.unreadable")));
    }

    /// <summary>Wraps a real connector to count applies, fail one, or simulate the agent being stopped in the middle of one.</summary>
    private sealed class FaultyConnector(IMailConnector inner) : IMailConnector
    {
        public int Applies { get; private set; }

        public int? FailApplyNumber { get; init; }

        public int? CrashOnApplyNumber { get; init; }

        public AgentConnectorKind Kind => inner.Kind;

        public string ActivationStepName => inner.ActivationStepName;

        public string? Refusal(SettingChange change) => inner.Refusal(change);

        public Task<ReadResult> ReadAsync(IReadOnlyList<string> names, CancellationToken cancellationToken) => inner.ReadAsync(names, cancellationToken);

        public Task<CollectResult> CollectAsync(CancellationToken cancellationToken) => inner.CollectAsync(cancellationToken);

        public async Task<StepResult> ApplyAsync(SettingChange change, CancellationToken cancellationToken)
        {
            Applies++;
            if (Applies == CrashOnApplyNumber)
            {
                throw new OperationCanceledException("simulated: the agent was stopped during this step");
            }

            return Applies == FailApplyNumber
                ? new StepResult(false, "simulated failure of this step", 1)
                : await inner.ApplyAsync(change, cancellationToken);
        }

        public Task<StepResult> RestoreAsync(SettingValue original, CancellationToken cancellationToken) => inner.RestoreAsync(original, cancellationToken);

        public Task<StepResult> ActivateAsync(CancellationToken cancellationToken) => inner.ActivateAsync(cancellationToken);
    }
}
