using BackscatterConsole.Domain.Names;
using BackscatterConsole.Domain.Smtp;

namespace BackscatterConsole.Server.Checks;

/// <summary>The <c>Scans</c> configuration section.</summary>
public sealed class ScanOptions
{
    public const string Section = "Scans";

    /// <summary>Scans running at once; the rest wait in the queue.</summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>A scan still running after this is cancelled and marked failed, so no scan can hang.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Turns scheduled rescans on or off for the whole console.</summary>
    public bool ScheduleEnabled { get; set; } = true;

    /// <summary>How often the scheduler looks for servers that are due.</summary>
    public TimeSpan ScheduleCheckInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>The <c>Probe</c> configuration section: how the console's SMTP probe introduces itself and how patient it is.</summary>
public sealed class ProbeSettings
{
    public const string Section = "Probe";

    /// <summary>
    /// The envelope sender of the probe. It must be a mailbox the operator owns: a server that accepts and later bounces
    /// sends its bounce here. Without it the probe does not run and its checks report <c>error</c>.
    /// </summary>
    public string? SinkAddress { get; set; }

    /// <summary>The EHLO name; it should resolve to the console's address. Defaults to the machine's host name.</summary>
    public string? HeloName { get; set; }

    /// <summary>Foreign domain for the open-relay test.</summary>
    public string RelayTestDomain { get; set; } = "example.com";

    /// <summary>
    /// Hosted domains probed in one SMTP session. Postfix drops a client after <c>smtpd_hard_error_limit</c> (20) rejected
    /// commands; each domain costs two RCPTs (the catch-all test), plus the control and relay RCPTs, so 8 stays under it.
    /// </summary>
    public int MaxDomainsPerSession { get; set; } = 8;

    /// <summary>
    /// Addresses of disabled mailboxes (from the agent's mailbox facts) tried in one extra session, to see whether the server
    /// still accepts them. Kept well under Postfix's <c>smtpd_hard_error_limit</c> (20), since each refusal counts as an error.
    /// </summary>
    public int MaxDisabledMailboxAddresses { get; set; } = 10;

    /// <summary>Negotiate TLS when STARTTLS is offered (record the certificate) instead of only noting the offer.</summary>
    public bool NegotiateTls { get; set; }

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan GreetingTimeout { get; set; } = TimeSpan.FromMinutes(2);

    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The HELO name to use: the configured one, else this machine's name when it is a valid host name.</summary>
    public string EffectiveHeloName()
    {
        if (!string.IsNullOrWhiteSpace(HeloName))
        {
            return HeloName.Trim();
        }

        var machine = System.Net.Dns.GetHostName();
        return HostName.TryNormalize(machine, out var normalized, out _) ? normalized : "localhost";
    }

    /// <summary>Probe options for one session against <paramref name="host"/>.</summary>
    public SmtpProbeOptions ToProbeOptions(string host, int port, IReadOnlyList<string> domains, string? controlRecipient, bool relayTest) => new()
    {
        Host = host,
        Port = port,
        HeloName = EffectiveHeloName(),
        SinkAddress = SinkAddress!,
        HostedDomains = domains,
        ControlRecipient = controlRecipient,
        RelayTestDomain = relayTest ? RelayTestDomain : null,
        StartTls = NegotiateTls ? SmtpStartTlsMode.Negotiate : SmtpStartTlsMode.Detect,
        ConnectTimeout = ConnectTimeout,
        GreetingTimeout = GreetingTimeout,
        CommandTimeout = CommandTimeout,
        TlsHandshakeTimeout = TlsHandshakeTimeout,
    };
}
