using BackscatterConsole.Shared.Smtp;

namespace BackscatterConsole.Domain.Smtp;

/// <summary>Why a probe session ended early.</summary>
public enum SmtpProbeFailureKind
{
    /// <summary>The host name did not resolve.</summary>
    HostNotFound,

    /// <summary>The server actively refused the TCP connection.</summary>
    ConnectionRefused,

    /// <summary>No route to the host, or the network is down.</summary>
    Unreachable,

    /// <summary>A step did not finish within its timeout.</summary>
    Timeout,

    /// <summary>The server closed the connection or reset it.</summary>
    Disconnected,

    /// <summary>The server sent something that is not an SMTP reply.</summary>
    MalformedReply,

    /// <summary>A reply had too many lines or too long a line.</summary>
    ReplyTooLarge,

    /// <summary>The greeting was not 220 (for example 554 "no SMTP service here").</summary>
    GreetingRejected,

    /// <summary>The server answered 421: it is closing the session.</summary>
    ServiceClosing,

    /// <summary>Neither EHLO nor HELO was accepted.</summary>
    HeloRejected,

    /// <summary>The TLS handshake after STARTTLS failed.</summary>
    TlsFailed,

    /// <summary>Any other network error.</summary>
    NetworkError,
}

/// <summary>The probe step during which something happened.</summary>
public enum SmtpProbeStage
{
    /// <summary>Opening the TCP connection.</summary>
    Connect,

    /// <summary>Waiting for the greeting.</summary>
    Greeting,

    /// <summary>EHLO or HELO.</summary>
    Hello,

    /// <summary>STARTTLS and the TLS handshake.</summary>
    StartTls,

    /// <summary>MAIL FROM.</summary>
    MailFrom,

    /// <summary>RCPT TO.</summary>
    RcptTo,

    /// <summary>RSET and QUIT.</summary>
    Closing,
}

/// <summary>Why and where a probe session ended early.</summary>
/// <param name="Kind">Category of the failure.</param>
/// <param name="Stage">The step that failed.</param>
/// <param name="Message">Human explanation with the detail (the exception message or the reply).</param>
/// <param name="Reply">The reply that ended the session, when there was one (421, 554 greeting).</param>
public sealed record SmtpProbeFailure(SmtpProbeFailureKind Kind, SmtpProbeStage Stage, string Message, SmtpReply? Reply);

/// <summary>What a probe recipient stands for.</summary>
public enum SmtpRecipientKind
{
    /// <summary>A random, surely non-existent address at a hosted domain.</summary>
    RandomUnknown,

    /// <summary>A second random address at the same domain, to recognise a catch-all.</summary>
    SecondRandomUnknown,

    /// <summary>The configured known-valid address.</summary>
    Control,

    /// <summary>A random address at a foreign domain, for the open-relay test.</summary>
    Relay,

    /// <summary>An address the caller named, for example one of a disabled mailbox, to see whether the server still accepts it.</summary>
    Named,
}

/// <summary>One RCPT TO the probe sent and the reply it got.</summary>
/// <param name="Kind">Why the probe tried this recipient.</param>
/// <param name="Domain">The recipient's domain.</param>
/// <param name="Address">The full recipient address.</param>
/// <param name="Reply">The reply, or null when the session ended before it came.</param>
public sealed record SmtpRecipientProbe(SmtpRecipientKind Kind, string Domain, string Address, SmtpReply? Reply);

/// <summary>The TLS session the probe negotiated after STARTTLS.</summary>
/// <param name="Protocol">Negotiated protocol, for example <c>Tls13</c>.</param>
/// <param name="CipherSuite">Negotiated cipher suite.</param>
/// <param name="Subject">Certificate subject.</param>
/// <param name="Issuer">Certificate issuer.</param>
/// <param name="NotBefore">Start of validity (UTC).</param>
/// <param name="NotAfter">End of validity (UTC).</param>
/// <param name="ValidationErrors">Chain and name errors; empty when the certificate validated. The probe records them instead of aborting.</param>
public sealed record SmtpTlsInfo(
    string Protocol,
    string CipherSuite,
    string? Subject,
    string? Issuer,
    DateTimeOffset? NotBefore,
    DateTimeOffset? NotAfter,
    IReadOnlyList<string> ValidationErrors);

/// <summary>Everything one probe run saw. The verdicts are computed from this by <see cref="SmtpProbeVerdicts"/>.</summary>
public sealed record SmtpProbeResult
{
    /// <summary>The server probed.</summary>
    public required string Host { get; init; }

    /// <summary>The port probed.</summary>
    public required int Port { get; init; }

    /// <summary>When the probe started (UTC).</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When the probe finished (UTC).</summary>
    public required DateTimeOffset FinishedAt { get; init; }

    /// <summary>Why the session ended early; null when it ran to the end.</summary>
    public SmtpProbeFailure? Failure { get; init; }

    /// <summary>The greeting.</summary>
    public SmtpReply? Greeting { get; init; }

    /// <summary>The last EHLO (or HELO) reply.</summary>
    public SmtpReply? HelloReply { get; init; }

    /// <summary>True when EHLO was refused and HELO was used.</summary>
    public bool UsedHeloFallback { get; init; }

    /// <summary>True when the plain-text EHLO reply listed STARTTLS.</summary>
    public bool StartTlsOffered { get; init; }

    /// <summary>The negotiated TLS session, when the probe negotiated one.</summary>
    public SmtpTlsInfo? Tls { get; init; }

    /// <summary>Why the STARTTLS step failed, when it did; the probe then continued in plain text on a new connection.</summary>
    public string? TlsFailure { get; init; }

    /// <summary>The reply to MAIL FROM.</summary>
    public SmtpReply? MailFromReply { get; init; }

    /// <summary>The recipients tried, in order, with their replies.</summary>
    public IReadOnlyList<SmtpRecipientProbe> Recipients { get; init; } = [];

    /// <summary>The whole conversation with timestamps.</summary>
    public IReadOnlyList<SmtpTranscriptEntry> Transcript { get; init; } = [];

    /// <summary>The hosted domains the probe was asked to test.</summary>
    public IReadOnlyList<string> HostedDomains { get; init; } = [];

    /// <summary>True when a control recipient was configured.</summary>
    public bool ControlConfigured { get; init; }

    /// <summary>True when the open-relay test was configured.</summary>
    public bool RelayTestConfigured { get; init; }

    /// <summary>True when the catch-all test was configured.</summary>
    public bool CatchAllTestConfigured { get; init; }
}
