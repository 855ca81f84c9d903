using System.Text;
using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Domain.Tests.Dns;

namespace BackscatterConsole.Domain.Tests.Fixtures;

/// <summary>
/// Serves an <see cref="InMemoryDnsResolver"/> zone over UDP on loopback, as a recursive server would answer: the CNAME chain
/// and the records at its end, NXDOMAIN, NODATA, SERVFAIL for a loop, and silence where the zone times out. Lets the RFC 7208
/// suite run through a real resolver's wire path.
/// </summary>
public sealed class ZoneDnsServer : IAsyncDisposable
{
    private readonly FakeDnsServer _server;

    public ZoneDnsServer(InMemoryDnsResolver zone)
    {
        _server = new FakeDnsServer(query => Respond(zone, query));
    }

    public string Endpoint => _server.Endpoint;

    public int Queries => _server.Queries;

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private static IEnumerable<byte[]> Respond(InMemoryDnsResolver zone, DnsMessage query)
    {
        var question = query.Questions[0];

        // The in-memory zone answers synchronously.
        var answer = zone.QueryAsync(question.Name, question.Type).GetAwaiter().GetResult();
        switch (answer.Status)
        {
            case DnsResponseStatus.Timeout:
                return [];
            case DnsResponseStatus.CnameLoop:
                return [FakeDnsServer.Answer(query, 2)];
            case DnsResponseStatus.InvalidName:
                return [FakeDnsServer.Answer(query, 1)];
        }

        var rcode = answer.Status == DnsResponseStatus.NxDomain ? 3 : 0;
        return
        [
            FakeDnsServer.Answer(query, rcode, b =>
            {
                foreach (var link in answer.CnameChain)
                {
                    b.Answer(link.Name, DnsRecordType.CNAME, link.Ttl, MessageBuilder.Name(link.Target));
                }

                foreach (var record in answer.Records)
                {
                    b.Answer(record.Name, record.Type, record.Ttl, Data(record));
                }
            }),
        ];
    }

    private static byte[] Data(DnsRecord record) => record switch
    {
        AddressRecord a => a.Address.GetAddressBytes(),
        NameRecord n => MessageBuilder.Name(n.Target),
        MxRecord m => [(byte)(m.Preference >> 8), (byte)m.Preference, .. MessageBuilder.Name(m.Exchange)],
        TxtRecord t => CharacterStrings(t.Strings),
        _ => throw new InvalidOperationException($"No wire form for {record}."),
    };

    /// <summary>Character-strings of at most 255 octets each, as a zone file would split a longer one.</summary>
    private static byte[] CharacterStrings(IReadOnlyList<string> strings)
    {
        var data = new List<byte>();
        foreach (var text in strings)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var offset = 0;
            do
            {
                var length = Math.Min(255, bytes.Length - offset);
                data.Add((byte)length);
                data.AddRange(bytes.AsSpan(offset, length));
                offset += length;
            }
            while (offset < bytes.Length);
        }

        return [.. data];
    }
}
