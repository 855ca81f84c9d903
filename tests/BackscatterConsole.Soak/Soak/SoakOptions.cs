namespace BackscatterConsole.Soak;

/// <summary>Which storage the console runs on during the soak.</summary>
public enum SoakProvider
{
    Sqlite,
    Postgres,
}

/// <summary>What is killed in a cycle.</summary>
public enum KillKind
{
    /// <summary>Nothing: the cycle measures the undisturbed path (and how long a cycle takes).</summary>
    None,

    /// <summary>SIGKILL to the console, then a restart.</summary>
    Console,

    /// <summary>SIGKILL to the agent, then a restart.</summary>
    Agent,

    /// <summary>SIGKILL to both at the same moment, then both restart.</summary>
    Both,

    /// <summary>PostgreSQL stopped as by a crash (<c>pg_ctl stop -m immediate</c>) while the console runs, then started again.</summary>
    Database,
}

/// <summary>How a soak run is set up.</summary>
/// <param name="Cycles">Cycles to run.</param>
/// <param name="Provider">Storage of the console.</param>
/// <param name="Seed">Seed of the random kill plan (printed, so a run can be repeated).</param>
/// <param name="KillSequence">When set, cycle n is killed with <c>KillSequence[(n - 1) % Count]</c> instead of a random kind.</param>
/// <param name="CycleLimit">Bound for one cycle to reach a definite state; beyond it the cycle is a violation and the run stops.</param>
/// <param name="KeepWorkDirectory">Keep the logs, database, journal and history after the run (they are always kept after a violation).</param>
/// <param name="ConsoleDirectory">
/// A published console to run instead of the build output of <c>src/Server</c> (the README's run uses a ReadyToRun publish:
/// the console is restarted after every kill, and most of a restart is JIT compilation).
/// </param>
public sealed record SoakOptions(
    int Cycles,
    SoakProvider Provider,
    int Seed,
    IReadOnlyList<KillKind>? KillSequence = null,
    TimeSpan? CycleLimit = null,
    bool KeepWorkDirectory = false,
    string? ConsoleDirectory = null)
{
    /// <summary>The bound actually used.</summary>
    public TimeSpan Limit => CycleLimit ?? TimeSpan.FromMinutes(3);

    /// <summary>
    /// Kill kinds of the random plan, with weights: every kind often enough that a 1,000-cycle run sees each hundreds of
    /// times, and some undisturbed cycles to compare with.
    /// </summary>
    public IReadOnlyList<(KillKind Kind, int Weight)> Weights => Provider == SoakProvider.Postgres
        ? [(KillKind.None, 15), (KillKind.Console, 25), (KillKind.Agent, 25), (KillKind.Both, 15), (KillKind.Database, 20)]
        : [(KillKind.None, 20), (KillKind.Console, 30), (KillKind.Agent, 30), (KillKind.Both, 20)];

    /// <summary>The short run of the test suite: every kill kind of the provider at least twice in ten cycles.</summary>
    public static SoakOptions Short(SoakProvider provider) => new(
        10,
        provider,
        Seed: 20261205,
        KillSequence: provider == SoakProvider.Postgres
            ? [KillKind.Console, KillKind.Database, KillKind.Agent, KillKind.Both, KillKind.None, KillKind.Database, KillKind.Console, KillKind.Agent, KillKind.Both, KillKind.Database]
            : [KillKind.Console, KillKind.Agent, KillKind.Both, KillKind.None, KillKind.Console, KillKind.Agent, KillKind.Both, KillKind.Console, KillKind.Agent, KillKind.Both]);
}
