namespace BackscatterConsole.Shared.Agents;

/// <summary>
/// The agents hub: its path and the names of its methods in both directions (the methods of <see cref="IAgentHub"/> and
/// <see cref="IAgentClient"/>). Agents connect with the ASP.NET Core SignalR client over WebSockets with the JSON hub
/// protocol and their long-lived credential as a bearer token (<c>Authorization: Bearer …</c>; the console also accepts
/// <c>?access_token=…</c>, which browser clients need).
/// </summary>
/// <remarks>
/// <para>The agent calls negotiate and then opens the WebSocket, both with the bearer token, so a refused credential is a
/// plain <c>401</c> on negotiate. The agent stops on a <c>401</c> instead of retrying: a revoked or replaced credential
/// never becomes valid again.</para>
/// <para>Sequence: enroll once (<see cref="EnrollPath"/>) → connect → <see cref="Server.Hello"/> (answered with
/// <see cref="AgentWelcome"/>) → <see cref="Server.ReportSnapshot"/> → <see cref="Server.ReportEmission"/> → then heartbeats,
/// snapshots, emission reports and job reports. After
/// a reconnect the agent says hello again, listing in <see cref="AgentHello.OpenJobs"/> every job it ran in the last
/// seven days with its state, then sends the step events and completions it could not deliver while disconnected.</para>
/// <para>Server duties: check that the credential is valid and not revoked on connect (and abort the connection on
/// revocation); take the agent and server identity from the credential, never from the payloads; dispatch a job with
/// <see cref="Agent.DispatchJob"/> to the agent's connection and expect step events and one completion; treat a step
/// event as identified by (<see cref="JobStepEvent.JobId"/>, <see cref="JobStepEvent.Sequence"/>, <see cref="JobStepEvent.State"/>)
/// so a repeat is harmless; redispatch a job that is still open after a reconnect (the agent answers from its journal and
/// never applies a change twice); mark a job expired when its <see cref="JobDispatch.ExpiresAt"/> passes undelivered.</para>
/// </remarks>
public static class AgentHub
{
    /// <summary>Path of the hub on the console.</summary>
    public const string Path = "/hubs/agents";

    /// <summary>Path of the enrollment endpoint (POST <see cref="EnrollmentRequest"/>, 200 <see cref="EnrollmentResponse"/>).</summary>
    public const string EnrollPath = "/api/v1/agents/enroll";

    /// <summary>Methods the agent invokes on the hub.</summary>
    public static class Server
    {
        /// <summary>
        /// First call after every (re)connect: <see cref="AgentHello"/> → <see cref="AgentWelcome"/>. The hub records presence,
        /// and answers with the intervals to use and the jobs the agent should reconcile or run.
        /// </summary>
        public const string Hello = nameof(IAgentHub.Hello);

        /// <summary>Periodic liveness report: <see cref="AgentHeartbeat"/>, no result.</summary>
        public const string Heartbeat = nameof(IAgentHub.Heartbeat);

        /// <summary>A settings snapshot collected by the connector: <see cref="AgentSnapshotReport"/>, no result.</summary>
        public const string ReportSnapshot = nameof(IAgentHub.ReportSnapshot);

        /// <summary>One step of a job changed state: <see cref="JobStepEvent"/>, no result. Sent as each step starts and ends.</summary>
        public const string ReportJobStep = nameof(IAgentHub.ReportJobStep);

        /// <summary>A job reached a final state on the agent: <see cref="JobCompletion"/>, no result.</summary>
        public const string ReportJobCompleted = nameof(IAgentHub.ReportJobCompleted);

        /// <summary>
        /// Null-sender mail from the queue and the mail log: <see cref="EmissionReport"/>, no result. Sent after each snapshot
        /// and every <c>Agent:EmissionInterval</c>; the console keeps one row per server and hour (a later report of the same
        /// hour replaces it) and the latest queue state.
        /// </summary>
        public const string ReportEmission = nameof(IAgentHub.ReportEmission);
    }

    /// <summary>Methods the hub invokes on the agent.</summary>
    public static class Agent
    {
        /// <summary>Run a job: one argument, <see cref="JobDispatch"/>. The agent reports steps and completion through the server methods.</summary>
        public const string DispatchJob = nameof(IAgentClient.DispatchJob);

        /// <summary>Collect and report a settings snapshot now: no arguments.</summary>
        public const string RequestSnapshot = nameof(IAgentClient.RequestSnapshot);
    }
}
