using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace BackscatterConsole.Domain.Dns;

/// <summary>How a UDP exchange ended when it brought no usable answer.</summary>
internal enum UdpFailure
{
    /// <summary>An answer matched the query.</summary>
    None,

    /// <summary>A datagram with the query's id could not be parsed; <see cref="UdpReply.Detail"/> says why.</summary>
    Malformed,

    /// <summary>No matching answer within the timeout.</summary>
    TimedOut,

    /// <summary>The socket failed; <see cref="UdpReply.Detail"/> is the socket error.</summary>
    Network,
}

/// <summary>The outcome of one UDP exchange: a matching message, or why there is none.</summary>
internal readonly record struct UdpReply(DnsMessage? Message, UdpFailure Failure, string? Detail);

/// <summary>
/// Sends DNS queries over a few connected UDP sockets per server, each read by one receive loop that hands every answer to
/// the query waiting for its id and question.
/// </summary>
/// <remarks>
/// <para>
/// One pending receive per query costs an epoll notification and a thread-pool dispatch per answer. A receive loop per socket
/// takes the datagrams that queued while it worked without going back to epoll, so under load one wake-up serves a burst.
/// The loop never runs callers' code: it completes each waiter with <see cref="TaskCreationOptions.RunContinuationsAsynchronously"/>,
/// so the query's continuation runs on the thread pool as before.
/// </para>
/// <para>
/// Spoofing stays as hard as with a socket per query: each socket gets a fresh random ephemeral port and carries at most
/// <see cref="MaxQueriesPerSocket"/> queries, ids are random and unique per socket, and an answer must match the id, the
/// flags and the question. A socket that sees a stranger datagram, a timeout or an error takes no new queries and closes
/// once its last query ends.
/// </para>
/// <para>
/// Timeouts come from one sweep timer per transport, armed only while queries are pending, instead of a timer and a
/// cancellation source per query; a query times out between <c>timeout</c> and <c>timeout + timeout / 8</c>.
/// </para>
/// </remarks>
internal sealed class UdpTransport : IDisposable
{
    /// <summary>Queries sent through one socket before it is replaced by a socket on a new random port.</summary>
    internal const int MaxQueriesPerSocket = 100;

    /// <summary>
    /// Sockets in use per server. More than one, because authoritative servers with several UDP workers (knotd, NSD, BIND with
    /// SO_REUSEPORT) spread queries over their workers by the client's port; few, so that answers arrive in bursts per socket.
    /// </summary>
    internal const int SocketsPerServer = 4;

    // Linux values (asm-generic/socket.h); used only when OperatingSystem.IsLinux().
    private const int SolSocket = 1;
    private const int SoReusePort = 15;

    private readonly Lane[] _lanes;
    private readonly long _timeoutMs;
    private readonly TimeSpan _sweepPeriod;
    private readonly Timer _sweepTimer;
    private readonly Lock _openLock = new();
    private readonly List<Channel> _open = [];
    private int _pending;
    private int _sweepArmed;
    private long _ignored;
    private volatile bool _disposed;

