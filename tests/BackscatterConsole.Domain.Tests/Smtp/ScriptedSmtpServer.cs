using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BackscatterConsole.Domain.Tests.Smtp;

/// <summary>A loopback TCP server whose behaviour per connection is a script, for the probe's fault cases.</summary>
public sealed class ScriptedSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<ScriptedConnection, CancellationToken, Task> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;

    public ScriptedSmtpServer(Func<ScriptedConnection, CancellationToken, Task> script)
    {
        _script = script;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Every line any client sent, in order.</summary>
    public ConcurrentQueue<string> Received { get; } = new();

    public int ConnectionCount { get; private set; }

    /// <summary>A well-behaved MTA: answers RCPT with <paramref name="rcptReply"/>, everything else with the usual codes.</summary>
    public static ScriptedSmtpServer Mta(Func<string, string> rcptReply, bool offerStartTls = false, string ehloReply = "250") =>
        new(async (c, ct) =>
        {
            await c.SendAsync("220 mx.test.example ESMTP Postfix (Debian/GNU)", ct);
            while (await c.ReadLineAsync(ct) is { } line)
            {
                var verb = line.Split(' ', ':')[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO" when ehloReply != "250":
                        await c.SendAsync(ehloReply, ct);
                        break;
                    case "EHLO":
                        await c.SendAsync("250-mx.test.example", ct);
                        await c.SendAsync("250-PIPELINING", ct);
                        await c.SendAsync("250-SIZE 10240000", ct);
                        if (offerStartTls)
                        {
                            await c.SendAsync("250-STARTTLS", ct);
                        }

                        await c.SendAsync("250-ENHANCEDSTATUSCODES", ct);
                        await c.SendAsync("250 8BITMIME", ct);
                        break;
                    case "HELO":
                        await c.SendAsync("250 mx.test.example", ct);
                        break;
                    case "MAIL":
                        await c.SendAsync("250 2.1.0 Ok", ct);
                        break;
                    case "RCPT":
                        await c.SendAsync(rcptReply(line[(line.IndexOf('<', StringComparison.Ordinal) + 1)..line.IndexOf('>', StringComparison.Ordinal)]), ct);
                        break;
                    case "RSET":
                        await c.SendAsync("250 2.0.0 Ok", ct);
                        break;
                    case "QUIT":
                        await c.SendAsync("221 2.0.0 Bye", ct);
                        return;
                    case "DATA":
                        await c.SendAsync("354 End data with <CR><LF>.<CR><LF>", ct);
                        break;
                    default:
                        await c.SendAsync("502 5.5.2 Error: command not recognized", ct);
                        break;
                }
            }
        });

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopping the listener ends the accept loop with one of these.
        }

        Task[] pending;
        lock (_connections)
        {
            pending = [.. _connections];
        }

        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            ConnectionCount++;
            lock (_connections)
            {
                _connections.Add(RunConnectionAsync(client));
            }
        }
    }

    private async Task RunConnectionAsync(TcpClient client)
    {
        using (client)
        {
            var connection = new ScriptedConnection(client.GetStream(), Received);
            try
            {
                await _script(connection, _stop.Token);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The probe closing its end is a normal way for a scripted conversation to end.
            }
        }
    }
}

/// <summary>One accepted connection as seen by a script.</summary>
public sealed class ScriptedConnection(Stream stream, ConcurrentQueue<string> received)
{
    private readonly StreamReader _reader = new(stream, Encoding.ASCII, false, 1024, leaveOpen: true);

    public Stream Stream { get; } = stream;

    public async Task SendAsync(string line, CancellationToken cancellationToken) =>
        await SendRawAsync(Encoding.ASCII.GetBytes(line + "\r\n"), cancellationToken);

    public async Task SendRawAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        await Stream.WriteAsync(bytes, cancellationToken);
        await Stream.FlushAsync(cancellationToken);
    }

    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = await _reader.ReadLineAsync(cancellationToken);
        if (line is not null)
        {
            received.Enqueue(line);
        }

        return line;
    }
}
