using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Domain.Names;
using BackscatterConsole.Domain.Spf;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Posture;

namespace BackscatterConsole.Domain.Posture;

/// <summary>
/// Judges a domain's spoofing posture from DNS: the <c>spf.*</c>, <c>dkim.*</c>, <c>dmarc.*</c> and <c>mx.*</c> checks of
/// <see cref="PostureCheckIds"/>. A temporary DNS failure yields <see cref="CheckStatus.Error"/> with the reason, never a pass.
/// </summary>
public sealed partial class DomainPostureChecker
{
    private const string SpfExplanation =
        "SPF (RFC 7208) tells receivers which hosts may use the domain in the envelope sender. Without a strict policy, spammers forge the "
        + "domain as the sender and the bounces of that spam (backscatter) land on the domain's real users.";

    private const string DmarcExplanation =
        "DMARC (RFC 7489, RFC 9989) tells receivers what to do with mail whose From: domain fails SPF and DKIM alignment. Without an "
        + "enforcing policy, forged mail in the domain's name is delivered, and its bounces come back as backscatter.";

    private const string DkimExplanation =
        "DKIM (RFC 6376) signatures let receivers verify that mail really came from the domain. A missing, revoked or weak key makes "
        + "signed mail fail and leaves DMARC relying on SPF alone; keys under 1024 bits must not be accepted (RFC 8301).";

    private const string MxExplanation =
        "Mail exchangers (RFC 5321 §5) are where mail and bounces for the domain are delivered. Without a resolvable MX, "
        + "receivers cannot return bounces and some reject the domain as a sender (reject_unknown_sender_domain).";

    private readonly IDnsResolver _resolver;
    private readonly SpfEvaluator _spf;
    private readonly DmarcDiscovery _dmarc;
    private readonly TimeProvider _time;

    /// <summary>Creates a checker.</summary>
    /// <param name="resolver">DNS access.</param>
    /// <param name="timeProvider">Clock for <see cref="DomainPostureReport.CheckedAt"/>; the system clock when null.</param>
    /// <param name="spfOptions">SPF limits; RFC 7208 defaults when null.</param>
    public DomainPostureChecker(IDnsResolver resolver, TimeProvider? timeProvider = null, SpfEvaluatorOptions? spfOptions = null)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        _resolver = resolver;
        _spf = new SpfEvaluator(resolver, spfOptions);
        _dmarc = new DmarcDiscovery(resolver);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Runs every posture check for <paramref name="domain"/>.</summary>
    /// <param name="domain">The domain (Unicode names are converted with IDNA).</param>
    /// <param name="dkimSelectors">DKIM selectors in use, from the inventory or the agent; DNS cannot list them.</param>
    /// <param name="cancellationToken">Cancels the checks.</param>
    /// <exception cref="ArgumentException">The domain or a selector is not a valid name.</exception>
    public async Task<DomainPostureReport> CheckAsync(string domain, IEnumerable<string>? dkimSelectors = null, CancellationToken cancellationToken = default)
    {
        if (!HostName.TryNormalize(domain, out var name, out var error))
        {
            throw new ArgumentException($"'{domain}' is not a valid domain: {error}", nameof(domain));
        }

        var selectors = new List<string>();
        foreach (var selector in dkimSelectors ?? [])
        {
            if (!HostName.TryNormalize(selector, out var normalized, out var selectorError, allowUnderscore: true))
            {
                throw new ArgumentException($"'{selector}' is not a valid DKIM selector: {selectorError}", nameof(dkimSelectors));
            }

            if (!selectors.Contains(normalized))
            {
                selectors.Add(normalized);
            }
        }

        var checkedAt = _time.GetUtcNow();
        var spfTask = _spf.AuditAsync(name, cancellationToken);
        var dmarcTask = _dmarc.DiscoverAsync(name, cancellationToken);
        var mxTask = CheckMxAsync(name, cancellationToken);
        var dkimTasks = selectors.Select(s => CheckDkimAsync(name, s, cancellationToken)).ToList();
        await Task.WhenAll(spfTask, dmarcTask, mxTask).ConfigureAwait(false);
        var dkim = await Task.WhenAll(dkimTasks).ConfigureAwait(false);

        var spf = await spfTask.ConfigureAwait(false);
        var dmarc = await dmarcTask.ConfigureAwait(false);
        var (dmarcChecks, enforcing) = await DmarcChecksAsync(name, dmarc, cancellationToken).ConfigureAwait(false);
        var mx = await mxTask.ConfigureAwait(false);

        var checks = new List<CheckResult>();
        checks.AddRange(SpfChecks(name, spf, enforcing, mx.HasMx));
        if (dkim.Length == 0)
        {
            checks.Add(new CheckResult(
                PostureCheckIds.DkimSelectors,
                CheckStatus.Unknown,
                CheckSeverity.Info,
                CheckCatalog.Title(PostureCheckIds.DkimSelectors, CheckStatus.Unknown),
                "No DKIM selector is known for this domain, so no key was checked.",
                DkimExplanation + " Selectors cannot be listed from DNS; they come from the inventory or the agent.",
                [],
                "Add the selectors the mail server signs with (for example from the DKIM-Signature s= tag of sent mail)."));
        }
        else
        {
            checks.AddRange(dkim);
        }

        checks.AddRange(dmarcChecks);
        checks.AddRange(mx.Checks);
        return new DomainPostureReport(
            name,
            checkedAt,
            checks,
            spf.Tree.Record is null && spf.Tree.Children.Count == 0 ? null : spf.Tree,
            dmarc.PolicyDomain,
            dmarc.OrganizationalDomain,
            selectors);
    }

    /// <summary>A result whose title is the catalogue's for its status (<see cref="CheckCatalog"/>).</summary>
    private static CheckResult Finding(string id, CheckStatus status, CheckSeverity severity, string summary, string explanation, IEnumerable<string> evidence, string? remediation) =>
        new(id, status, status is CheckStatus.Pass or CheckStatus.Info ? CheckSeverity.Info : severity, CheckCatalog.Title(id, status), summary, explanation, evidence.ToList(), status == CheckStatus.Pass ? null : remediation);

    private static string Sentence(IEnumerable<string> parts) => string.Join(". ", parts) + ".";
}
