using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Agent.Configuration;

/// <summary>The <c>Agent</c> configuration section (appsettings.json, <c>Agent__X</c> environment variables, <c>--Agent:X</c> arguments).</summary>
public sealed class AgentOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Agent";

    /// <summary>Base address of the console, for example <c>https://console.example.org</c>.</summary>
    public string ServerUrl { get; set; } = string.Empty;

    /// <summary>One-time enrollment token; needed only until the agent has a stored credential.</summary>
    public string? EnrollmentToken { get; set; }

    /// <summary>Directory for the credential and the job journals; created with owner-only permissions.</summary>
    public string StateDirectory { get; set; } = string.Empty;

    /// <summary><c>postfix</c>, <c>carbonio</c>, <c>zimbra</c> or <c>mailenable</c>.</summary>
    public string Connector { get; set; } = string.Empty;

    /// <summary>Time limit for one connector command (read, change, reload).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Time limit for an MTA restart, which is much slower than a reload.</summary>
    public TimeSpan RestartTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Characters of output kept per command stream before truncating with a marker.</summary>
    public int OutputLimitCharacters { get; set; } = 64 * 1024;

    /// <summary>Heartbeat interval until the hub says otherwise.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Unprompted snapshot interval until the hub says otherwise.</summary>
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the agent counts null-sender mail in the queue and the mail log and reports it (also after every snapshot).</summary>
    public TimeSpan EmissionInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Where the emission count reads the queue and the mail log.</summary>
    public EmissionOptions Emission { get; set; } = new();

    /// <summary>Upper bound of the reconnect delay.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Insist on running under the Windows Service Control Manager (set it in the service's command line, for example
    /// <c>backscatter-agent.exe --Agent:WindowsService=true</c>): the service integration itself switches on whenever the
    /// manager started the process, and this makes a start from anywhere else fail with the reason. Windows only.
    /// </summary>
    public bool WindowsService { get; set; }

    /// <summary>Postfix connector settings.</summary>
    public PostfixConnectorOptions Postfix { get; set; } = new();

    /// <summary>Carbonio and Zimbra connector settings.</summary>
    public CarbonioConnectorOptions Carbonio { get; set; } = new();

    /// <summary>MailEnable connector settings.</summary>
    public MailEnableConnectorOptions MailEnable { get; set; } = new();

    /// <summary>The parsed <see cref="Connector"/>; valid only after validation.</summary>
    public AgentConnectorKind ConnectorKind => ParseConnector(Connector) ?? throw new InvalidOperationException($"Agent:Connector '{Connector}' is not valid.");

    /// <summary>Parses a connector name, null when unknown.</summary>
    public static AgentConnectorKind? ParseConnector(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "postfix" => AgentConnectorKind.Postfix,
        "carbonio" => AgentConnectorKind.Carbonio,
        "zimbra" => AgentConnectorKind.Zimbra,
        "mailenable" => AgentConnectorKind.MailEnable,
        _ => null,
    };
}

/// <summary><c>Agent:Postfix</c>.</summary>
public sealed class PostfixConnectorOptions
{
    /// <summary>The instance's configuration directory, passed as <c>-c</c> to every command.</summary>
    public string ConfigDirectory { get; set; } = "/etc/postfix";

    /// <summary>The postconf program.</summary>
    public string PostconfPath { get; set; } = "postconf";

    /// <summary>The postfix control program.</summary>
    public string PostfixPath { get; set; } = "postfix";

    /// <summary>The postmap program, which dumps <see cref="DisabledMailboxesTable"/> with <c>postmap -s</c>.</summary>
    public string PostmapPath { get; set; } = "postmap";

    /// <summary>
    /// A Postfix lookup table (<c>type:/path</c>, for example <c>hash:/etc/postfix/disabled_mailboxes</c>) that lists the
    /// addresses of disabled mailboxes: <c>address value</c> per entry, where the value is an access(5) action such as
    /// <c>550 5.2.1 Mailbox disabled</c>, a status word, or the mailbox address when the key is an alias. Postfix itself
    /// has no notion of a disabled mailbox, so without this table <c>mta.disabled-mailbox</c> stays unknown.
    /// </summary>
    public string? DisabledMailboxesTable { get; set; }

    /// <summary>At most this many disabled mailboxes are reported; the snapshot says when there were more.</summary>
    public int MailboxLimit { get; set; } = 500;
}

/// <summary><c>Agent:Carbonio</c> (also used by the Zimbra connector).</summary>
public sealed class CarbonioConnectorOptions
{
    /// <summary>The provisioning program: <c>carbonio</c> (then <c>prov</c> is the first argument) or <c>zmprov</c>. Defaults per connector.</summary>
    public string? Executable { get; set; }

    /// <summary>Arguments between the program and the verb: <c>["prov"]</c> for <c>carbonio</c>, none for <c>zmprov</c>. Defaults per connector.</summary>
    public IList<string>? ProvArguments { get; set; }

