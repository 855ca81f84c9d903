using BackscatterConsole.Domain.Names;

namespace BackscatterConsole.Domain.Smtp;

/// <summary>What the probe does when the server offers STARTTLS.</summary>
public enum SmtpStartTlsMode
{
    /// <summary>Only note whether STARTTLS is offered; stay in plain text.</summary>
    Detect,

    /// <summary>Complete the TLS handshake, record the certificate, and continue the probe inside TLS.</summary>
    Negotiate,
}

/// <summary>
/// Configuration of one probe run against one SMTP endpoint. Every step has its own timeout because RFC 5321 §4.5.3.2
/// allows servers to be slow (five minutes for the greeting and for MAIL and RCPT replies); the defaults are shorter,
/// chosen for an interactive console, and can be raised for tarpitting servers.
/// </summary>
public sealed record SmtpProbeOptions
{
    /// <summary>Host name or IP address of the SMTP server.</summary>
    public required string Host { get; init; }

    /// <summary>TCP port; 25 for MX-facing servers.</summary>
    public int Port { get; init; } = 25;

    /// <summary>The name the probe gives in <c>EHLO</c>/<c>HELO</c>; use a name that resolves to the probing host.</summary>
    public required string HeloName { get; init; }

    /// <summary>
    /// The envelope sender (<c>MAIL FROM</c>). It must be a sink the operator owns, never a third party,
    /// because a server that accepts and bounces sends its bounce here.
    /// </summary>
    public required string SinkAddress { get; init; }

    /// <summary>The hosted domains: for each, a random non-existent recipient is tried.</summary>
    public required IReadOnlyList<string> HostedDomains { get; init; }

    /// <summary>A recipient known to exist. When it is rejected too, a rejection of the random recipient proves nothing.</summary>
    public string? ControlRecipient { get; init; }

    /// <summary>
    /// Further addresses to try with RCPT TO, for example those of disabled mailboxes; each must be a plain
    /// <c>local@domain</c> mailbox (<see cref="IsSafeMailbox"/>). They are tried after the control recipient.
    /// </summary>
    public IReadOnlyList<string> NamedRecipients { get; init; } = [];

    /// <summary>A domain the server must not relay for, tried unauthenticated; null skips the open-relay test.</summary>
    public string? RelayTestDomain { get; init; } = "example.com";

    /// <summary>Try a second random recipient per domain so a catch-all can be told apart from a one-off acceptance.</summary>
    public bool ProbeCatchAll { get; init; } = true;

    /// <summary>What to do when STARTTLS is offered.</summary>
    public SmtpStartTlsMode StartTls { get; init; } = SmtpStartTlsMode.Detect;

    /// <summary>Server name for TLS SNI and certificate name checks; defaults to <see cref="Host"/>.</summary>
    public string? TlsServerName { get; init; }

    /// <summary>Time to open the TCP connection, including name resolution.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time to wait for the 220 greeting after connecting.</summary>
    public TimeSpan GreetingTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Time to wait for the reply to each command.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Time for the TLS handshake.</summary>
    public TimeSpan TlsHandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most lines accepted in one reply; RFC 5321 sets no limit, real EHLO replies have about a dozen.</summary>
    public int MaxReplyLines { get; init; } = 100;

    /// <summary>Longest reply line accepted, in bytes; RFC 5321 §4.5.3.1.5 sets 512 including CRLF, this leaves slack for sloppy servers.</summary>
    public int MaxLineLength { get; init; } = 2048;

    /// <summary>
    /// Checks the options. Addresses and names go verbatim onto the wire, so a CR or LF in them could smuggle
    /// extra commands (including DATA) into the session: they are refused here.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host) || Host.Any(char.IsControl) || Host.Contains(' ', StringComparison.Ordinal))
        {
            throw new ArgumentException("The host is empty or contains spaces or control characters.", nameof(Host));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Port, 1, nameof(Port));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535, nameof(Port));
        if (!HostName.TryNormalize(HeloName, out _, out var heloError) && !HostName.IsIpAddress(HeloName))
        {
            throw new ArgumentException("The HELO name is not a host name: " + heloError, nameof(HeloName));
        }

        RequireAddress(SinkAddress, nameof(SinkAddress));
        if (ControlRecipient is not null)
        {
            RequireAddress(ControlRecipient, nameof(ControlRecipient));
        }

        ArgumentNullException.ThrowIfNull(HostedDomains, nameof(HostedDomains));
        ArgumentNullException.ThrowIfNull(NamedRecipients, nameof(NamedRecipients));
        if (HostedDomains.Count == 0 && ControlRecipient is null && RelayTestDomain is null && NamedRecipients.Count == 0)
        {
            throw new ArgumentException("Nothing to probe: no hosted domain, no control recipient, no named recipient and no relay test domain.", nameof(HostedDomains));
        }

        foreach (var named in NamedRecipients)
        {
            RequireAddress(named, nameof(NamedRecipients));
        }

        foreach (var domain in HostedDomains)
        {
            RequireDomain(domain, nameof(HostedDomains));
        }

        if (RelayTestDomain is not null)
        {
            RequireDomain(RelayTestDomain, nameof(RelayTestDomain));
        }

        RequirePositive(ConnectTimeout, nameof(ConnectTimeout));
        RequirePositive(GreetingTimeout, nameof(GreetingTimeout));
        RequirePositive(CommandTimeout, nameof(CommandTimeout));
        RequirePositive(TlsHandshakeTimeout, nameof(TlsHandshakeTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxReplyLines, 1, nameof(MaxReplyLines));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLineLength, 512, nameof(MaxLineLength));
    }

    /// <summary>True when <paramref name="address"/> is a plain <c>local@domain</c> mailbox safe to put in an SMTP command.</summary>
    public static bool IsSafeMailbox(string? address)
    {
        if (string.IsNullOrEmpty(address) || address.Length > 254)
        {
            return false;
        }

        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1)
        {
            return false;
        }

        var local = address[..at];
        // ASCII only: the probe does not negotiate SMTPUTF8, so a non-ASCII local part could not be sent faithfully.
        if (local.Length > 64 || local.Any(c => c > 0x7E || char.IsControl(c) || char.IsWhiteSpace(c) || c is '<' or '>' or '"' or '\\' or '@'))
        {
            return false;
        }

        return HostName.TryNormalize(address[(at + 1)..], out _, out _);
    }

    private static void RequireAddress(string? address, string name)
    {
        if (!IsSafeMailbox(address))
        {
            throw new ArgumentException($"'{SmtpText.Printable(address ?? string.Empty, 80)}' is not a plain local@domain address.", name);
        }
    }

    private static void RequireDomain(string? domain, string name)
    {
        if (!HostName.TryNormalize(domain, out _, out var error))
        {
            throw new ArgumentException($"'{SmtpText.Printable(domain ?? string.Empty, 80)}' is not a domain name: {error}", name);
        }
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, "A timeout must be positive.");
        }
    }
}
