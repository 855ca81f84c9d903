using System.Text.Json.Serialization;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Shared.Agents;

/// <summary>Which connector an agent uses; the same names as <see cref="MtaPlatform"/> and the <c>Agent:Connector</c> setting.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AgentConnectorKind>))]
public enum AgentConnectorKind
{
    /// <summary>Postfix through <c>postconf</c> and <c>postfix</c>.</summary>
    [JsonStringEnumMemberName("postfix")] Postfix,

    /// <summary>Carbonio CE through <c>carbonio prov</c>.</summary>
    [JsonStringEnumMemberName("carbonio")] Carbonio,

    /// <summary>Zimbra through <c>zmprov</c>.</summary>
    [JsonStringEnumMemberName("zimbra")] Zimbra,

    /// <summary>MailEnable on Windows.</summary>
    [JsonStringEnumMemberName("mailenable")] MailEnable,
}

/// <summary>Body of <c>POST /api/v1/agents/enroll</c>: the one-time token and what the agent is.</summary>
/// <param name="Token">The one-time enrollment token an Operator created for the server.</param>
/// <param name="HostName">The machine's host name, for the audit record (not an identity: the token decides the server).</param>
/// <param name="Connector">The connector the agent is configured with.</param>
/// <param name="AgentVersion">The agent's version.</param>
/// <param name="OperatingSystem">Operating system description.</param>
public sealed record EnrollmentRequest(string Token, string HostName, AgentConnectorKind Connector, string AgentVersion, string OperatingSystem);

/// <summary>
/// Answer to a successful enrollment. The token is spent; from now on the agent authenticates with <paramref name="Credential"/>.
/// Errors are problem details: 400 malformed, 401 unknown/forged/expired/reused token (one answer for all, so the endpoint
/// tells an attacker nothing).
/// </summary>
/// <param name="AgentId">The agent's id on the console.</param>
/// <param name="ServerId">The inventory server the token was created for; the agent acts only for this server.</param>
/// <param name="Credential">Long-lived secret, shown once; the console stores only a hash. Revocable.</param>
/// <param name="HubPath">Path of the agents hub, normally <see cref="AgentHub.Path"/>.</param>
public sealed record EnrollmentResponse(Guid AgentId, Guid ServerId, string Credential, string HubPath);

/// <summary>First message after each (re)connect.</summary>
/// <param name="AgentId">The enrolled agent id (the hub also knows it from the credential and must reject a mismatch).</param>
/// <param name="AgentVersion">Version of the agent.</param>
/// <param name="Connector">Connector in use.</param>
/// <param name="HostName">Host name.</param>
/// <param name="OpenJobs">Jobs the agent knows about and their local state, so the hub can reconcile after a drop.</param>
public sealed record AgentHello(Guid AgentId, string AgentVersion, AgentConnectorKind Connector, string HostName, IReadOnlyList<JobCompletion> OpenJobs);

/// <summary>The hub's answer to <see cref="AgentHello"/>.</summary>
/// <param name="HeartbeatInterval">How often to send <see cref="AgentHeartbeat"/>.</param>
/// <param name="SnapshotInterval">How often to collect and report a snapshot unprompted.</param>
public sealed record AgentWelcome(TimeSpan HeartbeatInterval, TimeSpan SnapshotInterval);

/// <summary>Periodic liveness report.</summary>
/// <param name="AgentId">The agent.</param>
/// <param name="SentAt">Agent clock, UTC.</param>
/// <param name="RunningJobId">The job in progress, if any.</param>
public sealed record AgentHeartbeat(Guid AgentId, DateTimeOffset SentAt, Guid? RunningJobId);

/// <summary>A collected settings snapshot, in the same shape the checklist evaluates (<see cref="SettingsSnapshot"/>).</summary>
/// <param name="AgentId">The agent.</param>
/// <param name="Snapshot">The snapshot; its source is <see cref="SettingsSources.Agent"/>.</param>
/// <param name="Steps">The commands run to collect it, with output and exit codes (evidence, and diagnosis when collection failed).</param>
/// <param name="Error">Why collection failed, or null when the snapshot is complete.</param>
public sealed record AgentSnapshotReport(Guid AgentId, SettingsSnapshot? Snapshot, IReadOnlyList<JobStepEvent> Steps, string? Error);

/// <summary>How a setting change alters a value.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SettingOperation>))]
public enum SettingOperation
{
    /// <summary>Replace all values (<c>postconf -e</c>, <c>prov mcf ATTR VALUE</c>).</summary>
    [JsonStringEnumMemberName("set")] Set,

    /// <summary>Add one value to a multi-valued attribute (<c>prov mcf +ATTR VALUE</c>).</summary>
    [JsonStringEnumMemberName("add")] Add,

