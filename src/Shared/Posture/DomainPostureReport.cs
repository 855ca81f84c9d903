using BackscatterConsole.Shared.Checks;

namespace BackscatterConsole.Shared.Posture;

/// <summary>The spoofing posture of one domain: SPF, DKIM, DMARC and MX checks at one point in time.</summary>
/// <param name="Domain">The domain checked, in normalized A-label form.</param>
/// <param name="CheckedAt">When the checks ran (UTC).</param>
/// <param name="Checks">One result per check id of <see cref="PostureCheckIds"/> (DKIM: one per selector).</param>
/// <param name="SpfTree">
/// The SPF include/redirect tree with records and lookup counts; null when no SPF record was found. It comes from a walk as a
/// sender that no term lists, so each node's result is what a stranger gets from that record and every reachable lookup is counted.
/// </param>
/// <param name="DmarcPolicyDomain">Where the DMARC record applying to the domain was found; null when none was.</param>
/// <param name="OrganizationalDomain">The organizational domain found by the RFC 9989 DNS tree walk.</param>
/// <param name="DkimSelectors">The selectors that were checked.</param>
public sealed record DomainPostureReport(
    string Domain,
    DateTimeOffset CheckedAt,
    IReadOnlyList<CheckResult> Checks,
    SpfTreeNode? SpfTree,
    string? DmarcPolicyDomain,
    string? OrganizationalDomain,
    IReadOnlyList<string> DkimSelectors);
