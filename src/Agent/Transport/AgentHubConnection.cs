using System.Net;
using System.Net.WebSockets;
using BackscatterConsole.Shared.Agents;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging.Abstractions;

namespace BackscatterConsole.Agent.Transport;

/// <summary>
/// The agent's connection to the agents hub: a <see cref="HubConnection"/> of the ASP.NET Core SignalR client
/// (WebSockets, JSON hub protocol, the credential as bearer token) that stays connected for good. The library's automatic
/// reconnect, with <see cref="ReconnectPolicy"/>, covers a connection that drops; this class adds what the library leaves
/// out: the first connect is retried with the same backoff, and so is a connection the console closed without allowing a
/// reconnect. The one thing it does not retry is a refused credential (<c>401</c>): then it stops and completes
/// <see cref="CredentialRefused"/>.
/// </summary>
public sealed partial class AgentHubConnection : IAsyncDisposable
{
    private readonly ReconnectPolicy _policy;
    private readonly ILogger _logger;
    private readonly Uri _hubUrl;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource<Exception> _refused = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private Task _connecting = Task.CompletedTask;
    private int _failures;
    private int _connectionCount;

    /// <summary>Creates the connection; nothing connects until <see cref="StartAsync"/>.</summary>
    public AgentHubConnection(Uri hubUrl, Func<Task<string?>> accessTokenProvider, ReconnectBackoff backoff, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(hubUrl);
        loggers ??= NullLoggerFactory.Instance;
        _hubUrl = hubUrl;
        _logger = loggers.CreateLogger<AgentHubConnection>();
        _policy = new ReconnectPolicy(backoff);
        var builder = new HubConnectionBuilder()
            .WithUrl(hubUrl, HttpTransportType.WebSockets, o => o.AccessTokenProvider = accessTokenProvider)
            .WithAutomaticReconnect(_policy);
        builder.Services.AddSingleton(loggers);
        Connection = builder.Build();
        Hub = new AgentHubProxy(Connection);
        Connection.Reconnecting += OnReconnectingAsync;
        Connection.Reconnected += OnReconnectedAsync;
        Connection.Closed += OnClosedAsync;
    }

    /// <summary>Runs after every connect and reconnect, for example to say hello; when all succeed the backoff starts over.</summary>
    public event Func<CancellationToken, Task>? Connected;

    /// <summary>The library's connection, for handlers beyond <see cref="Register"/> and for calls beyond <see cref="Hub"/>.</summary>
    public HubConnection Connection { get; }

    /// <summary>The hub's methods, typed.</summary>
    public IAgentHub Hub { get; }

    /// <summary>True while invocations flow.</summary>
    public bool IsConnected => Connection.State == HubConnectionState.Connected;

    /// <summary>Connects and reconnects so far.</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>Why the last attempt failed or the connection dropped; null while connected.</summary>
    public string? LastError { get; private set; }

    /// <summary>Completes, with the refusal, when the console refused the credential; the connection has stopped for good.</summary>
    public Task<Exception> CredentialRefused => _refused.Task;

