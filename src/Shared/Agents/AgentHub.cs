namespace BackscatterConsole.Shared.Agents;

/// <summary>
/// The agents hub: its path and the names of its methods in both directions. Agents connect over WebSockets with the JSON
/// hub protocol and their long-lived credential as a bearer token (<c>Authorization: Bearer …</c>, and also
/// <c>?access_token=…</c> because browsers and proxies drop headers on WebSocket upgrades).
/// </summary>
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
        public const string Hello = "Hello";

        /// <summary>Periodic liveness report: <see cref="AgentHeartbeat"/>, no result.</summary>
        public const string Heartbeat = "Heartbeat";

        /// <summary>A settings snapshot collected by the connector: <see cref="AgentSnapshotReport"/>, no result.</summary>
        public const string ReportSnapshot = "ReportSnapshot";

        /// <summary>One step of a job changed state: <see cref="JobStepEvent"/>, no result. Sent as each step starts and ends.</summary>
        public const string ReportJobStep = "ReportJobStep";

        /// <summary>A job reached a final state on the agent: <see cref="JobCompletion"/>, no result.</summary>
        public const string ReportJobCompleted = "ReportJobCompleted";
    }

    /// <summary>Methods the hub invokes on the agent.</summary>
    public static class Agent
    {
        /// <summary>Run a job: one argument, <see cref="JobDispatch"/>. The agent reports steps and completion through the server methods.</summary>
        public const string DispatchJob = "DispatchJob";

        /// <summary>Collect and report a settings snapshot now: no arguments.</summary>
        public const string RequestSnapshot = "RequestSnapshot";
    }
}
