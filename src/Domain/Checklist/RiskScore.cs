using BackscatterConsole.Shared.Checklist;
using BackscatterConsole.Shared.Checks;

namespace BackscatterConsole.Domain.Checklist;

/// <summary>
/// Computes a server's 0–100 risk score from its check results.
/// </summary>
/// <remarks>
/// <para>Each result contributes <c>c = s × f</c>, where the severity weight <c>s</c> is info 0, low 0.1, medium 0.3,
/// high 0.6, critical 1.0, and the status factor <c>f</c> is fail 1, warn 0.5, error 0.2, unknown 0.2, pass 0, info 0.
/// Error and unknown carry a small weight because a check that could not run is uncertainty, not evidence of safety.</para>
/// <para>The score is <c>round(100 × (1 − Π(1 − c)))</c>: contributions combine like independent chances of being abused.
/// Passing checks therefore never dilute a failure (one critical fail is 100 whatever else passes), two high
/// fails give 84, one high fail 60, one medium warn 15, and one unknown low-severity check 2.</para>
/// <para>When the same id appears more than once (the SMTP probe and the settings rules both report
/// <c>smtp.unknown-recipient</c>), only its largest contribution counts, so one problem is not counted twice.</para>
/// </remarks>
public static class RiskScore
{
    /// <summary>Severity weight <c>s</c>.</summary>
    public static double SeverityWeight(CheckSeverity severity) => severity switch
    {
        CheckSeverity.Low => 0.1,
        CheckSeverity.Medium => 0.3,
        CheckSeverity.High => 0.6,
        CheckSeverity.Critical => 1.0,
        _ => 0.0,
    };

    /// <summary>Status factor <c>f</c>.</summary>
    public static double StatusFactor(CheckStatus status) => status switch
    {
        CheckStatus.Fail => 1.0,
        CheckStatus.Warn => 0.5,
        CheckStatus.Error or CheckStatus.Unknown => 0.2,
        _ => 0.0,
    };

    /// <summary>Scores <paramref name="results"/> and summarizes each family.</summary>
    public static RiskAssessment Assess(IEnumerable<CheckResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var list = results.ToList();
        var families = list
            .GroupBy(r => Family(r.Id), StringComparer.Ordinal)
            .Select(g => new FamilyRiskSummary(
                g.Key,
                Score(g),
                g.Select(r => r.Status).OrderByDescending(Seriousness).First(),
                Enum.GetValues<CheckStatus>().ToDictionary(s => s, s => g.Count(r => r.Status == s))))
            .OrderByDescending(f => f.Score)
            .ThenBy(f => f.Family, StringComparer.Ordinal)
            .ToArray();
        return new RiskAssessment(Score(list), families);
    }

    /// <summary>The 0–100 score alone.</summary>
    public static int Score(IEnumerable<CheckResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var safe = results
            .GroupBy(r => r.Id, StringComparer.Ordinal)
            .Select(g => g.Max(r => SeverityWeight(r.Severity) * StatusFactor(r.Status)))
            .Aggregate(1.0, (product, contribution) => product * (1.0 - contribution));
        return (int)Math.Round(100.0 * (1.0 - safe), MidpointRounding.AwayFromZero);
    }

    /// <summary>The family of a check id: the part before the first dot.</summary>
    public static string Family(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var dot = id.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? id : id[..dot];
    }

    private static int Seriousness(CheckStatus status) => status switch
    {
        CheckStatus.Fail => 5,
        CheckStatus.Warn => 4,
        CheckStatus.Error => 3,
        CheckStatus.Unknown => 2,
        CheckStatus.Pass => 1,
        _ => 0,
    };
}
