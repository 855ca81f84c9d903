using BackscatterConsole.Domain.Text;
using BackscatterConsole.Server.Access;
using BackscatterConsole.Server.Audit;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Tokens;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Agents;

internal sealed class AgentAdministration(
    AppDbContext db,
    AgentPresence presence,
    AuditTrail audit,
    IOptions<AgentOptions> options,
    TimeProvider clock) : IAgentAdministration
{
    private const string EnrollmentMarker = "bsce_";
    private const string CredentialMarker = "bsca_";

    // One message for every refused token, so the endpoint tells a guesser nothing about which tokens exist.
    private const string Refused = "The enrollment token is not valid: it is unknown, expired or already used. Create a new one for the server.";

    public async Task<OperationResult<AgentEnrollmentDto>> CreateEnrollmentAsync(Guid serverId, CreateEnrollmentInput input, Actor actor, CancellationToken cancellationToken)
    {
        var server = await db.Servers.AsNoTracking().Where(s => s.Id == serverId).Select(s => new { s.Name }).SingleOrDefaultAsync(cancellationToken);
        if (server is null)
        {
            return new(OperationStatus.NotFound, null, $"No server has the id {serverId}.");
        }

        var lifetime = input.ExpiresInMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : options.Value.DefaultEnrollmentLifetime;
        if (lifetime < TimeSpan.FromMinutes(5) || lifetime > TimeSpan.FromDays(7))
        {
            return OperationResult<AgentEnrollmentDto>.From(OperationResult.Invalid(new Dictionary<string, string[]> { ["expiresInMinutes"] = ["An enrollment token lives from 5 minutes to 7 days (10080 minutes)."] }));
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var token = EnrollmentMarker + TokenSecrets.Generate()[TokenSecrets.Marker.Length..];
        var enrollment = new AgentEnrollment
        {
            Id = Guid.CreateVersion7(),
            ServerId = serverId,
            TokenHash = TokenSecrets.Hash(token),
            CreatedAt = now,
            ExpiresAt = now + lifetime,
            CreatedBy = actor.UserId,
        };
        db.AgentEnrollments.Add(enrollment);
        await audit.RecordAsync(new AuditEvent(AuditActions.AgentEnrollmentCreated, "server", serverId.ToString(), After: new { enrollment.Id, enrollment.ExpiresAt }, Detail: $"Created an agent enrollment token for '{server.Name}', valid until {enrollment.ExpiresAt:u}."), cancellationToken);

        return OperationResult<AgentEnrollmentDto>.Ok(new AgentEnrollmentDto(serverId, token, enrollment.ExpiresAt));
    }

    public async Task<OperationResult<EnrollmentResponse>> EnrollAsync(EnrollmentRequest request, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Token) || request.Token.Length > 200)
        {
            errors["token"] = ["The enrollment token is required."];
        }

        if (string.IsNullOrWhiteSpace(request.HostName) || request.HostName.Length > 253)
        {
            errors["hostName"] = ["The agent's host name is required (at most 253 characters)."];
        }

        if (string.IsNullOrWhiteSpace(request.AgentVersion) || request.AgentVersion.Length > 50)
        {
            errors["agentVersion"] = ["The agent version is required (at most 50 characters)."];
        }

        TextRules.AddControlCharacterError(errors, "token", request.Token, "The enrollment token");
        TextRules.AddControlCharacterError(errors, "hostName", request.HostName, "The host name");
        TextRules.AddControlCharacterError(errors, "agentVersion", request.AgentVersion, "The agent version");
        TextRules.AddControlCharacterError(errors, "operatingSystem", request.OperatingSystem, "The operating system");

        if (errors.Count > 0)
        {
            return OperationResult<EnrollmentResponse>.From(OperationResult.Invalid(errors));
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var hash = TokenSecrets.Hash(request.Token.Trim());
        var agentId = Guid.CreateVersion7();

        // Spending is one conditional UPDATE: of two agents racing with the same token exactly one gets a row.
        var spent = await db.AgentEnrollments
            .Where(e => e.TokenHash == hash && e.UsedAt == null && e.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.UsedAt, now).SetProperty(e => e.AgentId, agentId), cancellationToken);
        if (spent == 0)
        {
            await audit.RecordAsync(new AuditEvent(AuditActions.AgentEnrollmentRefused, "agent", null, Detail: $"Refused an enrollment from host '{Clip(request.HostName)}': unknown, expired or reused token.", ActorName: "agent:" + Clip(request.HostName)), cancellationToken);
            return new(OperationStatus.Forbidden, null, Refused);
        }

        var serverId = await db.AgentEnrollments.Where(e => e.TokenHash == hash).Select(e => e.ServerId).SingleAsync(cancellationToken);
        var credential = CredentialMarker + TokenSecrets.Generate()[TokenSecrets.Marker.Length..];

        // A server has one agent: enrolling a new one retires the previous credential and its connection.
        var previous = await db.Agents.Where(a => a.ServerId == serverId && a.RevokedAt == null).ToListAsync(cancellationToken);
        foreach (var old in previous)
        {
            old.RevokedAt = now;
        }

        db.Agents.Add(new ManagedAgent
        {
            Id = agentId,
            ServerId = serverId,
            CredentialHash = TokenSecrets.Hash(credential),
            HostName = Clip(request.HostName),
            Connector = AgentsHub.ConnectorName(request.Connector),
            Version = request.AgentVersion.Trim(),
            OperatingSystem = request.OperatingSystem?.Length > 200 ? request.OperatingSystem[..200] : request.OperatingSystem,
            EnrolledAt = now,
        });
        await audit.RecordAsync(new AuditEvent(AuditActions.AgentEnrolled, "agent", agentId.ToString(), After: new { agentId, serverId, request.HostName, Connector = AgentsHub.ConnectorName(request.Connector), request.AgentVersion }, Detail: $"Agent on '{Clip(request.HostName)}' enrolled" + (previous.Count > 0 ? $", replacing {previous.Count} earlier agent(s)." : "."), ActorName: "agent:" + Clip(request.HostName)), cancellationToken);

        foreach (var old in previous)
        {
            await presence.DisconnectAsync(old.Id, old.ServerId, cancellationToken);
        }

        return OperationResult<EnrollmentResponse>.Ok(new EnrollmentResponse(agentId, serverId, credential, AgentHub.Path));
    }

    public async Task<OperationResult<AgentStatusDto>> GetStatusAsync(Guid serverId, CancellationToken cancellationToken)
    {
        if (!await db.Servers.AnyAsync(s => s.Id == serverId, cancellationToken))
        {
            return new(OperationStatus.NotFound, null, $"No server has the id {serverId}.");
        }

        var agent = await db.Agents.AsNoTracking().CurrentFor(serverId).FirstOrDefaultAsync(cancellationToken);
        if (agent is null)
        {
            return OperationResult<AgentStatusDto>.Ok(new AgentStatusDto(AgentStatusDto.NeverConnected, null, null, null, null, null, null, null));
        }

        var status = await presence.IsOnlineAsync(agent.Id, cancellationToken) ? AgentStatusDto.Online
            : agent.LastConnectedAt is null ? AgentStatusDto.NeverConnected
            : AgentStatusDto.Offline;
        return OperationResult<AgentStatusDto>.Ok(new AgentStatusDto(status, agent.LastSeenAt, agent.Version, agent.Connector, agent.Id, agent.HostName, agent.OperatingSystem, agent.EnrolledAt));
    }

    public async Task<OperationResult> RevokeAsync(Guid serverId, CancellationToken cancellationToken)
    {
        var agents = await db.Agents.Where(a => a.ServerId == serverId && a.RevokedAt == null).ToListAsync(cancellationToken);
        if (agents.Count == 0)
        {
            return OperationResult.Fail(OperationStatus.NotFound, $"Server {serverId} has no enrolled agent.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var agent in agents)
        {
            agent.RevokedAt = now;
        }

        await audit.RecordAsync(new AuditEvent(AuditActions.AgentRevoked, "agent", agents[0].Id.ToString(), Detail: $"Revoked the agent on '{agents[0].HostName}'; it is disconnected and must enroll again."), cancellationToken);

        foreach (var agent in agents)
        {
            await presence.DisconnectAsync(agent.Id, agent.ServerId, cancellationToken);
        }

        return OperationResult.Ok();
    }

    public async Task<OperationResult> RequestSnapshotAsync(Guid serverId, CancellationToken cancellationToken)
    {
        var server = await db.Servers.AsNoTracking().Where(s => s.Id == serverId).Select(s => new { s.Name }).SingleOrDefaultAsync(cancellationToken);
        if (server is null)
        {
            return OperationResult.Fail(OperationStatus.NotFound, $"No server has the id {serverId}.");
        }

        var agent = await db.Agents.AsNoTracking().CurrentFor(serverId).Select(a => new { a.Id, a.HostName }).FirstOrDefaultAsync(cancellationToken);
        if (agent is null)
        {
            return OperationResult.Fail(OperationStatus.NotFound, $"'{server.Name}' has no enrolled agent: enroll one on its Agent page first.");
        }

        if (!await presence.SendAsync(agent.Id, client => client.RequestSnapshot(cancellationToken), cancellationToken))
        {
            return OperationResult.Fail(OperationStatus.Conflict, $"The agent on '{agent.HostName}' is not connected, so it cannot collect now; it reports a snapshot as soon as it reconnects.");
        }

        await audit.RecordAsync(
            new AuditEvent(AuditActions.AgentSnapshotRequested, "server", serverId.ToString(), Detail: $"Asked the agent on '{agent.HostName}' for a fresh settings snapshot of '{server.Name}'."),
            cancellationToken);
        return OperationResult.Ok();
    }

    private static string Clip(string value) => value.Trim().Length <= 253 ? value.Trim() : value.Trim()[..253];
}
