namespace BackscatterConsole.Domain.Dns;

/// <summary>
/// The result of one resolver call. Failures are values, not exceptions: look at <see cref="Status"/>.
/// </summary>
/// <param name="Name">The normalized name asked for (or the raw input when it was invalid).</param>
/// <param name="Type">The type asked for.</param>
/// <param name="Status">How the query ended.</param>
/// <param name="Records">Records of <paramref name="Type"/> at the end of the CNAME chain; empty unless <see cref="DnsResponseStatus.Success"/>.</param>
/// <param name="CnameChain">Aliases followed, in order, as <c>owner → target</c> pairs.</param>
/// <param name="Error">A human-readable reason when the status is a failure.</param>
public sealed record DnsAnswer(
    string Name,
    DnsRecordType Type,
    DnsResponseStatus Status,
    IReadOnlyList<DnsRecord> Records,
    IReadOnlyList<NameRecord> CnameChain,
    string? Error)
{
    /// <summary>Number of messages this call sent on the network (0 when served from the cache).</summary>
    public int WireQueries { get; init; }

    /// <summary>True for failures that may go away on retry: timeout, SERVFAIL, REFUSED, network errors, malformed answers.</summary>
    public bool IsTemporaryFailure => Status is DnsResponseStatus.Timeout or DnsResponseStatus.ServerFailure
        or DnsResponseStatus.Refused or DnsResponseStatus.NetworkError or DnsResponseStatus.FormatError;

    /// <summary>True when the name or the record set does not exist (NXDOMAIN or NODATA).</summary>
    public bool IsEmpty => Status is DnsResponseStatus.NxDomain or DnsResponseStatus.NoData;

    /// <summary>The final name after following CNAMEs.</summary>
    public string CanonicalName => CnameChain.Count == 0 ? Name : CnameChain[^1].Target;

    /// <summary>Records of type <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">Record class.</typeparam>
    public IEnumerable<T> RecordsOf<T>()
        where T : DnsRecord => Records.OfType<T>();

    /// <summary>A failed answer with no records.</summary>
    /// <param name="name">Name asked for.</param>
    /// <param name="type">Type asked for.</param>
    /// <param name="status">Failure status.</param>
    /// <param name="error">Reason.</param>
    public static DnsAnswer Failure(string name, DnsRecordType type, DnsResponseStatus status, string? error) =>
        new(name, type, status, [], [], error);

    /// <summary>A short description for traces and evidence.</summary>
    public string Describe() => Status switch
    {
        DnsResponseStatus.Success => string.Join(", ", Records.Select(r => r.DataText)),
        DnsResponseStatus.NoData => "no records (NODATA)",
        DnsResponseStatus.NxDomain => "name does not exist (NXDOMAIN)",
        _ => $"{Status}: {Error}",
    };
}
