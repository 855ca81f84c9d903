namespace BackscatterConsole.Shared.Agents;

/// <summary>
/// The methods an agent calls on the agents hub (<see cref="AgentHub.Server"/>). The console's hub implements this
/// interface and the agent calls it through a typed proxy, so both sides are checked against one definition.
/// </summary>
public interface IAgentHub
{
    /// <summary>First call after every (re)connect; see <see cref="AgentHub.Server.Hello"/>.</summary>
    Task<AgentWelcome> Hello(AgentHello hello);

    /// <summary>Periodic liveness report; see <see cref="AgentHub.Server.Heartbeat"/>.</summary>
    Task Heartbeat(AgentHeartbeat heartbeat);

    /// <summary>A settings snapshot collected by the connector; see <see cref="AgentHub.Server.ReportSnapshot"/>.</summary>
    Task ReportSnapshot(AgentSnapshotReport report);

    /// <summary>One step of a job changed state; see <see cref="AgentHub.Server.ReportJobStep"/>.</summary>
    Task ReportJobStep(JobStepEvent step);

    /// <summary>A job reached a final state on the agent; see <see cref="AgentHub.Server.ReportJobCompleted"/>.</summary>
    Task ReportJobCompleted(JobCompletion completion);

    /// <summary>Null-sender mail seen in the queue and the mail log; see <see cref="AgentHub.Server.ReportEmission"/>.</summary>
    Task ReportEmission(EmissionReport report);
}

/// <summary>
/// The methods the agents hub calls on an agent (<see cref="AgentHub.Agent"/>): the console's strongly typed hub client,
/// and what the agent registers its handlers for. A trailing <see cref="CancellationToken"/> is not sent; on the console
/// it cancels the send, on the agent it is cancelled when the agent stops.
/// </summary>
public interface IAgentClient
{
    /// <summary>Run a job; see <see cref="AgentHub.Agent.DispatchJob"/>.</summary>
    Task DispatchJob(JobDispatch job, CancellationToken cancellationToken);

    /// <summary>Collect and report a settings snapshot now; see <see cref="AgentHub.Agent.RequestSnapshot"/>.</summary>
    Task RequestSnapshot(CancellationToken cancellationToken);
}
