using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;

namespace BackscatterConsole.Agent.Transport;

/// <summary>Connection state of a <see cref="HubClient"/>.</summary>
public enum HubClientState
{
    /// <summary>Not started, or stopped.</summary>
    Stopped,

    /// <summary>Connecting or waiting to reconnect.</summary>
    Connecting,

    /// <summary>Handshake done; invocations flow.</summary>
    Connected,
}

/// <summary>The hub answered an invocation with an error.</summary>
public sealed class HubException(string message) : Exception(message);

/// <summary>A handler for a method the server invokes on the client; its result is returned when the server awaits one.</summary>
public delegate Task<object?> HubMethodHandler(IReadOnlyList<JsonElement> arguments, CancellationToken cancellationToken);

/// <summary>
/// A SignalR client speaking the JSON hub protocol (handshake <c>{"protocol":"json","version":1}</c>, records ending in
/// 0x1E, message types 1 invocation, 3 completion, 6 ping, 7 close) straight over a WebSocket, without negotiate: the
/// .NET SignalR client package cannot be restored here, and ASP.NET Core accepts a direct WebSocket with
/// <c>?access_token=</c>. It reconnects for ever with jittered exponential backoff, pings the server, drops a silent
/// connection after <see cref="HubClientOptions.ServerTimeout"/>, and ignores (and logs) malformed records instead of failing.
/// </summary>
public sealed class HubClient : IAsyncDisposable
{
    private const byte RecordSeparator = 0x1E;

    private readonly HubClientOptions _options;
    private readonly ILogger _logger;
    private readonly ReconnectBackoff _backoff;
    private readonly ConcurrentDictionary<string, HubMethodHandler> _handlers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private volatile TaskCompletionSource _connectedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile HubClientState _state = HubClientState.Stopped;
    private volatile ClientWebSocket? _socket;
    private Task? _loop;
    private long _nextInvocationId;

    /// <summary>Creates a client; nothing connects until <see cref="StartAsync"/>.</summary>
    public HubClient(HubClientOptions options, ILogger<HubClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _backoff = new ReconnectBackoff(options.InitialReconnectDelay, options.MaxReconnectDelay);
    }

    /// <summary>Runs after every successful handshake (first connect and each reconnect), for example to say hello.</summary>
    public event Func<CancellationToken, Task>? Connected;

    /// <summary>Current state.</summary>
    public HubClientState State
    {
        get => _state;
        private set => _state = value;
    }

    /// <summary>Number of successful handshakes so far.</summary>
    public int ConnectionCount { get; private set; }

    /// <summary>The error of the last close message or failed attempt, for status reporting.</summary>
    public string? LastError { get; private set; }

    /// <summary>Registers the handler for a method the server invokes.</summary>
    public void On(string target, HubMethodHandler handler) => _handlers[target] = handler;

    /// <summary>Registers a handler taking one argument of type <typeparamref name="T"/> and returning nothing.</summary>
    public void On<T>(string target, Func<T, CancellationToken, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        On(target, async (arguments, cancellationToken) =>
        {
            var argument = arguments.Count > 0 ? arguments[0].Deserialize<T>(_options.SerializerOptions) : default;
            await handler(argument!, cancellationToken).ConfigureAwait(false);
            return null;
        });
    }