    /// <summary>
    /// Server name for <c>prov gs -e SERVER</c>: snapshots then carry the effective per-server <c>zimbraMta*</c> values, and
    /// job steps point out server-level overrides that a global <c>mcf</c> change does not reach.
    /// </summary>
    public string? ServerName { get; set; }

    /// <summary>
    /// The MTA restart command as an argument vector. Defaults: Zimbra <c>zmmtactl restart</c>; Carbonio
    /// <c>systemctl restart carbonio-mta.target</c> (Carbonio's systemd target for the MTA role). Carbonio installs still
    /// managed by zmcontrol must set <c>["zmmtactl", "restart"]</c>: the two are mutually exclusive.
    /// </summary>
    public IList<string>? RestartCommand { get; set; }

    /// <summary>Collect mailbox facts with each snapshot: closed, pending and maintenance accounts (<c>prov -l sa</c>) and, with <see cref="ServerName"/>, quota usage (<c>prov gqu</c>).</summary>
    public bool CollectMailboxes { get; set; } = true;

    /// <summary>At most this many accounts per status (and quota entries) are reported; the snapshot says when there were more.</summary>
    public int MailboxLimit { get; set; } = 200;

    /// <summary>
    /// For at most this many of those accounts the agent also reads their aliases (<c>prov -l ga NAME zimbraMailAlias …</c>).
    /// Every prov call starts a JVM, so this bounds the time a snapshot takes; 0 reports primary addresses only.
    /// </summary>
    public int AliasLookupLimit { get; set; } = 20;

    /// <summary>Mailboxes at or above this percentage of their quota are reported by name.</summary>
    public int QuotaReportPercent { get; set; } = 90;
}

/// <summary><c>Agent:MailEnable</c>: setting names come from here, never from code, because MailEnable does not document them.</summary>
public sealed class MailEnableConnectorOptions
{
    /// <summary>Setting key (the snapshot names, for example <c>smtp.local-domain-senders-must-authenticate</c>) → where it lives.</summary>
    public IDictionary<string, MailEnableSettingLocation> Settings { get; } = new Dictionary<string, MailEnableSettingLocation>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Command that makes MailEnable pick up changed settings (for example restarting the SMTP service), as an argument vector; none when empty.</summary>
    public IList<string> RestartCommand { get; } = [];
}

/// <summary>A registry value that holds one MailEnable setting.</summary>
public sealed class MailEnableSettingLocation
{
    /// <summary>Key under HKEY_LOCAL_MACHINE, for example <c>SOFTWARE\Mail Enable\Mail Enable\Connectors\SMTP</c>.</summary>
    public string RegistryKey { get; set; } = string.Empty;

    /// <summary>Value name inside the key.</summary>
    public string ValueName { get; set; } = string.Empty;
}

/// <summary>
/// <c>Agent:Emission</c>: where the agent reads null-sender mail. Every path has a default per connector (Postfix: the
/// <c>Agent:Postfix</c> programs and <c>maillog_file</c> or <c>/var/log/mail.log</c>; Carbonio: <c>/opt/zextras/common/sbin</c>
/// and <c>/var/log/carbonio.log</c>; Zimbra: <c>/opt/zimbra/common/sbin</c> and <c>/var/log/zimbra.log</c>; MailEnable: its
/// <c>Logging\SMTP</c> directory).
/// </summary>
public sealed class EmissionOptions
{
    /// <summary>Count and report at all; off stops the reports (the console's check then says unknown).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The mail log (its rotated siblings, <c>.1</c>, <c>.2.gz</c>, <c>-YYYYMMDD</c>, are read from the same directory); MailEnable: the SMTP log directory.</summary>
    public string? LogPath { get; set; }

    /// <summary>The postqueue program.</summary>
    public string? PostqueuePath { get; set; }

    /// <summary>The postconf program the local domains are read with (Postfix: <c>Agent:Postfix:PostconfPath</c>).</summary>
    public string? PostconfPath { get; set; }

    /// <summary>The postmap program that lists and queries domain tables (Postfix: <c>Agent:Postfix:PostmapPath</c>).</summary>
    public string? PostmapPath { get; set; }

    /// <summary>The Postfix configuration directory (<c>-c</c>) of the MTA (Postfix: <c>Agent:Postfix:ConfigDirectory</c>).</summary>
    public string? ConfigDirectory { get; set; }

    /// <summary>Time zone of classic syslog stamps (an IANA or Windows id); the machine's own when empty.</summary>
    public string? TimeZone { get; set; }

    /// <summary>Further domains to count as the server's own (MailEnable's, which no command lists).</summary>
    public IList<string> LocalDomains { get; } = [];

    /// <summary>At most this many recipient domains per report are looked up in tables that cannot be listed (mysql:, ldap:, …).</summary>
    public int MaxTableQueries { get; set; } = 200;

    /// <summary>
    /// Added to the clock the emission counter calls "now" (which hours a report covers); zero in production. The end-to-end
    /// test sets an hour so the hour after a fix is reported without waiting for it; the log lines keep their real times.
    /// </summary>
    public TimeSpan ClockOffset { get; set; } = TimeSpan.Zero;
}
