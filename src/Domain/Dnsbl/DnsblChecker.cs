using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Shared.Checks;

namespace BackscatterConsole.Domain.Dnsbl;

/// <summary>
/// <c>dnsbl.listing</c>: looks an egress address up in each zone through the project's resolver (its timeouts, attempts and
/// concurrency limit apply). Listed anywhere → fail; a zone that did not answer (timeout, SERVFAIL, REFUSED, a refusal code, an
/// answer outside 127.0.0.0/8) → error unless another zone lists it; only when every zone answered "not listed" → pass.
/// </summary>
/// <param name="resolver">The console's resolver.</param>
/// <param name="zoneResolver">The resolver of a zone that names its own <see cref="DnsblZone.Servers"/>; null when none does.</param>
public sealed class DnsblChecker(IDnsResolver resolver, Func<DnsblZone, IDnsResolver>? zoneResolver = null)
{
    /// <summary>The check id.</summary>
    public const string Id = "dnsbl.listing";

    /// <summary>Checks one address against every zone, the zones in parallel.</summary>
    public async Task<CheckResult> CheckAsync(IPAddress address, IReadOnlyList<DnsblZone> zones, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(zones);
        if (zones.Count == 0)
        {
            return Result(CheckStatus.Error, $"No DNSBL zone is configured, so {address} was not looked up.", ["Dnsbl:Zones is empty."], null);
        }

        var outcomes = await Task.WhenAll(zones.Select(z => LookUpAsync(address, z, cancellationToken)));
        var evidence = outcomes.Select(o => o.Evidence).ToList();
        var listed = outcomes.Where(o => o.Kind == OutcomeKind.Listed).ToList();
        var failed = outcomes.Where(o => o.Kind == OutcomeKind.Failed).ToList();
        if (listed.Count > 0)
        {
            var advice = string.Join(Environment.NewLine, listed.Select(o => $"{o.Zone.Name} ({o.Zone.Zone}): {o.Zone.DelistingAdvice}"));
            var also = failed.Count > 0 ? $" {failed.Count} other zone(s) did not answer." : string.Empty;
            return Result(CheckStatus.Fail, $"{address} is listed on {string.Join(", ", listed.Select(o => o.Zone.Name))}.{also}", evidence, advice);
        }

        if (failed.Count > 0)
        {
            return Result(CheckStatus.Error,
                $"{address} could not be checked on {string.Join(", ", failed.Select(o => o.Zone.Name))}: the zone did not answer, so 'not listed' cannot be claimed.",
                evidence, null);
        }

        return Result(CheckStatus.Pass, $"{address} is not listed on any of the {zones.Count} zones checked.", evidence, null);
    }

    /// <summary>The name looked up for <paramref name="address"/> under <paramref name="zone"/>: reversed octets (IPv4) or nibbles (IPv6).</summary>
    public static string QueryName(IPAddress address, string zone)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var bytes = address.GetAddressBytes();
        var labels = address.AddressFamily == AddressFamily.InterNetwork
            ? bytes.Reverse().Select(b => b.ToString(CultureInfo.InvariantCulture))
            : bytes.Reverse().SelectMany(b => new[] { (b & 0xF).ToString("x", CultureInfo.InvariantCulture), (b >> 4).ToString("x", CultureInfo.InvariantCulture) });
        return string.Join('.', labels) + "." + zone.TrimEnd('.');
    }

    private enum OutcomeKind
    {
        NotListed,
        Listed,
        Failed,
    }

    private sealed record Outcome(DnsblZone Zone, OutcomeKind Kind, string Evidence);

    private async Task<Outcome> LookUpAsync(IPAddress address, DnsblZone zone, CancellationToken cancellationToken)
    {
        var name = QueryName(address, zone.Zone);
        var dns = zone.Servers.Count > 0 && zoneResolver is not null ? zoneResolver(zone) : resolver;
        var answer = await dns.QueryAsync(name, DnsRecordType.A, cancellationToken);
        if (answer.IsEmpty)
        {
            return new(zone, OutcomeKind.NotListed, $"{zone.Zone}: not listed ({name}: {answer.Describe()})");
        }

        if (answer.Status != DnsResponseStatus.Success)
        {
            var hint = zone.RefusesPublicResolvers ? " This list refuses queries that come through public resolvers: use a resolver of your own (Dns:Servers)." : string.Empty;
            return new(zone, OutcomeKind.Failed, $"{zone.Zone}: no usable answer for {name}: {answer.Describe()}.{hint}");
        }

        var codes = answer.RecordsOf<AddressRecord>().Select(r => r.Address).ToList();
        var refusal = codes.Select(c => zone.ErrorCodes.TryGetValue(c.ToString(), out var why) ? $"{c} ({why})" : null).FirstOrDefault(c => c is not null);
        if (refusal is not null)
        {
            return new(zone, OutcomeKind.Failed, $"{zone.Zone}: the zone refused to judge {name}: {refusal}. Use a resolver of your own (Dns:Servers) or the list's own access method.");
        }

        if (codes.Any(c => c.AddressFamily != AddressFamily.InterNetwork || c.GetAddressBytes()[0] != 127))
        {
            // Resolvers that rewrite NXDOMAIN into an advertising address answer outside 127/8: not a verdict of the list.
            return new(zone, OutcomeKind.Failed, $"{zone.Zone}: {name} answered {string.Join(", ", codes)}, outside 127.0.0.0/8, which is no DNSBL code; the resolver may rewrite answers.");
        }

        var meanings = string.Join("; ", codes.Select(c => $"{c} = {(zone.Codes.TryGetValue(c.ToString(), out var meaning) ? meaning : "listed (code not documented for this zone)")}"));
        var txt = await dns.QueryAsync(name, DnsRecordType.TXT, cancellationToken);
        var reason = txt.Status == DnsResponseStatus.Success
            ? "reason: " + string.Join(" | ", txt.RecordsOf<TxtRecord>().Select(t => t.Text))
            : "no TXT reason (" + txt.Describe() + ")";
        return new(zone, OutcomeKind.Listed, $"{zone.Zone}: LISTED {name} → {meanings}; {reason}");
    }

    private static CheckResult Result(CheckStatus status, string summary, IReadOnlyList<string> evidence, string? remediation) => new(
        Id,
        status,
        CheckSeverity.High,
        CheckCatalog.Title(Id, status),
        summary,
        "Mail from an address on a blocklist is refused or junked by the receivers that use the list. Backscatter lists (Backscatterer.org, SpamEatingMonkey) list servers that send bounces or sender callouts to forged senders; a listing is the world noticing the server's backscatter.",
        evidence,
        remediation);
}
