using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Domain.Posture;
using BackscatterConsole.Shared.Checks;

namespace BackscatterConsole.Server.Checks;

/// <summary>The DNS family of a scan: the posture engine (SPF, DKIM, DMARC, MX) over the resolver configured under <c>Dns</c>.</summary>
internal sealed class DnsPostureSource(IDnsResolver resolver, TimeProvider clock) : IDomainPostureSource
{
    private readonly DomainPostureChecker _checker = new(resolver, clock);

    public async Task<IReadOnlyList<CheckResult>> CheckAsync(string domain, IReadOnlyList<string> dkimSelectors, CancellationToken cancellationToken)
    {
        var report = await _checker.CheckAsync(domain, dkimSelectors, cancellationToken);
        return report.Checks;
    }
}
