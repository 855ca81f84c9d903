using BackscatterConsole.Shared.Checks;

namespace BackscatterConsole.Shared.Checklist;

/// <summary>The risk of one server: a 0–100 score and a summary per check family.</summary>
/// <param name="Score">0 (nothing found) to 100 (a critical failure).</param>
/// <param name="Families">One summary per family, ordered by descending score, then name.</param>
public sealed record RiskAssessment(int Score, IReadOnlyList<FamilyRiskSummary> Families);

/// <summary>The checks of one family (the part of the id before the first dot: <c>smtp</c>, <c>mta</c>, <c>spf</c>, ...).</summary>
/// <param name="Family">Family name.</param>
/// <param name="Score">The family's own 0–100 score, same formula as the total.</param>
/// <param name="Worst">The most serious status in the family (fail, warn, error, unknown, pass, info in that order).</param>
/// <param name="Counts">Number of checks per status.</param>
public sealed record FamilyRiskSummary(string Family, int Score, CheckStatus Worst, IReadOnlyDictionary<CheckStatus, int> Counts);
