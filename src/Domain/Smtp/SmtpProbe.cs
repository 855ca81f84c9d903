using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using BackscatterConsole.Domain.Names;
using BackscatterConsole.Shared.Smtp;

namespace BackscatterConsole.Domain.Smtp;

/// <summary>Runs the safe SMTP probe against one endpoint.</summary>
public interface ISmtpProbe
{
    /// <summary>
    /// Connects, greets, tries the configured recipients and leaves with RSET and QUIT. Never sends DATA.
    /// Network and protocol problems end up in <see cref="SmtpProbeResult.Failure"/>, not as exceptions.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<SmtpProbeResult> ProbeAsync(SmtpProbeOptions options, CancellationToken cancellationToken = default);
}

/// <summary>
/// The SMTP probe: connect, greeting, EHLO (HELO on 5xx), optional STARTTLS, <c>MAIL FROM:&lt;sink&gt;</c>, one random
/// <c>RCPT TO</c> per hosted domain (two when catch-all detection is on), a control RCPT, an open-relay RCPT, RSET, QUIT.
/// </summary>
public sealed class SmtpProbe : ISmtpProbe
{
    private static readonly Encoding Ascii = Encoding.ASCII;
    private readonly TimeProvider _time;

    /// <summary>Creates a probe; <paramref name="timeProvider"/> stamps the transcript (defaults to the system clock).</summary>
    public SmtpProbe(TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public async Task<SmtpProbeResult> ProbeAsync(SmtpProbeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var started = _time.GetUtcNow();
        var state = new ProbeState(options, _time);
        var recipients = PlanRecipients(options);

        await RunSessionAsync(state, recipients, options.StartTls == SmtpStartTlsMode.Negotiate, cancellationToken).ConfigureAwait(false);
        if (state.Failure?.Kind == SmtpProbeFailureKind.TlsFailed)
        {
            // A real sender falls back to plain text when opportunistic TLS fails, so the backscatter verdicts should too.
            state.TlsFailure = state.Failure.Message;
            state.Note("TLS failed; probing again in plain text on a new connection");
            state.ResetForRetry();
            await RunSessionAsync(state, recipients, negotiateTls: false, cancellationToken).ConfigureAwait(false);
        }

        return new SmtpProbeResult
        {
            Host = options.Host,
            Port = options.Port,
            StartedAt = started,
            FinishedAt = _time.GetUtcNow(),
            Failure = state.Failure,
            Greeting = state.Greeting,
            HelloReply = state.HelloReply,
            UsedHeloFallback = state.UsedHeloFallback,
            StartTlsOffered = state.StartTlsOffered,
            Tls = state.Tls,
            TlsFailure = state.TlsFailure,
            MailFromReply = state.MailFromReply,
            Recipients = state.Recipients.ToArray(),
            Transcript = state.Transcript.ToArray(),
            HostedDomains = options.HostedDomains.Select(Normalize).Distinct(StringComparer.Ordinal).ToArray(),
            ControlConfigured = options.ControlRecipient is not null,
            RelayTestConfigured = options.RelayTestDomain is not null,
            CatchAllTestConfigured = options.ProbeCatchAll,
        };
    }

    private static List<(SmtpRecipientKind Kind, string Domain, string Address)> PlanRecipients(SmtpProbeOptions options)
    {
        var plan = new List<(SmtpRecipientKind, string, string)>();
        foreach (var domain in options.HostedDomains.Select(Normalize).Distinct(StringComparer.Ordinal))
        {
            plan.Add((SmtpRecipientKind.RandomUnknown, domain, RandomLocalPart() + "@" + domain));
            if (options.ProbeCatchAll)
            {
                plan.Add((SmtpRecipientKind.SecondRandomUnknown, domain, RandomLocalPart() + "@" + domain));
            }
        }

        if (options.ControlRecipient is { } control)
        {
            var at = control.LastIndexOf('@');
            var domain = Normalize(control[(at + 1)..]);
            plan.Add((SmtpRecipientKind.Control, domain, control[..at] + "@" + domain));
        }

        foreach (var named in options.NamedRecipients.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var at = named.LastIndexOf('@');
            var domain = Normalize(named[(at + 1)..]);
            plan.Add((SmtpRecipientKind.Named, domain, named[..at] + "@" + domain));
        }

        if (options.RelayTestDomain is { } relayDomain)
        {
            var relay = Normalize(relayDomain);
            plan.Add((SmtpRecipientKind.Relay, relay, RandomLocalPart() + "@" + relay));
        }

        return plan;
    }

    private static string RandomLocalPart() => Guid.NewGuid().ToString("N");

    /// <summary>The A-label, lower-case form: the wire is ASCII, and verdicts match recipients to domains by this form.</summary>
    private static string Normalize(string domain) =>
        HostName.TryNormalize(domain, out var normalized, out _) ? normalized : domain;

    private static async Task RunSessionAsync(
        ProbeState state,
        IReadOnlyList<(SmtpRecipientKind Kind, string Domain, string Address)> recipients,
        bool negotiateTls,
        CancellationToken cancellationToken)
    {
        var options = state.Options;
        var stage = SmtpProbeStage.Connect;
        Socket? socket = null;
        Stream? stream = null;
        try
        {
            socket = await ConnectAsync(state, cancellationToken).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            socket = null;
            var session = new Session(state, stream);

            stage = SmtpProbeStage.Greeting;
            state.Greeting = await session.ReadReplyAsync(options.GreetingTimeout, cancellationToken).ConfigureAwait(false);
            if (state.Greeting.Code != 220)
            {
                throw new SmtpProtocolException(
                    state.Greeting.Code == 421 ? SmtpProbeFailureKind.ServiceClosing : SmtpProbeFailureKind.GreetingRejected,
                    "The server did not greet with 220: " + state.Greeting,
                    state.Greeting);
            }

            stage = SmtpProbeStage.Hello;
            await HelloAsync(session, state, cancellationToken).ConfigureAwait(false);
            state.StartTlsOffered = state.HelloReply!.Lines.Skip(1).Any(l => l.Trim().Equals("STARTTLS", StringComparison.OrdinalIgnoreCase));

            if (negotiateTls && state.StartTlsOffered)
            {
                stage = SmtpProbeStage.StartTls;
                var reply = await session.CommandAsync(SmtpVerb.StartTls, null, options.CommandTimeout, cancellationToken).ConfigureAwait(false);
                if (reply.Code != 220)
                {
                    throw new SmtpProtocolException(SmtpProbeFailureKind.TlsFailed, "STARTTLS was refused: " + reply, reply);
                }

                stream = await session.UpgradeToTlsAsync(cancellationToken).ConfigureAwait(false);
                stage = SmtpProbeStage.Hello;
                await HelloAsync(session, state, cancellationToken).ConfigureAwait(false);
            }

            stage = SmtpProbeStage.MailFrom;
            state.MailFromReply = await session.CommandAsync(SmtpVerb.MailFrom, options.SinkAddress, options.CommandTimeout, cancellationToken).ConfigureAwait(false);
            ThrowIfClosing(state.MailFromReply);
            if (state.MailFromReply.IsPositive)
            {
                stage = SmtpProbeStage.RcptTo;
                foreach (var (kind, domain, address) in recipients)
                {
                    var index = state.Recipients.Count;
                    state.Recipients.Add(new SmtpRecipientProbe(kind, domain, address, null));
                    var reply = await session.CommandAsync(SmtpVerb.RcptTo, address, options.CommandTimeout, cancellationToken).ConfigureAwait(false);
                    state.Recipients[index] = state.Recipients[index] with { Reply = reply };
                    ThrowIfClosing(reply);
                }
            }

            stage = SmtpProbeStage.Closing;
            await CloseQuietlyAsync(session, state, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            state.Note("cancelled by the caller");
            throw;
        }
        catch (OperationCanceledException)
        {
            state.Fail(SmtpProbeFailureKind.Timeout, stage, $"No answer within the {StageTimeout(options, stage).TotalSeconds:0.###} s {StageName(stage)} timeout.");
        }
        catch (SmtpProtocolException ex)
        {
            state.Fail(ex.Kind, stage, ex.Message, ex.Reply);
            if (ex.Kind == SmtpProbeFailureKind.GreetingRejected && stream is not null)
            {
                // RFC 5321 §3.1: after a 554 greeting the client should still send QUIT.
                await CloseQuietlyAsync(new Session(state, stream), state, cancellationToken, rset: false).ConfigureAwait(false);
            }
        }
        catch (AuthenticationException ex)
        {
            state.Fail(SmtpProbeFailureKind.TlsFailed, stage, "The TLS handshake failed: " + ex.Message);
        }
        catch (SocketException ex)
        {
            state.Fail(MapSocketError(ex.SocketErrorCode), stage, $"{ex.SocketErrorCode}: {ex.Message}");
        }
        catch (IOException ex)
        {
            var kind = stage == SmtpProbeStage.StartTls ? SmtpProbeFailureKind.TlsFailed : SmtpProbeFailureKind.Disconnected;
            state.Fail(kind, stage, "The connection broke: " + (ex.InnerException?.Message ?? ex.Message));
        }
        finally
        {
            socket?.Dispose();
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task HelloAsync(Session session, ProbeState state, CancellationToken cancellationToken)
    {
        var options = state.Options;
        var reply = await session.CommandAsync(SmtpVerb.Ehlo, options.HeloName, options.CommandTimeout, cancellationToken).ConfigureAwait(false);
        ThrowIfClosing(reply);
        if (reply.IsPermanentNegative)
        {
            state.UsedHeloFallback = true;
            reply = await session.CommandAsync(SmtpVerb.Helo, options.HeloName, options.CommandTimeout, cancellationToken).ConfigureAwait(false);
            ThrowIfClosing(reply);
        }

        state.HelloReply = reply;
        if (!reply.IsPositive)
        {
            throw new SmtpProtocolException(SmtpProbeFailureKind.HeloRejected, "The server refused EHLO/HELO: " + reply, reply);
        }
    }

    private static void ThrowIfClosing(SmtpReply reply)
    {
        if (reply.Code == 421)
        {
            throw new SmtpProtocolException(SmtpProbeFailureKind.ServiceClosing, "The server is closing the session: " + reply, reply);
        }
    }

    private static async Task CloseQuietlyAsync(Session session, ProbeState state, CancellationToken cancellationToken, bool rset = true)
    {
        // The verdicts are already in hand: a server that misbehaves on RSET or QUIT must not turn them into an error.
        try
        {
            if (rset)
            {
                await session.CommandAsync(SmtpVerb.Rset, null, state.Options.CommandTimeout, cancellationToken).ConfigureAwait(false);
            }

            await session.CommandAsync(SmtpVerb.Quit, null, state.Options.CommandTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or SmtpProtocolException
                                       || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            state.Note("closing: " + ex.Message);
        }
    }

    private static async Task<Socket> ConnectAsync(ProbeState state, CancellationToken cancellationToken)
    {
        var options = state.Options;
        state.Note(string.Create(CultureInfo.InvariantCulture, $"connecting to {options.Host} port {options.Port}"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            EndPoint endPoint = IPAddress.TryParse(options.Host, out var address)
                ? new IPEndPoint(address, options.Port)
                : new DnsEndPoint(options.Host, options.Port);
            await socket.ConnectAsync(endPoint, timeout.Token).ConfigureAwait(false);
            state.Note("connected to " + socket.RemoteEndPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static SmtpProbeFailureKind MapSocketError(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => SmtpProbeFailureKind.ConnectionRefused,
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => SmtpProbeFailureKind.HostNotFound,
        SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.NetworkDown or SocketError.AddressNotAvailable => SmtpProbeFailureKind.Unreachable,
        SocketError.TimedOut => SmtpProbeFailureKind.Timeout,
        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown => SmtpProbeFailureKind.Disconnected,
        _ => SmtpProbeFailureKind.NetworkError,
    };

    private static TimeSpan StageTimeout(SmtpProbeOptions options, SmtpProbeStage stage) => stage switch
    {
        SmtpProbeStage.Connect => options.ConnectTimeout,
        SmtpProbeStage.Greeting => options.GreetingTimeout,
        SmtpProbeStage.StartTls => options.TlsHandshakeTimeout,
        _ => options.CommandTimeout,
    };

    private static string StageName(SmtpProbeStage stage) => stage switch
    {
        SmtpProbeStage.Connect => "connect",
        SmtpProbeStage.Greeting => "greeting",
        SmtpProbeStage.Hello => "EHLO/HELO",
        SmtpProbeStage.StartTls => "STARTTLS/TLS handshake",
        SmtpProbeStage.MailFrom => "MAIL FROM",
        SmtpProbeStage.RcptTo => "RCPT TO",
        _ => "RSET/QUIT",
    };

    /// <summary>Mutable state of one probe run, shared by the first session and a plain-text retry.</summary>
    private sealed class ProbeState(SmtpProbeOptions options, TimeProvider time)
    {
        public SmtpProbeOptions Options { get; } = options;

        public List<SmtpTranscriptEntry> Transcript { get; } = [];

        public List<SmtpRecipientProbe> Recipients { get; } = [];

        public SmtpProbeFailure? Failure { get; private set; }

        public SmtpReply? Greeting { get; set; }

        public SmtpReply? HelloReply { get; set; }

        public bool UsedHeloFallback { get; set; }

        public bool StartTlsOffered { get; set; }

        public SmtpTlsInfo? Tls { get; set; }

        public string? TlsFailure { get; set; }

        public SmtpReply? MailFromReply { get; set; }

        public void Add(SmtpTranscriptDirection direction, string text) =>
            Transcript.Add(new SmtpTranscriptEntry(time.GetUtcNow(), direction, SmtpText.Printable(text)));

        public void Note(string text) => Add(SmtpTranscriptDirection.Note, text);

        public void Fail(SmtpProbeFailureKind kind, SmtpProbeStage stage, string message, SmtpReply? reply = null)
        {
            Failure = new SmtpProbeFailure(kind, stage, message, reply);
            Note("probe ended: " + message);
        }

        public void ResetForRetry()
        {
            Failure = null;
            Greeting = null;
            HelloReply = null;
            UsedHeloFallback = false;
            MailFromReply = null;
            Recipients.Clear();
        }
    }

    /// <summary>One TCP (and possibly TLS) connection: writes commands, reads bounded replies, records the transcript.</summary>
    private sealed class Session(ProbeState state, Stream stream)
    {
        private Stream _stream = stream;
        private SmtpLineReader _reader = new(stream, state.Options.MaxLineLength);

        public async Task<SmtpReply> CommandAsync(SmtpVerb verb, string? argument, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var line = SmtpCommand.Format(verb, argument);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            state.Add(SmtpTranscriptDirection.Client, line);
            await _stream.WriteAsync(Ascii.GetBytes(line + "\r\n"), deadline.Token).ConfigureAwait(false);
            await _stream.FlushAsync(deadline.Token).ConfigureAwait(false);
            return await ReadReplyCoreAsync(deadline.Token).ConfigureAwait(false);
        }

        public async Task<SmtpReply> ReadReplyAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            return await ReadReplyCoreAsync(deadline.Token).ConfigureAwait(false);
        }

        public async Task<Stream> UpgradeToTlsAsync(CancellationToken cancellationToken)
        {
            if (_reader.BufferedByteCount > 0)
            {
                // Bytes sent before the handshake must not be read as if they came over TLS (the STARTTLS injection flaw, CVE-2011-0411 class).
                state.Note("discarded plain-text bytes the server sent after its STARTTLS reply");
            }

            var errors = new List<string>();
            var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(state.Options.TlsHandshakeTimeout);
            var authOptions = new SslClientAuthenticationOptions
            {
                TargetHost = state.Options.TlsServerName ?? state.Options.Host,
                RemoteCertificateValidationCallback = (_, certificate, chain, policyErrors) => RecordValidation(errors, chain, policyErrors),
            };
            state.Note("starting TLS handshake");
            try
            {
                await ssl.AuthenticateAsClientAsync(authOptions, deadline.Token).ConfigureAwait(false);
            }
            catch
            {
                await ssl.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            var certificate = ssl.RemoteCertificate is null ? null : new X509Certificate2(ssl.RemoteCertificate);
            state.Tls = new SmtpTlsInfo(
                ssl.SslProtocol.ToString(),
                ssl.NegotiatedCipherSuite.ToString(),
                certificate?.Subject,
                certificate?.Issuer,
                certificate is null ? null : new DateTimeOffset(certificate.NotBefore.ToUniversalTime()),
                certificate is null ? null : new DateTimeOffset(certificate.NotAfter.ToUniversalTime()),
                errors);
            certificate?.Dispose();
            state.Note(string.Create(
                CultureInfo.InvariantCulture,
                $"TLS established: {state.Tls.Protocol} {state.Tls.CipherSuite}; certificate {state.Tls.Subject} issued by {state.Tls.Issuer}, valid until {state.Tls.NotAfter:u}; {(errors.Count == 0 ? "validated" : string.Join("; ", errors))}"));
            _stream = ssl;
            _reader = new SmtpLineReader(ssl, state.Options.MaxLineLength);
            return ssl;
        }

        private static bool RecordValidation(List<string> errors, X509Chain? chain, SslPolicyErrors policyErrors)
        {
            if (policyErrors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            {
                errors.Add("the certificate does not match the server name");
            }

            if (policyErrors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            {
                errors.Add("the server sent no certificate");
            }

            if (policyErrors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
            {
                var statuses = chain?.ChainStatus.Select(s => $"{s.Status}: {s.StatusInformation.Trim()}").Distinct().ToArray() ?? [];
                errors.Add("chain: " + (statuses.Length == 0 ? "invalid" : string.Join(", ", statuses)));
            }

            // The probe sends no secrets and must see what the server does next, so it records the errors instead of aborting;
            // opportunistic SMTP senders behave the same way (RFC 7435).
            return true;
        }

        private async Task<SmtpReply> ReadReplyCoreAsync(CancellationToken cancellationToken)
        {
            var accumulator = new SmtpReplyAccumulator(state.Options.MaxReplyLines);
            while (true)
            {
                var line = await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false)
                    ?? throw new SmtpProtocolException(SmtpProbeFailureKind.Disconnected, "The server closed the connection without a complete reply.");
                state.Add(SmtpTranscriptDirection.Server, line);
                switch (accumulator.Add(line))
                {
                    case SmtpReplyAccumulatorState.Complete:
                        return accumulator.Reply!;
                    case SmtpReplyAccumulatorState.Malformed:
                        throw new SmtpProtocolException(SmtpProbeFailureKind.MalformedReply, accumulator.Error);
                    case SmtpReplyAccumulatorState.TooManyLines:
                        throw new SmtpProtocolException(SmtpProbeFailureKind.ReplyTooLarge, accumulator.Error);
                }
            }
        }
    }
}
