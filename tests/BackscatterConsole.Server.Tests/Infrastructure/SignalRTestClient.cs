using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace BackscatterConsole.Server.Tests.Infrastructure;

/// <summary>
/// A minimal SignalR client speaking the JSON hub protocol over a WebSocket (the .NET client package cannot restore on
/// this feed): handshake <c>{"protocol":"json","version":1}</c>, records separated by 0x1E, type 1 invocations.
/// </summary>
public sealed class SignalRTestClient : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';
    private readonly WebSocket _socket;
    private readonly Channel<JsonElement> _messages = Channel.CreateUnbounded<JsonElement>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiveLoop;
    private int _invocationId;

    private SignalRTestClient(WebSocket socket)
    {
        _socket = socket;
        _receiveLoop = ReceiveLoopAsync();
    }

    /// <summary>Connects to <c>/hubs/status</c> of the test server with an API token in the query, as API clients do.</summary>
    public static async Task<SignalRTestClient> ConnectAsync(AppFactory factory, string token, string hubPath = "/hubs/status")
    {
        ArgumentNullException.ThrowIfNull(factory);
        var wsClient = factory.Server.CreateWebSocketClient();
        var uri = new Uri(factory.Server.BaseAddress, hubPath + "?access_token=" + Uri.EscapeDataString(token));
        uri = new UriBuilder(uri) { Scheme = "ws" }.Uri;
        var socket = await wsClient.ConnectAsync(uri, CancellationToken.None);
        var client = new SignalRTestClient(socket);
        await client.SendRecordAsync("{\"protocol\":\"json\",\"version\":1}");
        var handshake = await client.NextAsync(TimeSpan.FromSeconds(10));
        if (handshake.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException("SignalR handshake failed: " + error.GetString());
        }

        return client;
    }

    /// <summary>Invokes a hub method and waits for its completion message.</summary>
    public async Task InvokeAsync(string method, params object[] arguments)
    {
        var completion = await InvokeRawAsync(method, JsonSerializer.Serialize(arguments));
        if (completion.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"{method} failed: {error.GetString()}");
        }
    }

    /// <summary>Invokes a hub method with the arguments array written as is (for malformed payloads); returns the completion message.</summary>
    public async Task<JsonElement> InvokeRawAsync(string method, string argumentsJson)
    {
        var id = Interlocked.Increment(ref _invocationId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await SendRecordAsync($"{{\"type\":1,\"invocationId\":{JsonSerializer.Serialize(id)},\"target\":{JsonSerializer.Serialize(method)},\"arguments\":{argumentsJson}}}");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var message = await NextAsync(deadline - DateTime.UtcNow);
            if (message.GetProperty("type").GetInt32() == 3 && message.GetProperty("invocationId").GetString() == id)
            {
                return message;
            }

            Pending.Add(message);
        }
    }

    /// <summary>Invocations received while waiting for something else.</summary>
    public List<JsonElement> Pending { get; } = [];

    /// <summary>Waits for an invocation of <paramref name="target"/> whose first argument satisfies <paramref name="predicate"/>; returns that argument.</summary>
    public async Task<JsonElement> WaitForAsync(string target, Func<JsonElement, bool> predicate, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var message in Pending.ToList())
        {
            if (Matches(message, target, predicate, out var argument))
            {
                Pending.Remove(message);
                return argument;
            }
        }

        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No {target} event matched within {timeout}.");
            }

            var message = await NextAsync(remaining);
            if (Matches(message, target, predicate, out var argument))
            {
                return argument;
            }

            Received.Add(message);
        }
    }

    /// <summary>Every invocation seen, for assertions on order.</summary>
    public List<JsonElement> Received { get; } = [];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            }
        }
        catch (Exception ex) when (ex is WebSocketException or TimeoutException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The server may already have gone away.
        }

        try
        {
            await _receiveLoop.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is WebSocketException or TimeoutException or OperationCanceledException or IOException or ObjectDisposedException)
        {
        }

        _socket.Dispose();
        _stop.Dispose();
    }

    private static bool Matches(JsonElement message, string target, Func<JsonElement, bool> predicate, out JsonElement argument)
    {
        argument = default;
        if (message.GetProperty("type").GetInt32() != 1 || message.GetProperty("target").GetString() != target)
        {
            return false;
        }

        argument = message.GetProperty("arguments")[0];
        return predicate(argument);
    }

    private async Task<JsonElement> NextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout > TimeSpan.Zero ? timeout : TimeSpan.FromMilliseconds(1));
        while (true)
        {
            var message = await _messages.Reader.ReadAsync(cts.Token);

            // Pings (type 6) keep the connection alive; they carry nothing to assert on.
            if (message.TryGetProperty("type", out var type) && type.GetInt32() == 6)
            {
                continue;
            }

            return message;
        }
    }

    private Task SendRecordAsync(string json) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(json + RecordSeparator), WebSocketMessageType.Text, endOfMessage: true, _stop.Token);

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        var chars = new char[buffer.Length];
        var decoder = Encoding.UTF8.GetDecoder();
        var pending = new StringBuilder();
        try
        {
            while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
            {
                var result = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                // A decoder, not GetString: a multi-byte character can straddle two frames.
                pending.Append(chars, 0, decoder.GetChars(buffer, 0, result.Count, chars, 0));
                var text = pending.ToString();
                var end = text.LastIndexOf(RecordSeparator);
                if (end < 0)
                {
                    continue;
                }

                foreach (var record in text[..end].Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries))
                {
                    using var document = JsonDocument.Parse(record);
                    await _messages.Writer.WriteAsync(document.RootElement.Clone());
                }

                pending.Clear().Append(text[(end + 1)..]);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
            // Closed by DisposeAsync or by the server.
        }
        finally
        {
            _messages.Writer.TryComplete();
        }
    }
}
