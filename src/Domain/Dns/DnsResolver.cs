using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using BackscatterConsole.Domain.Names;

namespace BackscatterConsole.Domain.Dns;

/// <summary>
/// A stub resolver: asks recursive servers over UDP with EDNS0, retries over TCP when the answer is truncated, follows CNAMEs,
/// caches by TTL (negative answers by the SOA minimum) and bounds the queries in flight.
/// DNS failures come back as <see cref="DnsAnswer.Status"/>; no <see cref="SocketException"/> reaches the caller.
/// </summary>
public sealed class DnsResolver : IDnsResolver, IDisposable
{
    private readonly DnsResolverOptions _options;
    private readonly IReadOnlyList<IPEndPoint> _servers;
    private readonly string[] _serverNames;
    private readonly SemaphoreSlim _gate;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(string Name, DnsRecordType Type), CacheEntry> _cache = new();
    private readonly ConcurrentDictionary<(string Name, DnsRecordType Type), Task<Step>> _inFlight = new();
    private const int MaxUsesPerUdpSocket = 100;

    // Linux values (asm-generic/socket.h); used only when OperatingSystem.IsLinux().
    private const int SolSocket = 1;
    private const int SoReusePort = 15;

    /// <summary>
    /// Whether to send from a second socket (<see cref="OpenSender"/>): Linux only, and only on kernels from 5.10 on. The
    /// answers reach the connected socket because the kernel looks up the socket bound to the specific local address
    /// before the wildcard-bound sender and prefers connected sockets in SO_REUSEPORT groups; older kernels had bugs in
    /// that selection (fixed in 5.3 and again later), and an answer delivered to the sender would be lost and time out.
    /// </summary>
    private static readonly bool SeparateSendSocket = OperatingSystem.IsLinux() && Environment.OSVersion.Version >= new Version(5, 10);

    private readonly ConcurrentDictionary<IPEndPoint, ConcurrentQueue<PooledSocket>> _udpPool = new();
    private volatile bool _disposed;
    private int _cacheCount;
    private long _wireQueries;
    private long _ignoredResponses;

    /// <summary>Creates a resolver.</summary>
    /// <param name="options">Servers and limits; <see cref="DnsResolverOptions.Servers"/> empty means resolv.conf.</param>
    /// <param name="timeProvider">Clock for cache expiry; the system clock when null.</param>
    /// <exception cref="FormatException">A server entry is malformed.</exception>
    public DnsResolver(DnsResolverOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _servers = options.ResolveServerEndPoints();

        // Formatting an endpoint allocates; error texts name the server on every answer, so format each once.
        _serverNames = [.. _servers.Select(DnsResolverOptions.Describe)];
        _gate = new SemaphoreSlim(options.MaxConcurrentQueries, options.MaxConcurrentQueries);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The servers in the order they are tried.</summary>
    public IReadOnlyList<IPEndPoint> Servers => _servers;

    /// <summary>Messages sent on the network since creation (UDP and TCP).</summary>
    public long WireQueries => Interlocked.Read(ref _wireQueries);

    /// <summary>Datagrams dropped because their id, flags or question did not match a pending query (possible spoofing).</summary>
    public long IgnoredResponses => Interlocked.Read(ref _ignoredResponses);

    /// <summary>Approximate number of cached entries.</summary>
    internal int CachedEntries => Volatile.Read(ref _cacheCount);

    /// <summary>Empties the cache.</summary>
    public void ClearCache()
    {
        _cache.Clear();
        Interlocked.Exchange(ref _cacheCount, 0);
    }

    /// <inheritdoc/>
    public async Task<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default)
    {
        if (!HostName.TryNormalizeQueryName(name, out var current, out var error))
        {
            return DnsAnswer.Failure(name ?? string.Empty, type, DnsResponseStatus.InvalidName, error);
        }

        if (_options.CacheEnabled && _cache.TryGetValue((current, type), out var hit) && hit.Answer is { } ready && hit.Expires > _time.GetUtcNow())
        {
            return ready;
        }

        var queried = current;

        // Most answers have no alias: the chain and the loop guard are only built when one shows up.
        List<NameRecord>? chain = null;
        HashSet<string>? seen = null;
        var wire = 0;
        for (var hop = 0; hop <= _options.MaxCnameChain; hop++)
        {
            var (step, sent) = await LookupStepAsync(current, type, cancellationToken).ConfigureAwait(false);
            wire += sent;
            foreach (var link in step.Chain)
            {
                chain ??= [];
                seen ??= new HashSet<string>(StringComparer.Ordinal) { queried };
                chain.Add(link);
                if (!seen.Add(link.Target) || chain.Count > _options.MaxCnameChain)
                {
                    return Loop(queried, type, chain, wire);
                }
            }

            if (step.FollowTarget is null)
            {
                return new DnsAnswer(queried, type, step.Status, step.Records, chain is null ? [] : chain, step.Error) { WireQueries = wire };
            }

            // The server gave the alias without data for its target (an authoritative server outside the target's zone does that).
            current = step.FollowTarget;
        }

        return Loop(queried, type, chain ?? [], wire);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _disposed = true;
        foreach (var pool in _udpPool.Values)
        {
            while (pool.TryDequeue(out var socket))
            {
                socket.Dispose();
            }
        }

        _gate.Dispose();
    }

