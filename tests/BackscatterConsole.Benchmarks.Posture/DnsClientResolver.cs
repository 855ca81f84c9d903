using System.Globalization;
using System.Net.Sockets;
using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Domain.Names;
using DnsClient;
using DnsClient.Protocol;
using AddressRecord = BackscatterConsole.Domain.Dns.AddressRecord;
using DnsQuestion = DnsClient.DnsQuestion;
using OurMxRecord = BackscatterConsole.Domain.Dns.MxRecord;
using OurSoaRecord = BackscatterConsole.Domain.Dns.SoaRecord;
using OurTxtRecord = BackscatterConsole.Domain.Dns.TxtRecord;

namespace BackscatterConsole.Benchmarks.Posture;

/// <summary>
/// <see cref="IDnsResolver"/> on DnsClient 1.8.0's <see cref="LookupClient"/>, set up as close to <see cref="DnsResolver"/>
/// as DnsClient's options allow, so the two can be compared on the same corpus. DnsClient does the wire work (UDP with
/// EDNS0, TCP when truncated, retries, its TTL cache); this adapter adds what DnsClient leaves to its caller: name
/// normalization, CNAME chains the server did not finish, the RCODE-to-status mapping, the EDNS-less retry after FORMERR,
/// the bound on queries in flight, and turning every DnsClient exception into a status.
/// </summary>
/// <remarks>
/// Configuration, from <see cref="DnsResolverOptions"/>: servers in order (<c>UseRandomNameServer = false</c>), the same
/// timeout, <c>Retries = Attempts - 1</c> per server, EDNS0 buffer <see cref="DnsResolverOptions.UdpPayloadSize"/> (DnsClient
/// defaults to 4096, which would hide truncation), <c>UseCache = CacheEnabled</c> with <c>MaximumCacheTimeout =
/// MaxCacheTtl</c>, <c>CacheFailedResults = false</c> (DnsClient caches NXDOMAIN only together with SERVFAIL and REFUSED,
/// for one fixed time, while ours never caches a temporary failure), <c>ContinueOnEmptyResponse = false</c> (a NODATA
/// answer is an answer, as in ours). DnsClient cannot count the messages it sends, so <see cref="DnsAnswer.WireQueries"/>
/// stays 0; the benchmark counts them at the server.
/// </remarks>
public sealed class DnsClientResolver : IDnsResolver, IDisposable
{
    private readonly LookupClient _client;
    private readonly DnsQueryAndServerOptions _withoutEdns;
    private readonly SemaphoreSlim _gate;
    private readonly int _maxCnameChain;

    /// <summary>Creates the adapter.</summary>
    /// <param name="options">The same options <see cref="DnsResolver"/> takes; <c>MaxCacheEntries</c> has no DnsClient equivalent.</param>
    public DnsClientResolver(DnsResolverOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var servers = options.ResolveServerEndPoints().ToArray();
        _client = new LookupClient(Configure(new LookupClientOptions(servers), options, options.UdpPayloadSize));

        // RFC 6891 §7: asked again without the OPT record; an EDNS buffer of 512 makes DnsClient leave it out.
        _withoutEdns = Configure(new DnsQueryAndServerOptions(servers), options, DnsQueryOptions.MinimumBufferSize);
        _gate = new SemaphoreSlim(options.MaxConcurrentQueries, options.MaxConcurrentQueries);
        _maxCnameChain = options.MaxCnameChain;
    }

