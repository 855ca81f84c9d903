namespace BackscatterConsole.Shared.Posture;

/// <summary>
/// One record visited while evaluating SPF: the root domain, an <c>include:</c> or a <c>redirect=</c>.
/// The UI draws these as the include tree with the DNS-lookup cost of each branch.
/// </summary>
/// <param name="Domain">Domain whose record this is.</param>
/// <param name="Term">How it was reached: <c>(root)</c>, <c>include:…</c> or <c>redirect=…</c> as published.</param>
/// <param name="Record">The <c>v=spf1</c> text, or null when none was found.</param>
/// <param name="Result">The check_host() result of this record (<c>pass</c>, <c>fail</c>, <c>permerror</c>, …).</param>
/// <param name="Lookups">DNS-querying terms counted in this record itself (include, a, mx, ptr, exists, redirect).</param>
/// <param name="TotalLookups">Lookups of this record plus all records below it; the RFC 7208 limit of 10 applies to the root's total.</param>
/// <param name="VoidLookups">Lookups in this record that returned no data.</param>
/// <param name="Error">Why the branch failed, when it did.</param>
/// <param name="Children">Records reached from this one, in evaluation order.</param>
public sealed record SpfTreeNode(
    string Domain,
    string Term,
    string? Record,
    string Result,
    int Lookups,
    int TotalLookups,
    int VoidLookups,
    string? Error,
    IReadOnlyList<SpfTreeNode> Children);