    /// <summary>True when <paramref name="exception"/> (or one inside it) is the console answering <c>401 Unauthorized</c>.</summary>
    public static bool IsCredentialRefused(Exception? exception) => exception switch
    {
        null => false,
        HttpRequestException { StatusCode: HttpStatusCode.Unauthorized } => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsCredentialRefused),
        _ => IsCredentialRefused(exception.InnerException),
    };

    /// <summary>True when a call failed because the connection is down or went down, which a later reconnect mends.</summary>
    public static bool IsConnectionFailure(Exception exception) =>
        exception is InvalidOperationException or IOException or WebSocketException or ObjectDisposedException or OperationCanceledException;

    /// <summary>
    /// Routes the hub's calls to <paramref name="client"/>. Each handler runs off the connection's receive loop, so a long
    /// job or a slow snapshot never holds up pings and other messages; a failing handler is logged.
    /// </summary>
    public void Register(IAgentClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var stopping = _stopping.Token;
        Connection.On<JobDispatch>(AgentHub.Agent.DispatchJob, job => RunHandler(AgentHub.Agent.DispatchJob, () => client.DispatchJob(job, stopping)));
        Connection.On(AgentHub.Agent.RequestSnapshot, () => RunHandler(AgentHub.Agent.RequestSnapshot, () => client.RequestSnapshot(stopping)));
    }

    /// <summary>Starts connecting, and returns at once.</summary>
    public Task StartAsync()
    {
        KeepConnecting();
        return Task.CompletedTask;
    }

    /// <summary>Stops reconnecting and closes the connection.</summary>
    public async Task StopAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        await Connection.StopAsync().ConfigureAwait(false);
        Task connecting;
        lock (_gate)
        {
            connecting = _connecting;
        }

        await connecting.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await Connection.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private void KeepConnecting()
    {
        lock (_gate)
        {
            if (_connecting.IsCompleted && !_stopping.IsCancellationRequested)
            {
                _connecting = Task.Run(ConnectLoopAsync);
            }
        }
    }

    private async Task ConnectLoopAsync()
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            var failures = Volatile.Read(ref _failures);
            if (failures > 0)
            {
                var delay = _policy.Backoff.Delay(failures - 1);
                LogConnectingIn(_hubUrl, delay.TotalSeconds, failures + 1);
                try
                {
                    await Task.Delay(delay, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            try
            {
                await Connection.StartAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (IsCredentialRefused(exception))
            {
                await RefuseAsync(exception).ConfigureAwait(false);
                return;
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // Unreachable, refusing connections, timing out, failing the handshake: all mend with time.
                LastError = exception.Message;
                Interlocked.Increment(ref _failures);
                LogConnectFailed(_hubUrl, exception.Message);
                continue;
            }

            OnConnected();
            return;
        }
    }

    private Task OnReconnectingAsync(Exception? exception)
    {
        LastError = exception?.Message ?? "connection lost";
        LogReconnecting(_hubUrl, LastError);
        return Task.CompletedTask;
    }

    private Task OnReconnectedAsync(string? connectionId)
    {
        OnConnected();
        return Task.CompletedTask;
    }

    private async Task OnClosedAsync(Exception? exception)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        var refusal = _policy.Refusal ?? (IsCredentialRefused(exception) ? exception : null);
        if (refusal is not null)
        {
            await RefuseAsync(refusal).ConfigureAwait(false);
            return;
        }

        // The console closed the connection and did not allow a reconnect (it aborted it, or shut down): start over.
        LastError = exception?.Message ?? "the console closed the connection";
        Interlocked.Increment(ref _failures);
        LogClosed(_hubUrl, LastError);
        KeepConnecting();
    }

    private void OnConnected()
    {
        Interlocked.Increment(ref _connectionCount);
        LastError = null;
        LogConnected(_hubUrl);
        var stopping = _stopping.Token;
        var handlers = Connected;
        _ = Task.Run(async () =>
        {
            var succeeded = true;
            foreach (var handler in handlers?.GetInvocationList().Cast<Func<CancellationToken, Task>>() ?? [])
            {
                try
                {
                    await handler(stopping).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    // A failing hello must not end the connection; the next reconnect runs it again.
                    succeeded = false;
                    LogConnectedHandlerFailed(exception.Message);
                }
            }

            // Only a connection that got through its hello resets the backoff: a console that accepts and then drops
            // every connection (an abort in OnConnectedAsync) is retried with growing delays, not in a tight loop.
            if (succeeded)
            {
                Volatile.Write(ref _failures, 0);
            }
        }, CancellationToken.None);
    }

    private async Task RefuseAsync(Exception refusal)
    {
        LastError = refusal.Message;
        LogRefused(_hubUrl, refusal.Message);
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        _refused.TrySetResult(refusal);
    }

    private Task RunHandler(string target, Func<Task> handler)
    {
        _ = Task.Run(async () =>
        {
            try
            {
                await handler().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                // Stopping.
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                LogHandlerFailed(target, exception.Message);
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to {Hub}.")]
    private partial void LogConnected(Uri hub);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connecting to {Hub} in {Delay:0.0} s (attempt {Attempt}).")]
    private partial void LogConnectingIn(Uri hub, double delay, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not connect to {Hub}: {Error}")]
    private partial void LogConnectFailed(Uri hub, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The connection to {Hub} dropped ({Error}); reconnecting.")]
    private partial void LogReconnecting(Uri hub, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The console closed the connection to {Hub} ({Error}); connecting again.")]
    private partial void LogClosed(Uri hub, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "The console at {Hub} refused the agent's credential ({Error}); not connecting again.")]
    private partial void LogRefused(Uri hub, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A connected handler failed: {Error}")]
    private partial void LogConnectedHandlerFailed(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The handler for {Target} failed: {Error}")]
    private partial void LogHandlerFailed(string target, string error);
}
