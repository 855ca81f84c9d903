using BackscatterConsole.Shared.Common;

namespace BackscatterConsole.Shared.Posture;

/// <summary>Input of the SPF tester: would mail from <see cref="Sender"/> sent by <see cref="Ip"/> pass the domain's SPF?</summary>
public sealed class SpfTestInput
{
    /// <summary>Domain whose SPF policy applies.</summary>
    public string? Domain { get; set; }

    /// <summary>The connecting client's IPv4 or IPv6 address.</summary>
    public string? Ip { get; set; }

    /// <summary>Envelope sender; defaults to <c>postmaster@domain</c>.</summary>
    public string? Sender { get; set; }

    /// <summary>HELO/EHLO name; defaults to the domain.</summary>
    public string? Helo { get; set; }
}

/// <summary>What the SPF tester found.</summary>
/// <param name="Domain">The domain evaluated (A-label form).</param>
/// <param name="Ip">The client address.</param>
/// <param name="Sender">The sender used.</param>
/// <param name="Result">none, neutral, pass, fail, softfail, temperror or permerror.</param>
/// <param name="Explanation">For fail: the domain's explanation or the default one.</param>
/// <param name="Lookups">DNS-querying terms evaluated (RFC 7208 limit 10).</param>
/// <param name="VoidLookups">Lookups with no answer (limit 2).</param>
/// <param name="Trace">Evaluation steps in order.</param>
/// <param name="Tree">The include/redirect tree with records and lookup counts.</param>
/// <param name="Problem">Why the result is none, permerror or temperror.</param>
/// <param name="MatchedTerm">The mechanism that decided the result.</param>
public sealed record SpfTestResult(
    string Domain,
    string Ip,
    string Sender,
    string Result,
    string? Explanation,
    int Lookups,
    int VoidLookups,
    IReadOnlyList<string> Trace,
    SpfTreeNode Tree,
    string? Problem,
    string? MatchedTerm);

/// <summary>Input of a DNS posture check.</summary>
public sealed class DnsCheckInput
{
    /// <summary>The domain to judge.</summary>
    public string? Domain { get; set; }

    /// <summary>DKIM selectors in use (DNS cannot list them).</summary>
    public List<string>? DkimSelectors { get; set; }
}

/// <summary>DNS posture checks and the SPF tester, shared by the REST API and the portal.</summary>
public interface IPostureService
{
    /// <summary>Runs the spf.*, dkim.*, dmarc.* and mx.* checks for one domain.</summary>
    Task<OperationResult<DomainPostureReport>> CheckDomainAsync(DnsCheckInput input, CancellationToken cancellationToken);

    /// <summary>Evaluates SPF for one client address and sender.</summary>
    Task<OperationResult<SpfTestResult>> EvaluateSpfAsync(SpfTestInput input, CancellationToken cancellationToken);

    /// <summary>Checks every hosted domain of a managed server with its DKIM selectors.</summary>
    Task<OperationResult<IReadOnlyList<DomainPostureReport>>> CheckServerDomainsAsync(Guid serverId, CancellationToken cancellationToken);
}
