using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Tokens;

namespace BackscatterConsole.Shared.Agents;

/// <summary>Input of <c>POST /api/v1/servers/{id}/agent-enrollments</c>.</summary>
public sealed class CreateEnrollmentInput
{
    /// <summary>How long the token can be used, 5 minutes to 7 days; 60 when omitted.</summary>
    public int? ExpiresInMinutes { get; set; }
}

/// <summary>A new one-time enrollment token, shown once.</summary>
/// <param name="ServerId">The server the agent will act for.</param>
/// <param name="Token">The secret to give the agent as <c>Agent:EnrollmentToken</c>.</param>
/// <param name="ExpiresAt">After this the token no longer enrolls.</param>
public sealed record AgentEnrollmentDto(Guid ServerId, string Token, DateTime ExpiresAt);

/// <summary>Agent presence of one server.</summary>
/// <param name="Status">online, offline or never-connected (no agent enrolled, or enrolled and never seen).</param>
/// <param name="LastSeenAt">Last hello or heartbeat.</param>
/// <param name="Version">Agent version.</param>
/// <param name="Connector">postfix, carbonio, zimbra or mailenable.</param>
/// <param name="AgentId">The active agent, when one is enrolled.</param>
/// <param name="HostName">The host name the agent reported.</param>
/// <param name="OperatingSystem">The operating system the agent reported.</param>
/// <param name="EnrolledAt">When the active agent enrolled.</param>
public sealed record AgentStatusDto(
    string Status,
    DateTime? LastSeenAt,
    string? Version,
    string? Connector,
    Guid? AgentId,
    string? HostName,
    string? OperatingSystem,
    DateTime? EnrolledAt)
{
    public const string Online = "online";
    public const string Offline = "offline";
    public const string NeverConnected = "never-connected";
}

/// <summary>Enrollment and agent management, shared by the API and the portal.</summary>
public interface IAgentAdministration
{
    Task<OperationResult<AgentEnrollmentDto>> CreateEnrollmentAsync(Guid serverId, CreateEnrollmentInput input, Actor actor, CancellationToken cancellationToken);

    /// <summary>Spends a one-time token. Unknown, forged, expired and reused tokens all fail the same way.</summary>
    Task<OperationResult<EnrollmentResponse>> EnrollAsync(EnrollmentRequest request, CancellationToken cancellationToken);

    Task<OperationResult<AgentStatusDto>> GetStatusAsync(Guid serverId, CancellationToken cancellationToken);

    /// <summary>Revokes the server's agent credential and disconnects the agent at once.</summary>
    Task<OperationResult> RevokeAsync(Guid serverId, CancellationToken cancellationToken);

    /// <summary>
    /// Asks the server's connected agent to collect and report its settings snapshot now; the snapshot arrives a moment
    /// later. NotFound when the server or its agent does not exist, Conflict when the agent is not connected.
    /// </summary>
    Task<OperationResult> RequestSnapshotAsync(Guid serverId, CancellationToken cancellationToken);
}

/// <summary>An agent came online or went offline; sent on the status hub to the server's and the fleet's groups as <c>agentPresence</c>.</summary>
/// <param name="ServerId">The server the agent acts for.</param>
/// <param name="AgentId">The agent.</param>
/// <param name="Status">online or offline.</param>
public sealed record AgentPresenceEvent(Guid ServerId, Guid AgentId, string Status);
