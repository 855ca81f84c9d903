using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BackscatterConsole.Benchmarks.Smtp;

/// <summary>How a benchmark endpoint behaves.</summary>
internal enum EndpointBehaviour
{
    /// <summary>Answers at once, like a healthy MTA.</summary>
    Fast,

    /// <summary>Waits before the greeting and before each reply, like a tarpitting MTA.</summary>
    Slow,

    /// <summary>Accepts the connection and never says anything.</summary>
    Silent,
}

/// <summary>A minimal in-process SMTP listener on a loopback port: enough protocol for the probe, nothing more.</summary>
internal sealed class LoopbackMta : IAsyncDisposable
{
    private static readonly byte[] Ehlo = Encoding.ASCII.GetBytes("250-mx.bench.test\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n");
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly EndpointBehaviour _behaviour;
    private readonly TimeSpan _slowDelay;
    private readonly Task _loop;

    public LoopbackMta(EndpointBehaviour behaviour, TimeSpan slowDelay)
    {
        _behaviour = behaviour;
        _slowDelay = slowDelay;
        _listener.Start(backlog: 64);
        _loop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public EndpointBehaviour Behaviour => _behaviour;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopping the listener ends the accept loop this way.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var token = _stop.Token;
                if (_behaviour == EndpointBehaviour.Silent)
                {
                    // Hold the connection open and say nothing until the probe gives up and closes it.
                    await stream.ReadAtLeastAsync(new byte[1], 1, throwOnEndOfStream: false, token);
                    return;
                }

                using var reader = new StreamReader(stream, Encoding.ASCII, false, 1024, leaveOpen: true);
                await ReplyAsync(stream, "220 mx.bench.test ESMTP\r\n"u8.ToArray(), token);
                while (await reader.ReadLineAsync(token) is { } line)
                {
                    var reply = line.Split(' ', ':')[0].ToUpperInvariant() switch
                    {
                        "EHLO" => Ehlo,
                        "MAIL" or "RSET" => "250 2.1.0 Ok\r\n"u8.ToArray(),
                        "RCPT" => "550 5.1.1 Recipient address rejected: User unknown\r\n"u8.ToArray(),
                        "QUIT" => "221 2.0.0 Bye\r\n"u8.ToArray(),
                        _ => "502 5.5.2 Error: command not recognized\r\n"u8.ToArray(),
                    };
                    await ReplyAsync(stream, reply, token);
                    if (line.StartsWith("QUIT", StringComparison.OrdinalIgnoreCase))
                    {
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The probe closing its end is a normal end of a session.
            }
        }
    }

    private async Task ReplyAsync(Stream stream, byte[] bytes, CancellationToken token)
    {
        if (_behaviour == EndpointBehaviour.Slow)
        {
            await Task.Delay(_slowDelay, token);
        }

        await stream.WriteAsync(bytes, token);
    }
}