    private static DnsAnswer Loop(string name, DnsRecordType type, List<NameRecord> chain, int wire) =>
        new(name, type, DnsResponseStatus.CnameLoop, [], chain, $"The CNAME chain from {name} loops or is longer than allowed ({chain.Count} aliases).") { WireQueries = wire };

    private async Task<(Step Step, int Sent)> LookupStepAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        var key = (name, type);
        if (_options.CacheEnabled && _cache.TryGetValue(key, out var cached))
        {
            if (cached.Expires > _time.GetUtcNow())
            {
                return (cached.Step, 0);
            }

            if (_cache.TryRemove(KeyValuePair.Create(key, cached)))
            {
                Interlocked.Decrement(ref _cacheCount);
            }
        }

        // Coalesce identical queries already on the wire, so a burst of checks sharing an include sends one message.
        // A second round covers the lookup that registered between our look and our registration.
        TaskCompletionSource<Step> owner;
        bool registered;
        for (var round = 0; ; round++)
        {
            if (_inFlight.TryGetValue(key, out var pending))
            {
                try
                {
                    return (await pending.WaitAsync(cancellationToken).ConfigureAwait(false), 0);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The caller that owned the shared query gave up; ask on our own behalf below.
                }
            }

            owner = new TaskCompletionSource<Step>(TaskCreationOptions.RunContinuationsAsynchronously);
            registered = _inFlight.TryAdd(key, owner.Task);
            if (registered || round > 0)
            {
                break;
            }
        }