    /// <summary>Starts the connect-and-reconnect loop and returns at once.</summary>
    public Task StartAsync()
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("The client is already started.");
        }

        State = HubClientState.Connecting;
        _loop = Task.Run(() => RunAsync(_stopping.Token));
        return Task.CompletedTask;
    }

    /// <summary>Completes when the client is connected (now or after the next successful handshake).</summary>
    public Task WaitForConnectedAsync(CancellationToken cancellationToken)
    {
        // Signal first, state second: the loop sets the state before it swaps and completes the signal, so a waiter that
        // sees the new (unset) signal also sees the Connected state and never waits for the next reconnect by mistake.
        var signal = _connectedSignal;
        return State == HubClientState.Connected ? Task.CompletedTask : signal.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Invokes a hub method and waits for its completion; throws <see cref="HubException"/> on an error result and <see cref="IOException"/> when the connection drops first.</summary>
    public async Task<T?> InvokeAsync<T>(string target, IReadOnlyList<object?> arguments, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextInvocationId).ToString(CultureInfo.InvariantCulture);
        var completion = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = completion;
        try
        {
            await WriteAsync(new Dictionary<string, object?> { ["type"] = 1, ["invocationId"] = id, ["target"] = target, ["arguments"] = arguments }, cancellationToken).ConfigureAwait(false);
            var result = await completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return result.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? default : result.Deserialize<T>(_options.SerializerOptions);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Invokes a hub method without waiting for a result (no invocation id).</summary>
    public Task SendAsync(string target, IReadOnlyList<object?> arguments, CancellationToken cancellationToken) =>
        WriteAsync(new Dictionary<string, object?> { ["type"] = 1, ["target"] = target, ["arguments"] = arguments }, cancellationToken);

    /// <summary>Stops reconnecting and closes the connection.</summary>
    public async Task StopAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        if (_socket is { State: WebSocketState.Open } socket)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "agent stopping", timeout.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                _logger.LogDebug(exception, "Closing the hub connection did not complete cleanly.");
            }
        }

        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        State = HubClientState.Stopped;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _sendLock.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var attempt = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var (socket, reader) = await ConnectAsync(stopping).ConfigureAwait(false);
                using (socket)
                {
                    attempt = 0;
                    await RunConnectionAsync(socket, reader, stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception) when (exception is WebSocketException or IOException or HubException or JsonException or OperationCanceledException or System.Net.Http.HttpRequestException)
            {
                if (!stopping.IsCancellationRequested)
                {
                    LastError = exception.Message;
                    _logger.LogWarning("Hub connection to {Hub} failed or dropped: {Error}", _options.HubUrl, exception.Message);
                }
            }
            finally
            {
                _socket = null;
                State = HubClientState.Connecting;
                FailPending("The hub connection was lost before the invocation completed.");
            }

            if (stopping.IsCancellationRequested)
            {
                break;
            }

            var delay = _backoff.Delay(attempt++);
            _logger.LogInformation("Reconnecting to {Hub} in {Delay:0.0} s (attempt {Attempt}).", _options.HubUrl, delay.TotalSeconds, attempt);
            try
            {
                await Task.Delay(delay, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        State = HubClientState.Stopped;
    }

    private async Task<(ClientWebSocket Socket, RecordReader Reader)> ConnectAsync(CancellationToken stopping)
    {
        var token = _options.AccessTokenProvider is null ? null : await _options.AccessTokenProvider(stopping).ConfigureAwait(false);
        var socket = new ClientWebSocket();
        try
        {
            if (token is not null)
            {
                socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            timeout.CancelAfter(_options.HandshakeTimeout);
            await socket.ConnectAsync(WebSocketUri(token), timeout.Token).ConfigureAwait(false);
            await SendRawAsync(socket, Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e"), timeout.Token).ConfigureAwait(false);
            var reader = new RecordReader(_options.MaxMessageBytes);
            var response = await reader.ReadRecordAsync(socket, timeout.Token).ConfigureAwait(false)
                ?? throw new IOException("The hub closed the connection during the handshake.");
            using (var document = JsonDocument.Parse(response))
            {
                if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error))
                {
                    throw new HubException("Handshake refused: " + error.GetString());
                }
            }

            return (socket, reader);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task RunConnectionAsync(ClientWebSocket socket, RecordReader reader, CancellationToken stopping)
    {
        _socket = socket;
        State = HubClientState.Connected;
        ConnectionCount++;
        LastError = null;
        _logger.LogInformation("Connected to {Hub}.", _options.HubUrl);
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var signal = _connectedSignal;
        _connectedSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        signal.TrySetResult();
        var pings = PingAsync(socket, connection.Token);
        if (Connected is { } connected)
        {
            _ = Task.Run(() => RunConnectedHandlersAsync(connected, connection.Token), CancellationToken.None);
        }

        try
        {
            using var silence = CancellationTokenSource.CreateLinkedTokenSource(connection.Token);
            while (true)
            {
                silence.CancelAfter(_options.ServerTimeout);
                byte[]? record;
                try
                {
                    record = await reader.ReadRecordAsync(socket, silence.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!connection.IsCancellationRequested)
                {
                    throw new IOException($"Nothing received from the hub for {_options.ServerTimeout.TotalSeconds:0} s.");
                }

                if (record is null)
                {
                    throw new IOException("The hub closed the connection.");
                }

                if (!Dispatch(record, connection.Token))
                {
                    return;
                }
            }
        }
        finally
        {
            await connection.CancelAsync().ConfigureAwait(false);
            await pings.ConfigureAwait(false);
            if (socket.State == WebSocketState.Open)
            {
                socket.Abort();
            }
        }
    }

    private async Task RunConnectedHandlersAsync(Func<CancellationToken, Task> handlers, CancellationToken cancellationToken)
    {
        foreach (var handler in handlers.GetInvocationList().Cast<Func<CancellationToken, Task>>())
        {
            try
            {
                await handler(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // A failing hello must not kill the receive loop; the next reconnect runs it again.
                _logger.LogWarning(exception, "A connected handler failed.");
            }
        }
    }

    /// <summary>Handles one record; false when the server closed the connection.</summary>
    private bool Dispatch(byte[] record, CancellationToken connection)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(record);
        }
        catch (JsonException exception)
        {
            _logger.LogWarning("Ignored a malformed hub message ({Length} bytes): {Error}", record.Length, exception.Message);
            return true;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var typeElement)
                || typeElement.ValueKind != JsonValueKind.Number || !typeElement.TryGetInt32(out var type))
            {
                _logger.LogWarning("Ignored a hub message without a numeric type.");
                return true;
            }

            switch (type)
            {
                case 1:
                    HandleInvocation(root, connection);
                    return true;
                case 3:
                    HandleCompletion(root);
                    return true;
                case 6:
                    return true;
                case 7:
                    LastError = root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String ? error.GetString() : null;
                    _logger.LogWarning("The hub closed the connection{Reason}.", LastError is null ? string.Empty : ": " + LastError);
                    return false;
                default:
                    _logger.LogDebug("Ignored hub message type {Type}.", type);
                    return true;
            }
        }
    }

    private void HandleInvocation(JsonElement root, CancellationToken connection)
    {
        var target = root.TryGetProperty("target", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        var invocationId = root.TryGetProperty("invocationId", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
        var arguments = root.TryGetProperty("arguments", out var a) && a.ValueKind == JsonValueKind.Array
            ? a.EnumerateArray().Select(e => e.Clone()).ToArray()
            : [];
        if (target is null || !_handlers.TryGetValue(target, out var handler))
        {
            _logger.LogWarning("The hub invoked {Target}, which this agent does not handle.", target ?? "(no target)");
            if (invocationId is not null)
            {
                _ = CompleteAsync(invocationId, null, $"The agent does not handle '{target}'.", connection);
            }

            return;
        }

        // Handlers run off the receive loop so a long job never stops pings and completions from being read.
        _ = Task.Run(async () =>
        {
            object? result = null;
            string? error = null;
            try
            {
                result = await handler(arguments, connection).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                error = exception.Message;
                _logger.LogWarning(exception, "Handler for {Target} failed.", target);
            }

            if (invocationId is not null)
            {
                await CompleteAsync(invocationId, result, error, connection).ConfigureAwait(false);
            }
        }, CancellationToken.None);
    }

    private async Task CompleteAsync(string invocationId, object? result, string? error, CancellationToken cancellationToken)
    {
        var message = new Dictionary<string, object?> { ["type"] = 3, ["invocationId"] = invocationId };
        if (error is not null)
        {
            message["error"] = error;
        }
        else
        {
            message["result"] = result;
        }

        try
        {
            await WriteAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            _logger.LogDebug(exception, "Could not send the completion of {InvocationId}.", invocationId);
        }
    }

    private void HandleCompletion(JsonElement root)
    {
        var invocationId = root.TryGetProperty("invocationId", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
        if (invocationId is null || !_pending.TryGetValue(invocationId, out var completion))
        {
            _logger.LogDebug("Ignored a completion for unknown invocation {InvocationId}.", invocationId);
            return;
        }

        if (root.TryGetProperty("error", out var error))
        {
            completion.TrySetException(new HubException(error.ValueKind == JsonValueKind.String ? error.GetString() ?? "error" : error.GetRawText()));
        }
        else
        {
            completion.TrySetResult(root.TryGetProperty("result", out var result) ? result.Clone() : default);
        }
    }

    private async Task PingAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var ping = Encoding.UTF8.GetBytes("{\"type\":6}\u001e");
        try
        {
            while (true)
            {
                await Task.Delay(_options.KeepAliveInterval, cancellationToken).ConfigureAwait(false);
                await SendLockedAsync(socket, ping, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The connection is ending; the receive loop reports why.
        }
    }

    private async Task WriteAsync(Dictionary<string, object?> message, CancellationToken cancellationToken)
    {
        var socket = _socket;
        if (socket is null || State != HubClientState.Connected)
        {
            throw new IOException("Not connected to the hub.");
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(message, _options.SerializerOptions);
        var framed = new byte[bytes.Length + 1];
        bytes.CopyTo(framed, 0);
        framed[^1] = RecordSeparator;
        try
        {
            await SendLockedAsync(socket, framed, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketException exception)
        {
            throw new IOException("Sending to the hub failed: " + exception.Message, exception);
        }
    }

    private async Task SendLockedAsync(ClientWebSocket socket, byte[] bytes, CancellationToken cancellationToken)
    {
        // A WebSocket allows one send at a time; pings, completions and reports share it.
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await SendRawAsync(socket, bytes, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private static Task SendRawAsync(ClientWebSocket socket, byte[] bytes, CancellationToken cancellationToken) =>
        socket.SendAsync(bytes.AsMemory(), WebSocketMessageType.Text, endOfMessage: true, cancellationToken).AsTask();

    private void FailPending(string reason)
    {
        foreach (var (id, completion) in _pending)
        {
            completion.TrySetException(new IOException(reason));
            _pending.TryRemove(id, out _);
        }
    }

    private Uri WebSocketUri(string? token)
    {
        var builder = new UriBuilder(_options.HubUrl)
        {
            Scheme = _options.HubUrl.Scheme switch
            {
                "https" or "wss" => "wss",
                _ => "ws",
            },
        };
        builder.Port = _options.HubUrl.IsDefaultPort ? -1 : _options.HubUrl.Port;
        if (token is not null)
        {
            var query = builder.Query.TrimStart('?');
            builder.Query = (query.Length > 0 ? query + "&" : string.Empty) + "access_token=" + Uri.EscapeDataString(token);
        }

        return builder.Uri;
    }

    /// <summary>Splits the WebSocket stream into records at 0x1E; a record may span frames and a frame may hold several records.</summary>
    private sealed class RecordReader(int maxMessageBytes)
    {
        private readonly Queue<byte[]> _ready = new();
        private readonly List<byte> _partial = [];

        public async Task<byte[]?> ReadRecordAsync(ClientWebSocket socket, CancellationToken cancellationToken)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(4 * 1024);
            try
            {
                while (_ready.Count == 0)
                {
                    var received = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        return null;
                    }

                    for (var index = 0; index < received.Count; index++)
                    {
                        if (buffer[index] == RecordSeparator)
                        {
                            _ready.Enqueue([.. _partial]);
                            _partial.Clear();
                        }
                        else
                        {
                            _partial.Add(buffer[index]);
                        }
                    }

                    if (_partial.Count > maxMessageBytes)
                    {
                        throw new IOException($"A hub message exceeded {maxMessageBytes} bytes without a record separator.");
                    }
                }

                return _ready.Dequeue();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
