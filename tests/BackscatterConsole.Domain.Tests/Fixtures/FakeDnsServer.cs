using System.Net;
using System.Net.Sockets;
using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Domain.Tests.Dns;

namespace BackscatterConsole.Domain.Tests.Fixtures;

/// <summary>
/// A UDP server on loopback whose answers a test scripts: each query goes to <see cref="Respond"/>, which returns the datagrams
/// to send back (none for silence, a spoofed one before the real one, garbage...).
/// </summary>
public sealed class FakeDnsServer : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _queries;

    /// <param name="respond">The datagrams to send back for each query.</param>
    /// <param name="address">The loopback address to listen on; IPv4 loopback when null.</param>
    public FakeDnsServer(Func<DnsMessage, IEnumerable<byte[]>> respond, IPAddress? address = null)
    {
        Respond = respond;
        address ??= IPAddress.Loopback;
        _socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(address, 0));
        _loop = Task.Run(RunAsync);
    }

    public Func<DnsMessage, IEnumerable<byte[]>> Respond { get; }

    public string Endpoint => ((IPEndPoint)_socket.LocalEndPoint!).ToString();

    public int Queries => _queries;

    /// <summary>A well-formed answer to <paramref name="query"/> built with <paramref name="fill"/>.</summary>
    public static byte[] Answer(DnsMessage query, int rcode, Action<MessageBuilder>? fill = null, ushort? id = null, string? questionName = null)
    {
        var question = query.Questions[0];
        var builder = new MessageBuilder(id ?? query.Id, questionName ?? question.Name, question.Type, rcode);
        fill?.Invoke(builder);
        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var buffer = new byte[4096];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0), _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _queries);
            var query = DnsMessage.Parse(buffer.AsSpan(0, received.ReceivedBytes));
            foreach (var datagram in Respond(query))
            {
                await _socket.SendToAsync(datagram, SocketFlags.None, received.RemoteEndPoint);
            }
        }
    }
}
