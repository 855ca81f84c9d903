using BackscatterConsole.Domain.Text;
using BackscatterConsole.Server.Audit;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Live;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Audit;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Agents;

/// <summary>Agent intervals the hub hands out in <see cref="AgentWelcome"/>.</summary>
public sealed class AgentOptions
{
    public const string Section = "Agents";

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Lifetime of an enrollment token when the request does not say.</summary>
    public TimeSpan DefaultEnrollmentLifetime { get; set; } = TimeSpan.FromMinutes(60);
}

/// <summary>
/// The hub agents connect to (<see cref="AgentHub.Path"/>). Every call is checked against the agent identity of the
/// credential: an agent cannot speak for another agent or server.
/// </summary>
[Authorize(AuthenticationSchemes = AgentCredentialAuthenticationHandler.SchemeName)]
internal sealed class AgentsHub(
    AppDbContext db,
    AgentPresence presence,
    AuditTrail audit,
    Jobs.JobReports jobs,
    Jobs.JobDispatcher dispatcher,
    ILiveNotifier presenceEvents,
    Emission.BounceEmissionStore emission,
    IOptions<AgentOptions> options,
    TimeProvider clock) : Hub<IAgentClient>, IAgentHub
{
    /// <summary>The group of one agent's connection: how an instance reaches an agent connected to another one.</summary>
    public static string AgentGroup(Guid agentId) => "agent:" + agentId.ToString("D");

    public override async Task OnConnectedAsync()
    {
        var agentId = AgentId;
        await Groups.AddToGroupAsync(Context.ConnectionId, AgentGroup(agentId), Context.ConnectionAborted);
        await presence.ConnectedAsync(agentId, ServerId, Context, Context.ConnectionAborted);
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Agents.Where(a => a.Id == agentId).ExecuteUpdateAsync(s => s.SetProperty(a => a.LastConnectedAt, now).SetProperty(a => a.LastSeenAt, now));
        await presenceEvents.PublishAsync(new AgentPresenceEvent(ServerId, agentId, AgentStatusDto.Online));
        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        var agentId = AgentId;
        if (await presence.DisconnectedAsync(agentId, Context.ConnectionId, CancellationToken.None))
        {
            await presenceEvents.PublishAsync(new AgentPresenceEvent(ServerId, agentId, AgentStatusDto.Offline));
        }

        await base.OnDisconnectedAsync(exception);
    }

    /// <summary>First call after every (re)connect.</summary>
    public async Task<AgentWelcome> Hello(AgentHello hello)
    {
        ArgumentNullException.ThrowIfNull(hello);
        var agentId = AgentId;
        if (hello.AgentId != agentId)
        {
            await audit.RecordAsync(new AuditEvent(AuditActions.AgentIdentityMismatch, "agent", agentId.ToString(), Detail: $"Agent {agentId} claimed to be agent {hello.AgentId}; disconnected.", ActorName: Context.User?.Identity?.Name), Context.ConnectionAborted);
            Context.Abort();
            throw new HubException("The agent id does not match the credential.");
        }

        if ((TextRules.ControlCharacterError(hello.AgentVersion, "agentVersion") ?? TextRules.ControlCharacterError(hello.HostName, "hostName")) is { } textError)
        {
            throw new HubException(textError);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await db.Agents.Where(a => a.Id == agentId).ExecuteUpdateAsync(s => s
            .SetProperty(a => a.Version, Clip(hello.AgentVersion, 50))
            .SetProperty(a => a.Connector, ConnectorName(hello.Connector))
            .SetProperty(a => a.HostName, Clip(hello.HostName, 253))
            .SetProperty(a => a.LastSeenAt, now));

        // Jobs the agent finished while disconnected are settled first; then whatever it is missing is sent again.
        await jobs.ReconcileAsync(ServerId, agentId, hello.OpenJobs ?? [], dispatcher, Context.ConnectionAborted);
        return new AgentWelcome(options.Value.HeartbeatInterval, options.Value.SnapshotInterval);
    }

    /// <summary>A settings snapshot the agent collected.</summary>
    public Task ReportSnapshot(AgentSnapshotReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        EnsureSelf(report.AgentId);
        return jobs.SnapshotAsync(ServerId, Context.User?.Identity?.Name ?? "agent", report, Context.ConnectionAborted);
    }

    /// <summary>Null-sender mail the agent counted in the queue and the mail log.</summary>
    public async Task ReportEmission(EmissionReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        EnsureSelf(report.AgentId);
        try
        {
            await emission.StoreAsync(ServerId, AgentId, report, Context.ConnectionAborted);
        }
        catch (Emission.EmissionReportException refused)
        {
            throw new HubException("The emission report was refused: " + refused.Message);
        }
    }

    /// <summary>A job step started or ended.</summary>
    public Task ReportJobStep(JobStepEvent step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return jobs.StepAsync(ServerId, step, Context.ConnectionAborted);
    }

    /// <summary>A job reached a final state on the agent.</summary>
    public Task ReportJobCompleted(JobCompletion completion)
    {
        ArgumentNullException.ThrowIfNull(completion);
        return jobs.CompletedAsync(ServerId, AgentId, completion, Context.ConnectionAborted);
    }

    /// <summary>Periodic liveness report.</summary>
    public async Task Heartbeat(AgentHeartbeat heartbeat)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        EnsureSelf(heartbeat.AgentId);
        var agentId = AgentId;
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Agents.Where(a => a.Id == agentId).ExecuteUpdateAsync(s => s.SetProperty(a => a.LastSeenAt, now));
    }

    private void EnsureSelf(Guid claimed)
    {
        if (claimed != AgentId)
        {
            throw new HubException("The agent id does not match the credential.");
        }
    }

    private Guid ServerId => Guid.Parse(Context.User!.FindFirst(AgentCredentialAuthenticationHandler.ServerIdClaim)!.Value);

    private Guid AgentId => Guid.Parse(Context.User!.FindFirst(AgentCredentialAuthenticationHandler.AgentIdClaim)!.Value);

    private static string Clip(string? value, int max) => string.IsNullOrEmpty(value) ? "unknown" : value.Length <= max ? value : value[..max];

    internal static string ConnectorName(AgentConnectorKind kind) => kind switch
    {
        AgentConnectorKind.Postfix => "postfix",
        AgentConnectorKind.Carbonio => "carbonio",
        AgentConnectorKind.Zimbra => "zimbra",
        _ => "mailenable",
    };
}