        try
        {
            // The previous owner stores its answer before it unregisters, so between our cache miss and our registration it
            // may have finished: look once more rather than send the same question again.
            if (registered && _options.CacheEnabled && _cache.TryGetValue(key, out var justStored) && justStored.Expires > _time.GetUtcNow())
            {
                owner.TrySetResult(justStored.Step);
                return (justStored.Step, 0);
            }

            var (step, sent) = await FetchStepAsync(name, type, cancellationToken).ConfigureAwait(false);
            owner.TrySetResult(step);
            if (_options.CacheEnabled && step.Ttl > 0)
            {
                Store(key, step);
            }

            return (step, sent);
        }
        catch (OperationCanceledException)
        {
            owner.TrySetCanceled(cancellationToken);
            throw;
        }
        catch (Exception ex)
        {
            // Whatever went wrong, callers waiting on the shared query must not wait forever.
            owner.TrySetException(ex);
            throw;
        }
        finally
        {
            if (registered)
            {
                _inFlight.TryRemove(KeyValuePair.Create(key, owner.Task));
            }
        }
    }

    private void Store((string Name, DnsRecordType Type) key, Step step)
    {
        var now = _time.GetUtcNow();

        // ConcurrentDictionary.Count takes every lock; an approximate count of our own keeps the hot path lock-free.
        if (Volatile.Read(ref _cacheCount) >= _options.MaxCacheEntries)
        {
            foreach (var entry in _cache)
            {
                if (entry.Value.Expires <= now && _cache.TryRemove(entry))
                {
                    Interlocked.Decrement(ref _cacheCount);
                }
            }

            if (Volatile.Read(ref _cacheCount) >= _options.MaxCacheEntries)
            {
                ClearCache();
            }
        }

        var ttl = TimeSpan.FromSeconds(Math.Min(step.Ttl, _options.MaxCacheTtl.TotalSeconds));
        var answer = step.Chain.Count == 0 && step.FollowTarget is null ? new DnsAnswer(key.Name, key.Type, step.Status, step.Records, [], step.Error) : null;
        var fresh = new CacheEntry(step, now + ttl, answer);
        if (_cache.TryAdd(key, fresh))
        {
            Interlocked.Increment(ref _cacheCount);
        }
        else
        {
            _cache[key] = fresh;
        }
    }

    private async Task<(Step Step, int Sent)> FetchStepAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        var sent = 0;
        Step? lastFailure = null;
        for (var attempt = 0; attempt < _options.Attempts; attempt++)
        {
            for (var s = 0; s < _servers.Count; s++)
            {
                var server = _servers[s];
                var from = _serverNames[s];
                var (message, failure, count) = await ExchangeAsync(server, from, name, type, edns: true, cancellationToken).ConfigureAwait(false);
                sent += count;
                if (message is { ResponseCode: 1, EdnsPayloadSize: null })
                {
                    // RFC 6891 §7: a server that does not know EDNS answers FORMERR; ask it again without the OPT record.
                    (message, failure, count) = await ExchangeAsync(server, from, name, type, edns: false, cancellationToken).ConfigureAwait(false);
                    sent += count;
                }

                if (message is null)
                {
                    lastFailure = failure;
                    continue;
                }

                var step = Interpret(message, name, type, from);
                if (type == DnsRecordType.MX && step.Status == DnsResponseStatus.Success && _options.CacheEnabled)
                {
                    CacheExchangerAddresses(message, step, name);
                }

                if (step.Status is DnsResponseStatus.ServerFailure or DnsResponseStatus.Refused)
                {
                    // Another server (or a second try) may do better; RFC 1035 §7.2 lets a resolver move on.
                    lastFailure = step;
                    continue;
                }

                return (step, sent);
            }
        }

        return (lastFailure ?? Step.Fail(DnsResponseStatus.Timeout, "No server answered."), sent);
    }

    /// <summary>
    /// Keeps the A/AAAA records that come in the additional section of an MX answer, as pyspf and most resolvers do, so the
    /// addresses of the exchangers cost no further query. Only exchangers at or under the queried name are trusted: those come
    /// from the same zone as the answer itself.
    /// </summary>
    private void CacheExchangerAddresses(DnsMessage message, Step step, string name)
    {
        var exchangers = step.Records.OfType<MxRecord>()
            .Select(m => m.Exchange)
            .Where(e => e == name || e.EndsWith("." + name, StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);
        if (exchangers.Count == 0)
        {
            return;
        }

        foreach (var group in message.Additionals.OfType<AddressRecord>().Where(a => exchangers.Contains(a.Name)).GroupBy(a => (a.Name, a.Type)))
        {
            var records = group.Cast<DnsRecord>().ToList();
            var ttl = records.Min(r => r.Ttl);
            if (ttl > 0 && !_cache.ContainsKey(group.Key))
            {
                Store(group.Key, new Step(DnsResponseStatus.Success, records, [], null, null, ttl));
            }
        }
    }

    private Step Interpret(DnsMessage message, string name, DnsRecordType type, string from)
    {
        switch (message.ResponseCode)
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
                return Step.Fail(DnsResponseStatus.FormatError, $"{from} answered {(message.ResponseCode == 1 ? "FORMERR" : "NOTIMP")} for {name} {type}.");
            default:
                return Step.Fail(DnsResponseStatus.ServerFailure, string.Create(CultureInfo.InvariantCulture, $"{from} answered RCODE {message.ResponseCode} for {name} {type}."));
        }

        // Most answers have no alias; the chain list is only built for one.
        List<NameRecord>? chain = null;
        var current = name;
        uint ttl = uint.MaxValue;
        for (var i = 0; i <= _options.MaxCnameChain; i++)
        {
            List<DnsRecord>? records = null;
            var answers = message.Answers;
            for (var a = 0; a < answers.Count; a++)
            {
                var r = answers[a];
                if (r.Type == type && string.Equals(r.Name, current, StringComparison.Ordinal))
                {
                    (records ??= []).Add(r);
                    ttl = Math.Min(ttl, r.Ttl);
                }
            }

            if (records is not null)
            {
                return new Step(DnsResponseStatus.Success, records, chain ?? (IReadOnlyList<NameRecord>)[], null, null, ttl);
            }

            if (type == DnsRecordType.CNAME)
            {
                break;
            }

            NameRecord? alias = null;
            for (var a = 0; a < answers.Count && alias is null; a++)
            {
                if (answers[a] is NameRecord { Type: DnsRecordType.CNAME } link && string.Equals(link.Name, current, StringComparison.Ordinal))
                {
                    alias = link;
                }
            }

            if (alias is null)
            {
                break;
            }

            (chain ??= []).Add(alias);
            ttl = Math.Min(ttl, alias.Ttl);
            current = alias.Target;
            if (chain.Count(c => c.Target == current) > 1)
            {
                break;
            }
        }

        SoaRecord? soa = null;
        for (var a = 0; a < message.Authorities.Count && soa is null; a++)
        {
            soa = message.Authorities[a] as SoaRecord;
        }

        var negativeTtl = soa is null ? 0 : Math.Min(soa.Ttl, soa.Minimum);
        if (message.ResponseCode == 3)
        {
            return new Step(DnsResponseStatus.NxDomain, [], chain ?? (IReadOnlyList<NameRecord>)[], null, $"{current} does not exist.", Math.Min(ttl, negativeTtl));
        }

        if (chain is not null)
        {
            return new Step(DnsResponseStatus.Success, [], chain, current, null, ttl);
        }

        return new Step(DnsResponseStatus.NoData, [], [], null, $"{current} has no {type} record.", negativeTtl);
    }

    private async Task<(DnsMessage? Message, Step? Failure, int Sent)> ExchangeAsync(IPEndPoint server, string from, string name, DnsRecordType type, bool edns, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var sent = 0;
        try
        {
            var id = QueryIds.Next();
            var query = DnsMessage.WriteQuery(id, name, type, recursionDesired: true, edns ? (ushort)_options.UdpPayloadSize : (ushort)0);
            try
            {
                sent++;
                Interlocked.Increment(ref _wireQueries);
                var (message, garbage) = await UdpExchangeAsync(server, query, id, name, type, cancellationToken).ConfigureAwait(false);
                if (message is null)
                {
                    return (null, Step.Fail(DnsResponseStatus.FormatError, $"{from} sent a malformed answer for {name} {type}: {garbage}"), sent);
                }

                if (!message.IsTruncated)
                {
                    return (message, null, sent);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return (null, Step.Fail(DnsResponseStatus.Timeout, string.Create(CultureInfo.InvariantCulture, $"{from} did not answer {name} {type} within {_options.Timeout.TotalMilliseconds:0} ms.")), sent);
            }
            catch (SocketException ex)
            {
                return (null, Step.Fail(DnsResponseStatus.NetworkError, $"UDP to {from} failed: {ex.SocketErrorCode}."), sent);
            }

            using var tcpTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            tcpTimeout.CancelAfter(_options.Timeout);
            try
            {
                sent++;
                Interlocked.Increment(ref _wireQueries);
                var (message, problem) = await TcpExchangeAsync(server, query, id, name, type, tcpTimeout.Token).ConfigureAwait(false);
                return message is null
                    ? (null, Step.Fail(DnsResponseStatus.FormatError, $"{from} over TCP: {problem}"), sent)
                    : (message, null, sent);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return (null, Step.Fail(DnsResponseStatus.Timeout, $"{from} truncated the UDP answer for {name} {type} and did not answer over TCP in time."), sent);
            }
            catch (SocketException ex)
            {
                return (null, Step.Fail(DnsResponseStatus.NetworkError, $"TCP to {from} failed: {ex.SocketErrorCode}."), sent);
            }
            catch (IOException ex)
            {
                return (null, Step.Fail(DnsResponseStatus.NetworkError, $"TCP to {from} failed: {(ex.InnerException as SocketException)?.SocketErrorCode.ToString() ?? ex.Message}"), sent);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<(DnsMessage? Message, string? Garbage)> UdpExchangeAsync(IPEndPoint server, byte[] query, ushort id, string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        var socket = RentUdpSocket(server);
        var reusable = false;
        var sawStranger = false;
        var buffer = ArrayPool<byte>.Shared.Rent(DnsMessage.MaxMessageSize);
        var timeout = socket.Timeout;
        timeout.CancelAfter(_options.Timeout);
        var caller = cancellationToken.UnsafeRegister(static source => ((CancellationTokenSource)source!).Cancel(), timeout);
        try
        {
            // A datagram of a few dozen octets never waits for buffer space; sending inline saves the async machinery.
            socket.Send(query);
            while (true)
            {
                var received = await socket.Socket.ReceiveAsync(buffer.AsMemory(0, DnsMessage.MaxMessageSize), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                DnsMessage message;
                try
                {
                    message = DnsMessage.Parse(buffer.AsSpan(0, received));
                }
                catch (DnsParseException ex)
                {
                    if (received >= 2 && BinaryPrimitives.ReadUInt16BigEndian(buffer) == id)
                    {
                        return (null, ex.Message);
                    }

                    Interlocked.Increment(ref _ignoredResponses);
                    sawStranger = true;
                    continue;
                }

                if (Matches(message, id, name, type))
                {
                    reusable = !sawStranger;
                    return (message, null);
                }

                Interlocked.Increment(ref _ignoredResponses);
                sawStranger = true;
            }
        }
        finally
        {
            // If the caller's callback could not be detached it may still cancel the source, so the socket is not reused; nor is
            // it when the source fired (timeout or caller), which cannot be reset.
            var detached = !cancellationToken.CanBeCanceled || caller.Unregister();
            ArrayPool<byte>.Shared.Return(buffer);
            ReturnUdpSocket(server, socket, reusable && detached && timeout.TryReset());
        }
    }

    /// <summary>
    /// Sockets are reused for a bounded number of clean exchanges: creating one per query costs more than the query on loopback.
    /// Each new socket gets a fresh random ephemeral port; together with the random id and the question check this keeps
    /// off-path spoofing as hard as with one socket per query. A socket that timed out or saw any odd datagram is discarded.
    /// </summary>
    private PooledSocket RentUdpSocket(IPEndPoint server)
    {
        var pool = _udpPool.GetOrAdd(server, _ => new ConcurrentQueue<PooledSocket>());
        if (pool.TryDequeue(out var pooled))
        {
            return pooled;
        }

        var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // Connecting filters datagrams to the server's address and port, and binds a random port no other socket holds.
            socket.Connect(server);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new PooledSocket(socket, SeparateSendSocket ? OpenSender(socket) : null, server);
    }

    /// <summary>
    /// On Linux, a datagram sent from a socket that epoll watches raises the socket's writability edge when the kernel frees
    /// it, and the .NET event thread wakes up for nothing: one needless wake-up per query, a large share of the CPU a query
    /// costs. Queries therefore leave from a second socket bound to the same port (SO_REUSEPORT) that only ever sends
    /// synchronously and so never joins epoll. Answers and ICMP errors still reach the connected socket, which wins the
    /// kernel's lookup over an unconnected one on the same port. Null when the port cannot be shared: the connected socket
    /// then sends itself.
    /// </summary>
    /// <remarks>
    /// SO_REUSEPORT is set on the connected socket only after connect() bound it: a socket that asks for an ephemeral port with
    /// the option already set may be given a port that another such socket of the same user holds.
    /// </remarks>
    private static Socket? OpenSender(Socket connected)
    {
        var local = (IPEndPoint)connected.LocalEndPoint!;
        var sender = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            var on = BitConverter.GetBytes(1);
            connected.SetRawSocketOption(SolSocket, SoReusePort, on);
            sender.SetRawSocketOption(SolSocket, SoReusePort, on);

            // Nothing is read from this socket; stray datagrams it may catch should take as little memory as possible.
            sender.ReceiveBufferSize = 1;
            sender.Bind(new IPEndPoint(local.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, local.Port));
            return sender;
        }
        catch (SocketException)
        {
            sender.Dispose();
            return null;
        }
    }

    private void ReturnUdpSocket(IPEndPoint server, PooledSocket socket, bool reusable)
    {
        if (reusable && !_disposed && ++socket.Uses < MaxUsesPerUdpSocket && _udpPool.TryGetValue(server, out var pool) && pool.Count < _options.MaxConcurrentQueries)
        {
            pool.Enqueue(socket);
            return;
        }

        socket.Dispose();
    }

    private static async Task<(DnsMessage? Message, string? Problem)> TcpExchangeAsync(IPEndPoint server, byte[] query, ushort id, string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server, cancellationToken).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var framed = new byte[query.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);
        await stream.WriteAsync(framed, cancellationToken).ConfigureAwait(false);
        var prefix = new byte[2];
        try
        {
            await stream.ReadExactlyAsync(prefix, cancellationToken).ConfigureAwait(false);
            int length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
            var body = new byte[length];
            await stream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
            var message = DnsMessage.Parse(body);
            return Matches(message, id, name, type) ? (message, null) : (null, "the answer does not match the query.");
        }
        catch (EndOfStreamException)
        {
            return (null, "the server closed the connection mid-answer.");
        }
        catch (DnsParseException ex)
        {
            return (null, ex.Message);
        }
    }

    private static bool Matches(DnsMessage message, ushort id, string name, DnsRecordType type)
    {
        if (!message.IsResponse || message.Id != id || message.Opcode != 0)
        {
            return false;
        }

        if (message.Questions.Count == 0)
        {
            // Some servers drop the question from error answers; only an error may come without it.
            return message.ResponseCode != 0;
        }

        var q = message.Questions[0];
        return message.Questions.Count == 1 && q.Type == type && q.Class == 1 && string.Equals(q.Name, name, StringComparison.Ordinal);
    }

    /// <summary>A cached step; <paramref name="Answer"/> is the ready-made answer when the step needs no CNAME work, so hits allocate nothing.</summary>
    private sealed record CacheEntry(Step Step, DateTimeOffset Expires, DnsAnswer? Answer);

    /// <summary>A connected socket that receives, and on Linux the socket on the same port that sends for it.</summary>
    private sealed class PooledSocket(Socket socket, Socket? sender, IPEndPoint server) : IDisposable
    {
        private readonly SocketAddress _server = server.Serialize();

        public Socket Socket { get; } = socket;

        /// <summary>
        /// The exchange timeout, reset after each clean exchange: a linked source and a timer per query cost more allocation
        /// than the rest of the exchange.
        /// </summary>
        public CancellationTokenSource Timeout { get; } = new();

        public int Uses { get; set; }

        public void Send(byte[] query)
        {
            if (sender is null)
            {
                Socket.Send(query);
            }
            else
            {
                sender.SendTo(query, SocketFlags.None, _server);
            }
        }

        public void Dispose()
        {
            Socket.Dispose();
            sender?.Dispose();
            Timeout.Dispose();
        }
    }

    private sealed record Step(DnsResponseStatus Status, IReadOnlyList<DnsRecord> Records, IReadOnlyList<NameRecord> Chain, string? FollowTarget, string? Error, uint Ttl)
    {
        public static Step Fail(DnsResponseStatus status, string error) => new(status, [], [], null, error, 0);
    }

    /// <summary>
    /// Query ids from the OS CSPRNG, drawn in blocks: one RandomNumberGenerator call per query costs a native call and
    /// OpenSSL's locking each time, while a per-thread block keeps the same unpredictability at a fraction of the cost.
    /// </summary>
    private static class QueryIds
    {
        private const int BlockSize = 256;

        [ThreadStatic]
        private static byte[]? t_block;

        [ThreadStatic]
        private static int t_next;

        public static ushort Next()
        {
            var block = t_block;
            if (block is null || t_next >= BlockSize)
            {
                block = t_block ??= new byte[BlockSize];
                RandomNumberGenerator.Fill(block);
                t_next = 0;
            }

            var id = BinaryPrimitives.ReadUInt16LittleEndian(block.AsSpan(t_next));
            t_next += 2;
            return id;
        }
    }
}
