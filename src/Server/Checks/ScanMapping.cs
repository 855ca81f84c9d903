using BackscatterConsole.Domain.Checklist;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Servers;

namespace BackscatterConsole.Server.Checks;

/// <summary>Conversions between stored scans and the API contracts, and the risk helpers both use.</summary>
internal static class ScanMapping
{
    public static string Text(CheckStatus status) => status.ToString().ToLowerInvariant();

    public static string Text(CheckSeverity severity) => severity.ToString().ToLowerInvariant();

    public static CheckStatus ParseStatus(string text) => Enum.TryParse<CheckStatus>(text, ignoreCase: true, out var status) ? status : CheckStatus.Unknown;

    public static CheckSeverity ParseSeverity(string text) => Enum.TryParse<CheckSeverity>(text, ignoreCase: true, out var severity) ? severity : CheckSeverity.Info;

    /// <summary>
    /// A stored result as the API shows it. The title is the catalogue's current one for the id and status, not the one
    /// stored with it: the catalogue is the authority, so old scans read like new ones after a title is reworded.
    /// </summary>
    public static ScanResultDto ToDto(ScanCheckResult r) => new(
        r.CheckId,
        r.Source,
        r.Subject,
        ParseStatus(r.Status),
        ParseSeverity(r.Severity),
        CheckCatalog.TitleOr(r.CheckId, ParseStatus(r.Status), r.Title),
        r.Summary,
        r.Explanation,
        r.Evidence,
        r.Remediation,
        r.Commands,
        r.CheckedAt);

    public static CheckResult ToCheck(ScanResultDto r) => new(r.Id, r.Status, r.Severity, r.Title, r.Summary, r.Explanation, r.Evidence, r.Remediation);

    public static ScanDto ToDto(Scan scan, string serverName) => new(
        scan.Id,
        scan.ServerId,
        serverName,
        scan.Status,
        scan.Progress,
        scan.Trigger,
        scan.RequestedBy,
        scan.QueuedAt,
        scan.StartedAt,
        scan.FinishedAt,
        scan.Error,
        scan.RiskScore,
        scan.Results.OrderBy(r => r.Position).Select(ToDto).ToList());

    public static ScanSummaryDto ToSummary(Scan scan, IReadOnlyDictionary<CheckStatus, int> counts) => new(
        scan.Id,
        scan.ServerId,
        scan.Status,
        scan.Progress,
        scan.Trigger,
        scan.RequestedBy,
        scan.QueuedAt,
        scan.StartedAt,
        scan.FinishedAt,
        scan.Error,
        scan.RiskScore,
        counts);

    /// <summary>A result's share of the risk score; the worst finding is the one with the largest.</summary>
    public static double Contribution(ScanResultDto r) => RiskScore.SeverityWeight(r.Severity) * RiskScore.StatusFactor(r.Status);

    /// <summary>
    /// The finding that weighs most, or null when nothing is wrong (every contribution zero). Among equal weights the SMTP
    /// behaviour comes first and probe evidence before settings: that is the backscatter itself, the rest are its causes.
    /// </summary>
    public static ScanResultDto? Worst(IEnumerable<ScanResultDto> results) =>
        results.Where(r => Contribution(r) > 0)
            .OrderByDescending(Contribution)
            .ThenBy(r => r.Id.StartsWith("smtp.", StringComparison.Ordinal) ? 0 : 1)
            .ThenBy(r => r.Source == CheckSources.Probe ? 0 : 1)
            .ThenBy(r => r.Id, StringComparer.Ordinal)
            .FirstOrDefault();

    /// <summary>The inventory's status of a server whose latest scan's worst finding is <paramref name="worst"/>: nothing found is a pass.</summary>
    public static string WorstStatus(ScanResultDto? worst) => worst?.Status switch
    {
        CheckStatus.Fail => ServerStatusFilter.Fail,
        CheckStatus.Warn => ServerStatusFilter.Warn,
        CheckStatus.Error => ServerStatusFilter.Error,
        CheckStatus.Unknown => ServerStatusFilter.Unknown,
        _ => ServerStatusFilter.Pass,
    };

    /// <summary>Lines that appeared, disappeared or changed status between two result sets (keyed by id, source and subject).</summary>
    public static IReadOnlyList<CheckChangeDto> Changes(IReadOnlyList<ScanResultDto> before, IReadOnlyList<ScanResultDto> after)
    {
        var previous = before.GroupBy(r => r.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var current = after.GroupBy(r => r.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var changes = new List<CheckChangeDto>();
        foreach (var (key, now) in current)
        {
            if (!previous.TryGetValue(key, out var then))
            {
                changes.Add(new CheckChangeDto(now.Id, now.Source, now.Subject, now.Title, null, now.Status));
            }
            else if (then.Status != now.Status)
            {
                changes.Add(new CheckChangeDto(now.Id, now.Source, now.Subject, now.Title, then.Status, now.Status));
            }
        }

        changes.AddRange(previous.Where(p => !current.ContainsKey(p.Key)).Select(p => new CheckChangeDto(p.Value.Id, p.Value.Source, p.Value.Subject, p.Value.Title, p.Value.Status, null)));
        return changes.OrderBy(c => c.Id, StringComparer.Ordinal).ThenBy(c => c.Subject, StringComparer.Ordinal).ToList();
    }
}