    /// <summary>Creates a transport for <paramref name="servers"/>; sockets are opened on first use.</summary>
    public UdpTransport(IReadOnlyList<IPEndPoint> servers, TimeSpan timeout)
    {
        _lanes = [.. servers.Select(s => new Lane(s))];
        _timeoutMs = (long)Math.Ceiling(timeout.TotalMilliseconds);
        _sweepPeriod = TimeSpan.FromMilliseconds(Math.Max(1, _timeoutMs / 8));
        _sweepTimer = new Timer(static state => ((UdpTransport)state!).Sweep(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Datagrams dropped because their id, flags or question did not match a pending query.</summary>
    public long IgnoredResponses => Interlocked.Read(ref _ignored);

    /// <summary>
    /// Sends one query to server number <paramref name="server"/> and waits for the matching answer.
    /// Socket failures come back as <see cref="UdpFailure.Network"/>; only the caller's cancellation throws.
    /// </summary>
    public Task<UdpReply> ExchangeAsync(int server, string name, DnsRecordType type, ushort ednsPayloadSize, CancellationToken cancellationToken)
    {
        if (_disposed)
        {
            return Task.FromResult(new UdpReply(null, UdpFailure.Network, nameof(SocketError.Shutdown)));
        }

        var query = DnsMessage.WriteQuery(0, name, type, recursionDesired: true, ednsPayloadSize);
        var waiter = new Waiter(name, type, Environment.TickCount64 + _timeoutMs);
        Channel channel;
        try
        {
            channel = Register(_lanes[server], waiter);
        }
        catch (SocketException ex)
        {
            return Task.FromResult(new UdpReply(null, UdpFailure.Network, ex.SocketErrorCode.ToString()));
        }

        ArmSweep();
        BinaryPrimitives.WriteUInt16BigEndian(query, waiter.Id);
        try
        {
            // A datagram send on a connected socket does not wait for the network; doing it inline saves the async machinery.
            channel.Send(query);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            channel.Abandon(waiter, retire: true);
            waiter.TrySetResult(new UdpReply(null, UdpFailure.Network, (ex as SocketException)?.SocketErrorCode.ToString() ?? nameof(SocketError.Shutdown)));
        }

        return cancellationToken.CanBeCanceled ? WaitAsync(channel, waiter, cancellationToken) : waiter.Task;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _disposed = true;
        _sweepTimer.Dispose();
        Channel[] open;
        lock (_openLock)
        {
            open = [.. _open];
        }

        foreach (var channel in open)
        {
            channel.Fail(nameof(SocketError.Shutdown));
        }
    }

    private static async Task<UdpReply> WaitAsync(Channel channel, Waiter waiter, CancellationToken cancellationToken)
    {
        using (cancellationToken.UnsafeRegister(static (state, token) => Cancel(state!, token), (channel, waiter)))
        {
            return await waiter.Task.ConfigureAwait(false);
        }

        static void Cancel(object state, CancellationToken token)
        {
            var (channel, waiter) = ((Channel, Waiter))state;
            channel.Abandon(waiter, retire: true);
            waiter.TrySetCanceled(token);
        }
    }

    /// <summary>Puts the waiter on one of the lane's sockets, replacing sockets that retired.</summary>
    private Channel Register(Lane lane, Waiter waiter)
    {
        while (true)
        {
            if (_disposed)
            {
                throw new SocketException((int)SocketError.Shutdown);
            }

            var slot = (int)((uint)Interlocked.Increment(ref lane.Next) % SocketsPerServer);
            var channel = Volatile.Read(ref lane.Channels[slot]);
            if (channel is null || channel.IsRetired)
            {
                var fresh = Open(lane.Server);
                if (Interlocked.CompareExchange(ref lane.Channels[slot], fresh, channel) != channel)
                {
                    fresh.Retire();
                    continue;
                }

                channel = fresh;
            }

            if (channel.TryAdd(waiter))
            {
                return channel;
            }
        }
    }

    private Channel Open(IPEndPoint server)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        Socket? sender = null;
        try
        {
            // Connecting filters datagrams to the server's address and port, and binds a random port that no other socket uses.
            socket.Connect(server);
            if (OperatingSystem.IsLinux())
            {
                sender = OpenSender(socket, server);
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var channel = new Channel(this, socket, sender, server);
        lock (_openLock)
        {
            _open.Add(channel);
        }

        if (_disposed)
        {
            channel.Fail(nameof(SocketError.Shutdown));
        }

        // The loop outlives the query that opened the socket, so it must not carry that query's execution context.
        using (ExecutionContext.SuppressFlow())
        {
            channel.StartReceiving();
        }

        return channel;
    }

    /// <summary>
    /// On Linux, a datagram sent from a socket that epoll watches wakes the event thread when the kernel frees it (the
    /// socket's writability edge), one needless wake-up per query. Queries therefore leave from a second socket on the same
    /// port (SO_REUSEPORT) that only ever sends synchronously and so never joins epoll. The answers still go to the
    /// receiving socket: a connected socket wins the kernel's lookup over an unconnected one on the same port.
    /// Null when the port cannot be shared; the receiving socket then sends itself.
    /// </summary>
    /// <remarks>
    /// SO_REUSEPORT is set on the receiving socket only after it is bound: a socket that asks for an ephemeral port with the
    /// option set may be given a port that another such socket of the same user holds.
    /// </remarks>
    private static Socket? OpenSender(Socket receiver, IPEndPoint server)
    {
        var local = (IPEndPoint)receiver.LocalEndPoint!;
        var sender = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            var on = BitConverter.GetBytes(1);
            receiver.SetRawSocketOption(SolSocket, SoReusePort, on);
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

    private void Closed(Channel channel)
    {
        lock (_openLock)
        {
            _open.Remove(channel);
        }
    }

    private void Started() => Interlocked.Increment(ref _pending);

    private void Ended() => Interlocked.Decrement(ref _pending);

    private void ArmSweep()
    {
        if (Volatile.Read(ref _sweepArmed) == 0 && Interlocked.CompareExchange(ref _sweepArmed, 1, 0) == 0)
        {
            try
            {
                _sweepTimer.Change(_sweepPeriod, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // The transport was disposed meanwhile; its queries have been failed.
            }
        }
    }

    /// <summary>Fails the queries whose time is up; re-arms itself while any query is pending.</summary>
    private void Sweep()
    {
        var now = Environment.TickCount64;
        Channel[] open;
        lock (_openLock)
        {
            open = [.. _open];
        }

        foreach (var channel in open)
        {
            channel.ExpireOverdue(now);
        }

        // Disarm first, then look: a query registered after the look finds the timer disarmed and arms it itself.
        Interlocked.Exchange(ref _sweepArmed, 0);
        if (Volatile.Read(ref _pending) > 0 && !_disposed)
        {
            ArmSweep();
        }
    }

    /// <summary>The sockets to one server.</summary>
    private sealed class Lane(IPEndPoint server)
    {
        public readonly IPEndPoint Server = server;
        public readonly Channel?[] Channels = new Channel?[SocketsPerServer];
        public int Next;
    }

    /// <summary>One query waiting for its answer.</summary>
    private sealed class Waiter(string name, DnsRecordType type, long deadline) : TaskCompletionSource<UdpReply>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public string Name { get; } = name;

        public DnsRecordType Type { get; } = type;

        public long Deadline { get; } = deadline;

        public ushort Id { get; set; }
    }

    /// <summary>One connected socket, its receive loop and the queries waiting on it.</summary>
    private sealed class Channel(UdpTransport owner, Socket socket, Socket? sender, IPEndPoint server)
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<ushort, Waiter> _waiting = [];
        private readonly SocketAddress _server = server.Serialize();

        // Ids of queries given up (timeout, cancellation): their late answers are expected, not spoofing.
        private HashSet<ushort>? _abandoned;
        private int _queries;
        private bool _retired;
        private bool _closed;

        public Socket Socket { get; } = socket;

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

        public bool IsRetired => Volatile.Read(ref _retired);

        public void StartReceiving() => _ = ReceiveLoopAsync();

        /// <summary>Gives the waiter an id unique on this socket; false when the socket takes no more queries.</summary>
        public bool TryAdd(Waiter waiter)
        {
            lock (_lock)
            {
                if (_retired)
                {
                    return false;
                }

                ushort id;
                do
                {
                    id = QueryIds.Next();
                }
                while (_waiting.ContainsKey(id));

                waiter.Id = id;
                _waiting.Add(id, waiter);
                owner.Started();
                if (++_queries >= MaxQueriesPerSocket)
                {
                    Volatile.Write(ref _retired, true);
                }

                return true;
            }
        }

        /// <summary>Takes a waiter off the socket without completing it; the socket retires when <paramref name="retire"/>.</summary>
        public void Abandon(Waiter waiter, bool retire)
        {
            lock (_lock)
            {
                if (!_waiting.Remove(waiter.Id))
                {
                    return;
                }

                (_abandoned ??= []).Add(waiter.Id);
                owner.Ended();
                if (retire)
                {
                    Volatile.Write(ref _retired, true);
                }

                CloseIfDoneLocked();
            }
        }

        /// <summary>Takes no new queries; closes once the pending ones end.</summary>
        public void Retire()
        {
            lock (_lock)
            {
                Volatile.Write(ref _retired, true);
                CloseIfDoneLocked();
            }
        }

        public void ExpireOverdue(long now)
        {
            List<Waiter>? overdue = null;
            lock (_lock)
            {
                foreach (var waiter in _waiting.Values)
                {
                    if (waiter.Deadline <= now)
                    {
                        (overdue ??= []).Add(waiter);
                    }
                }

                if (overdue is null)
                {
                    return;
                }

                foreach (var waiter in overdue)
                {
                    _waiting.Remove(waiter.Id);
                    (_abandoned ??= []).Add(waiter.Id);
                    owner.Ended();
                }

                // A server that let one query time out may answer it late; the socket must not carry new ones meanwhile.
                Volatile.Write(ref _retired, true);
                CloseIfDoneLocked();
            }

            foreach (var waiter in overdue)
            {
                waiter.TrySetResult(new UdpReply(null, UdpFailure.TimedOut, null));
            }
        }

        /// <summary>Fails every pending query with a socket error and closes the socket.</summary>
        public void Fail(string error)
        {
            Waiter[] failed;
            lock (_lock)
            {
                failed = [.. _waiting.Values];
                foreach (var waiter in failed)
                {
                    owner.Ended();
                }

                _waiting.Clear();
                Volatile.Write(ref _retired, true);
                CloseIfDoneLocked();
            }

            foreach (var waiter in failed)
            {
                waiter.TrySetResult(new UdpReply(null, UdpFailure.Network, error));
            }
        }

        private void CloseIfDoneLocked()
        {
            if (_retired && _waiting.Count == 0 && !_closed)
            {
                _closed = true;
                Socket.Dispose();
                sender?.Dispose();
                owner.Closed(this);
            }
        }

        private async Task ReceiveLoopAsync()
        {
            var buffer = ArrayPool<byte>.Shared.Rent(DnsMessage.MaxMessageSize);
            try
            {
                while (true)
                {
                    // While answers queue up faster than they are handled, this completes at once without waiting for epoll.
                    var received = await Socket.ReceiveAsync(buffer.AsMemory(0, DnsMessage.MaxMessageSize), SocketFlags.None).ConfigureAwait(false);
                    Deliver(buffer.AsSpan(0, received));
                }
            }
            catch (ObjectDisposedException)
            {
                // Closed: retired with nothing pending, or the transport was disposed.
            }
            catch (SocketException ex)
            {
                // Closing aborts the pending receive; any other error (an ICMP port unreachable, say) fails the socket's queries.
                if (!Volatile.Read(ref _closed))
                {
                    Fail(ex.SocketErrorCode.ToString());
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private void Deliver(ReadOnlySpan<byte> datagram)
        {
            Waiter? waiter = null;
            var id = datagram.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(datagram) : (ushort)0;
            lock (_lock)
            {
                if (datagram.Length >= 2 && !_waiting.TryGetValue(id, out waiter) && _abandoned?.Contains(id) == true)
                {
                    return;
                }
            }

            UdpReply reply;
            if (waiter is null)
            {
                Stranger();
                return;
            }

            try
            {
                var message = DnsMessage.Parse(datagram);
                if (!Matches(message, id, waiter.Name, waiter.Type))
                {
                    Stranger();
                    return;
                }

                reply = new UdpReply(message, UdpFailure.None, null);
            }
            catch (DnsParseException ex)
            {
                reply = new UdpReply(null, UdpFailure.Malformed, ex.Message);
            }

            lock (_lock)
            {
                if (!_waiting.TryGetValue(id, out var current) || current != waiter || !_waiting.Remove(id))
                {
                    // Timed out or cancelled while the answer was being read.
                    return;
                }

                owner.Ended();
                CloseIfDoneLocked();
            }

            waiter.TrySetResult(reply);
        }

        /// <summary>Counts a datagram that matches no query and retires the socket: someone may be guessing at its port.</summary>
        private void Stranger()
        {
            Interlocked.Increment(ref owner._ignored);
            Retire();
        }
    }

    /// <summary>True when <paramref name="message"/> answers the query with <paramref name="id"/> for name and type.</summary>
    internal static bool Matches(DnsMessage message, ushort id, string name, DnsRecordType type)
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

    /// <summary>
    /// Query ids from the OS CSPRNG, drawn in blocks: one RandomNumberGenerator call per query costs a native call and
    /// OpenSSL's locking each time, while a per-thread block keeps the same unpredictability at a fraction of the cost.
    /// </summary>
    internal static class QueryIds
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
