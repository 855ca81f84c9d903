using BackscatterConsole.Shared.Posture;

namespace BackscatterConsole.Domain.Spf;

/// <summary>What <see cref="SpfEvaluator"/> found.</summary>
/// <param name="Result">The check_host() result.</param>
/// <param name="Explanation">For <see cref="SpfResult.Fail"/>: the expanded <c>exp=</c> text or the default explanation; otherwise null.</param>
/// <param name="Lookups">DNS-querying terms evaluated across the whole evaluation (limit 10).</param>
/// <param name="VoidLookups">Lookups that returned NXDOMAIN or no data (limit 2).</param>
/// <param name="Trace">Human-readable lines, in evaluation order.</param>
/// <param name="Tree">The record tree: root, includes and redirects with their records and lookup counts.</param>
/// <param name="Problem">For permerror/temperror/none: why.</param>
/// <param name="MatchedTerm">The mechanism that decided the result, when one did.</param>
/// <param name="ProblemKind">What kind of problem <paramref name="Problem"/> is.</param>
public sealed record SpfEvaluation(
    SpfResult Result,
    string? Explanation,
    int Lookups,
    int VoidLookups,
    IReadOnlyList<string> Trace,
    SpfTreeNode Tree,
    string? Problem,
    string? MatchedTerm,
    SpfProblemKind ProblemKind);

/// <summary>Why an evaluation ended in none, permerror or temperror.</summary>
public enum SpfProblemKind
{
    /// <summary>No problem.</summary>
    None,

    /// <summary>The root domain publishes no SPF record, or is not a usable name.</summary>
    NoRecord,

    /// <summary>More than one v=spf1 record at one name.</summary>
    MultipleRecords,

    /// <summary>A record breaks the RFC 7208 grammar.</summary>
    Syntax,

    /// <summary>An include or redirect target publishes no record.</summary>
    MissingTarget,

    /// <summary>Over the limit of DNS-querying terms.</summary>
    LookupLimit,

    /// <summary>Over the limit of void lookups.</summary>
    VoidLimit,

    /// <summary>More MX names than may be looked up for one mx term.</summary>
    MxLimit,

    /// <summary>A DNS lookup failed temporarily.</summary>
    Dns,
}

/// <summary>Limits and defaults of <see cref="SpfEvaluator"/>. The defaults are those of RFC 7208 §4.6.4.</summary>
public sealed class SpfEvaluatorOptions
{
    /// <summary>DNS-querying terms allowed across the evaluation.</summary>
    public int MaxDnsLookups { get; set; } = 10;

    /// <summary>Lookups returning no data allowed across the evaluation.</summary>
    public int MaxVoidLookups { get; set; } = 2;

    /// <summary>MX names per <c>mx</c> and PTR names per <c>ptr</c> looked up.</summary>
    public int MaxAddressLookupsPerTerm { get; set; } = 10;

    /// <summary>Explanation given on fail when the record has no usable <c>exp=</c>.</summary>
    public string DefaultExplanation { get; set; } = "The domain's SPF policy does not authorize this host to send its mail.";

    /// <summary>%{r}: the receiving host's domain.</summary>
    public string ReceivingDomain { get; set; } = "unknown";

    /// <summary>Clock for %{t}.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
