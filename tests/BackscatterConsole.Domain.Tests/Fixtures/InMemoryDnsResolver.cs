using System.Collections.Concurrent;
using BackscatterConsole.Domain.Dns;

namespace BackscatterConsole.Domain.Tests.Fixtures;

/// <summary>
/// An <see cref="IDnsResolver"/> over a dictionary zone, for SPF and posture tests. Entries keep their order because the
/// RFC 7208 suite's <c>TIMEOUT</c> marker times out only the types not listed before it.
/// </summary>
public sealed class InMemoryDnsResolver : IDnsResolver
{
    private readonly ConcurrentDictionary<string, List<Entry>> _zone = new(StringComparer.OrdinalIgnoreCase);
    private int _queries;

    public int Queries => _queries;

    /// <summary>Names starting with this prefix that are not in the zone time out (the suite's <c>error.</c> convention).</summary>
    public string? TimeoutPrefix { get; set; }

    public InMemoryDnsResolver Add(DnsRecord record)
    {
        _zone.GetOrAdd(Key(record.Name), _ => []).Add(new Entry(record.Type, record));
        return this;
    }

    public InMemoryDnsResolver Txt(string name, params string[] strings) => Add(new TxtRecord(Key(name), DnsRecordType.TXT, 300, strings));

    public InMemoryDnsResolver A(string name, string address) =>
        Add(new AddressRecord(Key(name), address.Contains(':', StringComparison.Ordinal) ? DnsRecordType.AAAA : DnsRecordType.A, 300, System.Net.IPAddress.Parse(address)));

    public InMemoryDnsResolver Mx(string name, ushort preference, string exchange) => Add(new MxRecord(Key(name), 300, preference, Key(exchange)));

    public InMemoryDnsResolver Cname(string name, string target) => Add(new NameRecord(Key(name), DnsRecordType.CNAME, 300, Key(target)));

    public InMemoryDnsResolver Ptr(string name, string target) => Add(new NameRecord(Key(name), DnsRecordType.PTR, 300, Key(target)));

    /// <summary>Queries for types not listed before this point time out.</summary>
    public InMemoryDnsResolver Timeout(string name)
    {
        _zone.GetOrAdd(Key(name), _ => []).Add(new Entry(null, null));
        return this;
    }

    /// <summary>Makes the name exist with no records.</summary>
    public InMemoryDnsResolver Exists(string name)
    {
        _zone.GetOrAdd(Key(name), _ => []);
        return this;
    }

    public Task<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _queries);
        if (!BackscatterConsole.Domain.Names.HostName.TryNormalizeQueryName(name, out var current, out var error))
        {
            return Task.FromResult(DnsAnswer.Failure(name, type, DnsResponseStatus.InvalidName, error));
        }

        var queried = current;
        var chain = new List<NameRecord>();
        for (var hop = 0; hop < 10; hop++)
        {
            if (!_zone.TryGetValue(current, out var entries))
            {
                var status = TimeoutPrefix is not null && current.StartsWith(TimeoutPrefix, StringComparison.OrdinalIgnoreCase)
                    ? DnsResponseStatus.Timeout
                    : DnsResponseStatus.NxDomain;
                return Task.FromResult(new DnsAnswer(queried, type, status, [], chain, status.ToString()));
            }

            var records = new List<DnsRecord>();
            NameRecord? alias = null;
            foreach (var entry in entries)
            {
                if (entry.Type is null)
                {
                    if (records.Count == 0)
                    {
                        return Task.FromResult(new DnsAnswer(queried, type, DnsResponseStatus.Timeout, [], chain, "simulated timeout"));
                    }

                    break;
                }

                if (entry.Type == type)
                {
                    records.Add(entry.Record!);
                }
                else if (entry.Type == DnsRecordType.CNAME && alias is null)
                {
                    alias = (NameRecord)entry.Record!;
                }
            }

            if (records.Count > 0)
            {
                return Task.FromResult(new DnsAnswer(queried, type, DnsResponseStatus.Success, records, chain, null));
            }

            if (alias is null)
            {
                return Task.FromResult(new DnsAnswer(queried, type, DnsResponseStatus.NoData, [], chain, "no data"));
            }

            chain.Add(alias);
            if (chain.Count(c => c.Target == alias.Target) > 1)
            {
                break;
            }

            current = alias.Target;
        }

        return Task.FromResult(new DnsAnswer(queried, type, DnsResponseStatus.CnameLoop, [], chain, "CNAME loop"));
    }

    private static string Key(string name) => name.TrimEnd('.').ToLowerInvariant();

    private sealed record Entry(DnsRecordType? Type, DnsRecord? Record);
}
