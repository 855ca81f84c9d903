using BackscatterConsole.Domain.Posture;
using BackscatterConsole.Shared.Checks;

namespace BackscatterConsole.Server.Checks;

/// <summary>The DNS family of a scan: the posture engine (SPF, DKIM, DMARC, MX) registered by the Posture feature, over the resolver configured under <c>Dns</c>.</summary>
internal sealed class DnsPostureSource(DomainPostureChecker checker) : IDomainPostureSource
{
    public async Task<IReadOnlyList<CheckResult>> CheckAsync(string domain, IReadOnlyList<string> dkimSelectors, CancellationToken cancellationToken)
    {
        var report = await checker.CheckAsync(domain, dkimSelectors, cancellationToken);
        return report.Checks;
    }
}
