using System.Collections.Concurrent;

namespace BackscatterConsole.Soak;

/// <summary>An invariant that did not hold, and where.</summary>
/// <param name="Cycle">The cycle (0 for the checks after the last one).</param>
/// <param name="Invariant">Short name of the invariant (definite-state, applied-twice, …).</param>
/// <param name="Message">What was seen.</param>
public sealed record Violation(int Cycle, string Invariant, string Message)
{
    public override string ToString() => $"cycle {Cycle}: [{Invariant}] {Message}";
}

/// <summary>A write the console acknowledged with a 2xx: it must still be there after any later crash.</summary>
/// <param name="Cycle">The cycle it belongs to.</param>
/// <param name="RequestId">The change request written.</param>
/// <param name="What">created, submit, approve, apply, or comment.</param>
/// <param name="Revision">The revision the answer carried.</param>
/// <param name="State">The state the answer carried.</param>
/// <param name="CommentText">For a comment, its text (unique in the run).</param>
public sealed record AcknowledgedWrite(int Cycle, Guid RequestId, string What, long Revision, string State, string? CommentText = null);

/// <summary>What one cycle planned, did, saw and found.</summary>
public sealed class SoakCycle(int number, KillKind kill, string killPhase, double killFraction)
{
    private static readonly string[] PhaseOrder = ["snapshot", "create", "submit", "approve", "apply", "job", "done"];

    /// <summary>The position of <paramref name="phase"/> among the phases of a cycle (-1 for "start" or a fault event).</summary>
    public static int PhaseIndex(string phase) => Array.IndexOf(PhaseOrder, phase);

    private readonly ConcurrentQueue<Violation> _violations = new();

    public int Number { get; } = number;

    public KillKind Kill { get; } = kill;

    /// <summary>The phase the kill aims at: it fires after that phase began, a random part of its usual length later.</summary>
    public string KillPhase { get; } = killPhase;

    /// <summary>Which part (0–1) of the phase's usual length passes before the kill.</summary>
    public double KillFraction { get; } = killFraction;

    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private string _phase = "start";

    /// <summary>What the cycle is doing (snapshot, create, submit, approve, apply, job, done); read by the killer.</summary>
    public string Phase
    {
        get => _phase;
        set
        {
            _phase = value;
            PhaseStarts.Enqueue((value, _clock.Elapsed));
        }
    }

    /// <summary>Puts a fault event (kill, restart) on the cycle's time line.</summary>
    public void Note(string what) => PhaseStarts.Enqueue((what, _clock.Elapsed));

    /// <summary>When each phase began, for the progress lines.</summary>
    public ConcurrentQueue<(string Phase, TimeSpan At)> PhaseStarts { get; } = new();

    /// <summary>Where the kill landed: the cycle's phase, and the job's phase in the agent's journal when there was a job.</summary>
    public string? KillLandedIn { get; set; }

    public string? JournalPhaseAtKill { get; set; }

    public Guid? RequestId { get; set; }

    public Guid? JobId { get; set; }

    public DateTime RebrokenAt { get; set; }

    public string? RequestState { get; set; }

    public string? JobState { get; set; }

    public TimeSpan Duration { get; set; }

    /// <summary>Storage checks run after this cycle's kill.</summary>
    public int StorageChecks { get; set; }

    /// <summary>True when the cycle could not reach a definite state; the run stops after it.</summary>
    public bool Stuck { get; set; }

    public ConcurrentQueue<AcknowledgedWrite> Acknowledged { get; } = new();

    /// <summary>Comments whose request got no answer: each may or may not exist (the audit check sees that none exists twice).</summary>
    public ConcurrentQueue<string> UnansweredComments { get; } = new();

    public IReadOnlyCollection<Violation> Violations => _violations;

    public void Violate(string invariant, string message) => _violations.Enqueue(new Violation(Number, invariant, message));
}