    /// <inheritdoc/>
    public async Task<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default)
    {
        if (!HostName.TryNormalizeQueryName(name, out var current, out var error))
        {
            return DnsAnswer.Failure(name ?? string.Empty, type, DnsResponseStatus.InvalidName, error);
        }

        var queried = current;
        var chain = new List<NameRecord>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { queried };
        for (var hop = 0; hop <= _maxCnameChain; hop++)
        {
            var step = await StepAsync(current, type, cancellationToken).ConfigureAwait(false);
            foreach (var link in step.Chain)
            {
                chain.Add(link);
                if (!seen.Add(link.Target) || chain.Count > _maxCnameChain)
                {
                    return Loop(queried, type, chain);
                }
            }

            if (step.FollowTarget is null)
            {
                return new DnsAnswer(queried, type, step.Status, step.Records, chain, step.Error);
            }

            current = step.FollowTarget;
        }

        return Loop(queried, type, chain);
    }

    /// <inheritdoc/>
    public void Dispose() => _gate.Dispose();

    private static T Configure<T>(T target, DnsResolverOptions options, int ednsBuffer)
        where T : DnsQueryOptions
    {
        target.UseCache = options.CacheEnabled;
        target.CacheFailedResults = false;
        target.Timeout = options.Timeout;
        target.Retries = options.Attempts - 1;
        target.UseRandomNameServer = false;
        target.ContinueOnDnsError = true;
        target.ContinueOnEmptyResponse = false;
        target.ThrowDnsErrors = false;
        target.UseTcpFallback = true;
        target.Recursion = true;
        target.ExtendedDnsBufferSize = ednsBuffer;
        if (target is LookupClientOptions lookup)
        {
            lookup.MaximumCacheTimeout = options.MaxCacheTtl;
        }

        return target;
    }

    private static DnsAnswer Loop(string name, DnsRecordType type, List<NameRecord> chain) =>
        new(name, type, DnsResponseStatus.CnameLoop, [], chain, $"The CNAME chain from {name} loops or is longer than allowed ({chain.Count} aliases).");

    private async Task<Step> StepAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var question = new DnsQuestion(name, (QueryType)(ushort)type);
            var response = await _client.QueryAsync(question, cancellationToken).ConfigureAwait(false);
            if (response.Header.ResponseCode == DnsHeaderResponseCode.FormatError && !response.Additionals.Any(r => r.RecordType == ResourceRecordType.OPT))
            {
                response = await _client.QueryAsync(question, _withoutEdns, cancellationToken).ConfigureAwait(false);
            }

            return Interpret(response, name, type);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is OperationCanceledException or DnsResponseException)
        {
            // DnsClient wraps the caller's cancellation in a DnsResponseException; the contract says cancellation throws.
            throw new OperationCanceledException(cancellationToken);
        }
        catch (DnsResponseException ex) when (ex.Code == DnsResponseCode.ConnectionTimeout)
        {
            return Step.Fail(DnsResponseStatus.Timeout, $"No answer for {name} {type}: {ex.Message}");
        }
        catch (DnsResponseException ex) when (Socket(ex) is { } socket)
        {
            return Step.Fail(DnsResponseStatus.NetworkError, $"{name} {type}: {socket.SocketErrorCode}.");
        }
        catch (DnsResponseException ex)
        {
            return Step.Fail(DnsResponseStatus.FormatError, $"{name} {type}: {ex.Message}");
        }
        catch (DnsResponseParseException ex)
        {
            return Step.Fail(DnsResponseStatus.FormatError, $"Malformed answer for {name} {type}: {ex.Message}");
        }
        catch (DnsXidMismatchException ex)
        {
            return Step.Fail(DnsResponseStatus.FormatError, $"Every answer for {name} {type} carried another id: {ex.Message}");
        }
        catch (ArgumentException ex)
        {
            // DnsClient's own name check (DnsString.Parse) is stricter than RFC 7208 names need.
            return Step.Fail(DnsResponseStatus.InvalidName, $"DnsClient refused the name {name}: {ex.Message}");
        }
        catch (SocketException ex)
        {
            return Step.Fail(DnsResponseStatus.NetworkError, $"{name} {type}: {ex.SocketErrorCode}.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // DnsClient rethrows a few exceptions unchanged (InvalidOperationException among them); none may reach a caller.
            return Step.Fail(DnsResponseStatus.NetworkError, $"{name} {type}: {ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            _gate.Release();
        }
    }

    private static SocketException? Socket(Exception ex)
    {
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket;
            }
        }

        return null;
    }

    private Step Interpret(IDnsQueryResponse response, string name, DnsRecordType type)
    {
        var from = response.NameServer?.ToString() ?? "the server";
        var rcode = (int)response.Header.ResponseCode;
        switch (rcode)
        {
            case 0:
            case 3:
                break;
            case 2:
                return Step.Fail(DnsResponseStatus.ServerFailure, $"{from} answered SERVFAIL for {name} {type}.");
            case 5:
                return Step.Fail(DnsResponseStatus.Refused, $"{from} refused the query for {name} {type}.");
            case 1:
            case 4:
                return Step.Fail(DnsResponseStatus.FormatError, $"{from} answered {(rcode == 1 ? "FORMERR" : "NOTIMP")} for {name} {type}.");
            default:
                return Step.Fail(DnsResponseStatus.ServerFailure, string.Create(CultureInfo.InvariantCulture, $"{from} answered RCODE {rcode} for {name} {type}."));
        }

        // DnsClient matches answers to queries by id only; the question is checked here. Its question names keep the wire
        // form in Original (Value holds the Unicode form of an IDN).
        if (response.Questions.Count > 0 && (response.Questions.Count != 1
            || !string.Equals(Normalize(response.Questions[0].QueryName.Original), name, StringComparison.Ordinal)
            || (ushort)response.Questions[0].QuestionType != (ushort)type))
        {
            return Step.Fail(DnsResponseStatus.FormatError, $"{from} answered another question than {name} {type}.");
        }

        var answers = response.Answers.Select(Convert).ToList();
        var chain = new List<NameRecord>();
        var current = name;
        for (var i = 0; i <= _maxCnameChain; i++)
        {
            var records = answers.Where(r => r.Type == type && string.Equals(r.Name, current, StringComparison.Ordinal)).ToList();
            if (records.Count > 0)
            {
                return new Step(DnsResponseStatus.Success, records, chain, null, null);
            }

            if (type == DnsRecordType.CNAME)
            {
                break;
            }

            var alias = answers.OfType<NameRecord>().FirstOrDefault(r => r.Type == DnsRecordType.CNAME && string.Equals(r.Name, current, StringComparison.Ordinal));
            if (alias is null)
            {
                break;
            }

            chain.Add(alias);
            current = alias.Target;
            if (chain.Count(c => c.Target == current) > 1)
            {
                break;
            }
        }

        if (rcode == 3)
        {
            return new Step(DnsResponseStatus.NxDomain, [], chain, null, $"{current} does not exist.");
        }

        return chain.Count > 0
            ? new Step(DnsResponseStatus.Success, [], chain, current, null)
            : new Step(DnsResponseStatus.NoData, [], [], null, $"{current} has no {type} record.");
    }

    private static DnsRecord Convert(DnsResourceRecord record)
    {
        // Owner names come through DnsClient's question reader (wire form in Original), names in record data through its
        // name reader (wire form in Value).
        var owner = Normalize(record.DomainName.Original);
        var ttl = (uint)Math.Max(0, record.TimeToLive);
        return record switch
        {
            ARecord a => new AddressRecord(owner, DnsRecordType.A, ttl, a.Address),
            AaaaRecord a => new AddressRecord(owner, DnsRecordType.AAAA, ttl, a.Address),
            CNameRecord c => new NameRecord(owner, DnsRecordType.CNAME, ttl, Normalize(c.CanonicalName.Value)),
            PtrRecord p => new NameRecord(owner, DnsRecordType.PTR, ttl, Normalize(p.PtrDomainName.Value)),
            NsRecord n => new NameRecord(owner, DnsRecordType.NS, ttl, Normalize(n.NSDName.Value)),
            DnsClient.Protocol.MxRecord m => new OurMxRecord(owner, ttl, m.Preference, Normalize(m.Exchange.Value)),
            DnsClient.Protocol.TxtRecord t => new OurTxtRecord(owner, (DnsRecordType)(ushort)t.RecordType, ttl, [.. t.Text]),
            DnsClient.Protocol.SoaRecord s => new OurSoaRecord(owner, ttl, Normalize(s.MName.Value), Normalize(s.RName.Value), s.Serial, s.Minimum),
            _ => new OpaqueRecord(owner, (DnsRecordType)(ushort)record.RecordType, ttl, record.RawDataLength),
        };
    }

    private static string Normalize(string name) => name.TrimEnd('.').ToLowerInvariant();

    private sealed record Step(DnsResponseStatus Status, IReadOnlyList<DnsRecord> Records, IReadOnlyList<NameRecord> Chain, string? FollowTarget, string? Error)
    {
        public static Step Fail(DnsResponseStatus status, string error) => new(status, [], [], null, error);
    }
}
