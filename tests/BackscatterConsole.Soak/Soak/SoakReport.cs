using System.Globalization;
using System.Text;

namespace BackscatterConsole.Soak;

/// <summary>The figures of a run, and every violation.</summary>
public sealed class SoakReport(SoakOptions options)
{
    private readonly List<SoakCycle> _cycles = [];
    private readonly List<Violation> _final = [];

    public SoakOptions Options { get; } = options;

    public IReadOnlyList<SoakCycle> Cycles => _cycles;

    public TimeSpan Elapsed { get; set; }

    public string DatabaseDescription { get; set; } = string.Empty;

    public string WorkDirectory { get; set; } = string.Empty;

    /// <summary>Acknowledged writes checked again at the end of the run (all cycles).</summary>
    public int FinalAcknowledgedChecked { get; set; }

    public long AuditEntriesVerified { get; set; }

    public int SnapshotRequestsAcknowledged { get; set; }

    public string? StoppedBecause { get; set; }

    public IReadOnlyList<Violation> Violations => [.. _cycles.SelectMany(c => c.Violations), .. _final];

    public void Add(SoakCycle cycle) => _cycles.Add(cycle);

    public void AddFinal(Violation violation) => _final.Add(violation);

    public override string ToString()
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"soak: {_cycles.Count} of {Options.Cycles} cycles on {Options.Provider.ToString().ToLowerInvariant()} (seed {Options.Seed}), {Elapsed:hh\\:mm\\:ss}; {DatabaseDescription}");
        if (StoppedBecause is not null)
        {
            text.AppendLine(inv, $"stopped early: {StoppedBecause}");
        }

        text.AppendLine("kills: " + Count(_cycles.Select(c => c.Kill.ToString().ToLowerInvariant())));
        var killed = _cycles.Where(c => c.Kill != KillKind.None).ToList();
        text.AppendLine("kills landed while the cycle was at: " + Count(killed.Select(c => c.KillLandedIn ?? "?")));
        text.AppendLine("  and the job, per the agent's journal, was: " + Count(killed.Where(c => c.JournalPhaseAtKill is not null).Select(c => c.JournalPhaseAtKill!)));
        text.AppendLine("jobs: " + Count(_cycles.Select(c => c.JobState ?? "none")));
        text.AppendLine("change requests: " + Count(_cycles.Select(c => c.RequestState ?? "none")));
        var checks = _cycles.Sum(c => c.StorageChecks);
        text.AppendLine(inv, $"storage checks after kills: {checks} ({(Options.Provider == SoakProvider.Postgres ? "pg_amcheck --heapallindexed" : "PRAGMA integrity_check")})");
        var acknowledged = _cycles.SelectMany(c => c.Acknowledged).ToList();
        text.AppendLine(inv, $"acknowledged writes: {acknowledged.Count} ({Count(acknowledged.Select(a => a.What))}), all checked again at the end: {FinalAcknowledgedChecked}; snapshot requests acknowledged: {SnapshotRequestsAcknowledged}");
        text.AppendLine(inv, $"audit entries in the verified chain: {AuditEntriesVerified}");
        var durations = _cycles.Select(c => c.Duration.TotalSeconds).Order().ToList();
        if (durations.Count > 0)
        {
            text.AppendLine(inv, $"cycle time: p50 {Percentile(durations, 0.5):0.0} s, p95 {Percentile(durations, 0.95):0.0} s, max {durations[^1]:0.0} s");
        }

        var violations = Violations;
        var byInvariant = violations.Count == 0 ? string.Empty : " (" + Count(violations.Select(v => v.Invariant)) + ")";
        text.AppendLine(inv, $"violations: {violations.Count}{byInvariant}");
        foreach (var violation in violations.Take(50))
        {
            text.AppendLine("  " + violation);
        }

        return text.ToString();
    }

    private static string Count(IEnumerable<string> values)
    {
        var groups = values.GroupBy(v => v, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        return groups.Count == 0 ? "none" : string.Join(", ", groups.Select(g => $"{g.Key} {g.Count().ToString(CultureInfo.InvariantCulture)}"));
    }

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
}