    /// <summary>Remove one value from a multi-valued attribute (<c>prov mcf -ATTR VALUE</c>).</summary>
    [JsonStringEnumMemberName("remove")] Remove,
}

/// <summary>One change a job makes. Connectors accept only names on their allow-list.</summary>
/// <param name="Name">Postfix parameter or Carbonio/Zimbra attribute or MailEnable setting key.</param>
/// <param name="Operation">Set, add or remove.</param>
/// <param name="Value">The value, one argument even when it holds spaces (<c>check_policy_service unix:private/policy</c>).</param>
public sealed record SettingChange(string Name, SettingOperation Operation, string Value);

/// <summary>A job sent to an agent.</summary>
/// <param name="JobId">The job id; dispatching the same id twice never runs it twice.</param>
/// <param name="ServerId">The server it is for; an agent enrolled for another server refuses it.</param>
/// <param name="Changes">The changes, applied in order.</param>
/// <param name="DryRun">Plan only: read current values and report the diff, change nothing.</param>
/// <param name="ExpiresAt">The agent refuses to start the job after this time.</param>
public sealed record JobDispatch(Guid JobId, Guid ServerId, IReadOnlyList<SettingChange> Changes, bool DryRun, DateTimeOffset ExpiresAt);

/// <summary>State of one job step.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobStepState>))]
public enum JobStepState
{
    /// <summary>Started, not finished.</summary>
    [JsonStringEnumMemberName("running")] Running,

    /// <summary>Finished successfully.</summary>
    [JsonStringEnumMemberName("succeeded")] Succeeded,

    /// <summary>Finished with an error.</summary>
    [JsonStringEnumMemberName("failed")] Failed,

    /// <summary>Not needed (the value was already as desired, or an earlier step failed).</summary>
    [JsonStringEnumMemberName("skipped")] Skipped,
}

/// <summary>A step of a job changing state; sent as each step starts and again when it ends.</summary>
/// <param name="JobId">The job (empty for snapshot collection steps).</param>
/// <param name="Sequence">Step number within the job, from 1; the start and end events of one step share it.</param>
/// <param name="Name">Human step name, for example <c>plan</c>, <c>apply smtpd_reject_unlisted_recipient</c>, <c>reload</c>, <c>verify</c>, <c>rollback local_recipient_maps</c>.</param>
/// <param name="State">Step state.</param>
/// <param name="StartedAt">When the step started (UTC).</param>
/// <param name="FinishedAt">When it finished; null while running.</param>
/// <param name="Output">Commands run and their output, truncated with a visible marker.</param>
/// <param name="ExitCode">Exit code of the step's last command, when one ran to completion.</param>
public sealed record JobStepEvent(Guid JobId, int Sequence, string Name, JobStepState State, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string Output, int? ExitCode);

/// <summary>One line of a job's diff, produced by plan.</summary>
/// <param name="Name">The setting.</param>
/// <param name="Operation">The requested operation.</param>
/// <param name="RequestedValue">The requested value.</param>
/// <param name="Before">Values read in plan.</param>
/// <param name="After">Values after the change, as planned.</param>
/// <param name="AlreadySatisfied">True when the setting already had the desired value, so apply skips it.</param>
public sealed record SettingDiff(string Name, SettingOperation Operation, string RequestedValue, IReadOnlyList<string> Before, IReadOnlyList<string> After, bool AlreadySatisfied);

/// <summary>Final (or, in <see cref="AgentHello"/>, current) state of a job on the agent.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AgentJobState>))]
public enum AgentJobState
{
    /// <summary>Running now on the agent.</summary>
    [JsonStringEnumMemberName("running")] Running,

    /// <summary>Applied and verified (or, for a dry run, planned).</summary>
    [JsonStringEnumMemberName("succeeded")] Succeeded,

    /// <summary>Failed, and the rollback did not fully restore the planned values (or the job could not start).</summary>
    [JsonStringEnumMemberName("failed")] Failed,

    /// <summary>Failed, and every changed setting was restored to the value read in plan.</summary>
    [JsonStringEnumMemberName("rolled-back")] RolledBack,
}

/// <summary>The end of a job on the agent.</summary>
/// <param name="JobId">The job.</param>
/// <param name="State">Final state.</param>
/// <param name="Diff">The plan's diff (empty when plan failed).</param>
/// <param name="Error">What went wrong, or null on success.</param>
/// <param name="FinishedAt">When it ended (UTC).</param>
public sealed record JobCompletion(Guid JobId, AgentJobState State, IReadOnlyList<SettingDiff> Diff, string? Error, DateTimeOffset FinishedAt);
