namespace BackscatterConsole.Domain.Dns;

/// <summary>
/// Resolves one name and type. Implementations never throw for DNS failures (NXDOMAIN, SERVFAIL, timeouts, network errors,
/// malformed answers or names); they return them in <see cref="DnsAnswer.Status"/>. Only cancellation by the caller throws.
/// </summary>
public interface IDnsResolver
{
    /// <summary>Looks up <paramref name="name"/>, following CNAMEs.</summary>
    /// <param name="name">A host or domain name; non-ASCII names are converted with IDNA.</param>
    /// <param name="type">Record type.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    Task<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default);
}
