using BackscatterConsole.Domain.Dns;

namespace BackscatterConsole.Domain.Posture;

/// <summary>What the RFC 9989 DNS tree walk found for a domain.</summary>
/// <param name="Domain">The author domain walked from.</param>
/// <param name="PolicyDomain">The nearest domain (the domain itself or an ancestor) with a valid record, or null.</param>
/// <param name="Record">That record.</param>
/// <param name="OrganizationalDomain">The organizational domain (RFC 9989 §4.10.2): psd=n holder, the child of a psd=y holder, else the shortest domain with a record, else the domain itself.</param>
/// <param name="Invalid">Problems with records met on the way (several records, syntax), as evidence.</param>
/// <param name="Queries">Each name queried and what came back.</param>
/// <param name="TemporaryError">Set when a lookup failed temporarily before any record was found; the result is then not trustworthy.</param>
public sealed record DmarcDiscoveryResult(
    string Domain,
    string? PolicyDomain,
    DmarcRecord? Record,
    string OrganizationalDomain,
    IReadOnlyList<string> Invalid,
    IReadOnlyList<string> Queries,
    string? TemporaryError);

/// <summary>
/// DMARC policy discovery with the DNS tree walk of RFC 9989 §4.10, which replaces the public suffix list:
/// query <c>_dmarc.&lt;domain&gt;</c>, then the parents one label at a time (jumping to the last seven labels for names of eight or more),
/// up to and including the top-level label, at most eight queries.
/// </summary>
public sealed class DmarcDiscovery(IDnsResolver resolver)
{
    private const int MaxQueries = 8;

    /// <summary>The names the walk queries, in order, without the <c>_dmarc.</c> prefix.</summary>
    /// <param name="domain">Normalized domain.</param>
    public static IReadOnlyList<string> WalkNames(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var labels = domain.Split('.');
        var names = new List<string> { domain };
        var count = labels.Length;
        if (count >= 8)
        {
            count = 7;
        }
        else
        {
            count--;
        }

        for (; count >= 1 && names.Count < MaxQueries; count--)
        {
            names.Add(string.Join('.', labels[^count..]));
        }

        return names;
    }

    /// <summary>Walks the tree for <paramref name="domain"/>.</summary>
    /// <param name="domain">Normalized author domain.</param>
    /// <param name="cancellationToken">Cancels the walk.</param>
    public async Task<DmarcDiscoveryResult> DiscoverAsync(string domain, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var found = new List<(string Name, DmarcRecord Record)>();
        var invalid = new List<string>();
        var queries = new List<string>();
        string? temporary = null;
        foreach (var name in WalkNames(domain))
        {
            var answer = await resolver.QueryAsync("_dmarc." + name, DnsRecordType.TXT, cancellationToken).ConfigureAwait(false);
            queries.Add($"_dmarc.{name} TXT → {answer.Describe()}");
            if (answer.IsTemporaryFailure)
            {
                // Once the nearest record is known the policy is settled; a failing parent only leaves the organizational domain
                // less certain, which the query list shows. Before that, nothing trustworthy can be said.
                if (found.Count == 0)
                {
                    temporary = $"_dmarc.{name}: {answer.Describe()}";
                }

                break;
            }

            var candidates = answer.RecordsOf<TxtRecord>().Select(r => r.Text).Where(DmarcRecord.LooksLikeDmarc).ToList();
            if (candidates.Count > 1)
            {
                // RFC 7489 §6.6.3: several records at one name count as none.
                invalid.Add($"_dmarc.{name} publishes {candidates.Count} DMARC records; receivers ignore them all.");
                continue;
            }

            if (candidates.Count == 1)
            {
                if (DmarcRecord.TryParse(candidates[0], out var record, out var error))
                {
                    found.Add((name, record!));
                }
                else
                {
                    invalid.Add($"_dmarc.{name}: \"{candidates[0]}\" is invalid: {error}");
                }
            }
        }

        var policy = found.Count > 0 ? found[0] : default;
        return new DmarcDiscoveryResult(
            domain,
            found.Count > 0 ? policy.Name : null,
            found.Count > 0 ? policy.Record : null,
            OrganizationalDomain(domain, found),
            invalid,
            queries,
            temporary);
    }

    private static string OrganizationalDomain(string domain, List<(string Name, DmarcRecord Record)> found)
    {
        foreach (var (name, record) in found)
        {
            if (record.Psd == 'n')
            {
                return name;
            }

            if (record.Psd == 'y')
            {
                // The organizational domain is the name one label below the public suffix domain, on the path to the author domain.
                if (name == domain)
                {
                    return domain;
                }

                var labels = domain.Split('.');
                var suffixLabels = name.Split('.').Length;
                return string.Join('.', labels[^(suffixLabels + 1)..]);
            }
        }

        return found.Count > 0 ? found[^1].Name : domain;
    }
}
