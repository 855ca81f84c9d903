using BackscatterConsole.Shared.Common;

namespace BackscatterConsole.Shared.Settings;

/// <summary>
/// A settings snapshot as an operator submits it. Postfix: <see cref="Text"/> is <c>postconf -n</c> output and
/// <see cref="PostconfP"/> optionally <c>postconf -P</c>. Carbonio/Zimbra: <see cref="Text"/> is <c>carbonio prov gcf</c> /
/// <c>zmprov gacf</c> output. MailEnable: <see cref="MailEnable"/> holds the options. The server's platform decides which applies.
/// </summary>
public sealed class SettingsSnapshotInput
{
    /// <summary>Pasted command output (Postfix, Carbonio, Zimbra).</summary>
    public string? Text { get; set; }

    /// <summary>Pasted <c>postconf -P</c> output (Postfix only, optional).</summary>
    public string? PostconfP { get; set; }

    /// <summary>The MailEnable options (MailEnable only).</summary>
    public MailEnableSettingsInput? MailEnable { get; set; }

    /// <summary>When the output was taken; defaults to now.</summary>
    public DateTimeOffset? CollectedAt { get; set; }
}

/// <summary>The MailEnable options that matter for backscatter; null means "not known" and gives <c>unknown</c>, never <c>pass</c>.</summary>
public sealed class MailEnableSettingsInput
{
    /// <summary>SMTP: "Authenticated senders must use valid sender address".</summary>
    public bool? AuthenticatedSendersMustUseValidSenderAddress { get; set; }

    /// <summary>SMTP: "Senders from local domains must authenticate".</summary>
    public bool? LocalDomainSendersMustAuthenticate { get; set; }

    /// <summary>SMTP: "Sender email domain must be local or resolvable through DNS".</summary>
    public bool? SenderDomainMustBeLocalOrResolvable { get; set; }

    /// <summary>Post-office connector: NDRs for mail to disabled mailboxes.</summary>
    public bool? NdrForDisabledMailboxes { get; set; }

    /// <summary>Over-quota handling: <c>mailbox-only</c>, <c>bounce-to-sender</c> or <c>postmaster</c>.</summary>
    public string? QuotaNotification { get; set; }

    /// <summary>Catch-all per domain, as <c>domain=target</c>; an empty list means "no catch-alls", null "not known".</summary>
    public List<string>? CatchAlls { get; set; }
}

/// <summary>A stored settings snapshot.</summary>
/// <param name="Id">Snapshot id.</param>
/// <param name="ServerId">The server it describes.</param>
/// <param name="Platform">The MTA whose settings these are.</param>
/// <param name="Source">Where they came from (<see cref="SettingsSources"/>).</param>
/// <param name="CollectedAt">When the output was taken (UTC).</param>
/// <param name="UploadedAt">When it was stored (UTC).</param>
/// <param name="UploadedBy">Who stored it.</param>
/// <param name="Values">Setting name to values.</param>
/// <param name="ServiceOverrides">Postfix master.cf overrides.</param>
/// <param name="IgnoredLines">Lines of the pasted text that were not settings, so the operator can see what was skipped.</param>
/// <param name="Mailboxes">Disabled mailboxes and quota usage reported by the agent; null when not collected.</param>
/// <param name="ReportedDefaults">Postfix defaults of the parameters the rules read, as the agent's <c>postconf -h</c> reported them; null when not collected.</param>
public sealed record SettingsSnapshotDto(
    Guid Id,
    Guid ServerId,
    MtaPlatform Platform,
    string Source,
    DateTime CollectedAt,
    DateTime UploadedAt,
    string? UploadedBy,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Values,
    IReadOnlyList<ServiceOverride> ServiceOverrides,
    IReadOnlyList<string> IgnoredLines,
    MailboxFacts? Mailboxes,
    IReadOnlyDictionary<string, string>? ReportedDefaults);

/// <summary>Storing and reading settings snapshots; the API and the portal both go through it.</summary>
public interface ISettingsSnapshotService
{
    /// <summary>Parses and stores a snapshot for the server's platform. Invalid with per-field messages when nothing usable was given.</summary>
    Task<OperationResult<SettingsSnapshotDto>> UploadAsync(Guid serverId, SettingsSnapshotInput input, string? uploadedBy, CancellationToken cancellationToken);

    /// <summary>Stores a snapshot an agent collected and parsed itself (source <see cref="SettingsSources.Agent"/>).</summary>
    Task<OperationResult<SettingsSnapshotDto>> StoreFromAgentAsync(Guid serverId, SettingsSnapshot snapshot, string agentName, CancellationToken cancellationToken);

    /// <summary>The newest snapshot; NotFound when the server does not exist or has none (the message says which).</summary>

    Task<OperationResult<SettingsSnapshotDto>> GetLatestAsync(Guid serverId, CancellationToken cancellationToken);
}
