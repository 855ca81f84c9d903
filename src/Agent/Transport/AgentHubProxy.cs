using BackscatterConsole.Shared.Agents;
using Microsoft.AspNetCore.SignalR.Client;

namespace BackscatterConsole.Agent.Transport;

/// <summary>
/// <see cref="IAgentHub"/> over a <see cref="HubConnection"/>: <see cref="Hello"/> waits for the console's answer; the
/// reports are sent without waiting for one (as the hub's methods return nothing), so a send completes once the message
/// is on the connection. Reports lost with a dropped connection are covered by the agent's outbox and journal.
/// </summary>
internal sealed class AgentHubProxy(HubConnection connection) : IAgentHub
{
    public Task<AgentWelcome> Hello(AgentHello hello) => connection.InvokeAsync<AgentWelcome>(AgentHub.Server.Hello, hello);

    public Task Heartbeat(AgentHeartbeat heartbeat) => connection.SendAsync(AgentHub.Server.Heartbeat, heartbeat);

    public Task ReportSnapshot(AgentSnapshotReport report) => connection.SendAsync(AgentHub.Server.ReportSnapshot, report);

    public Task ReportJobStep(JobStepEvent step) => connection.SendAsync(AgentHub.Server.ReportJobStep, step);

    public Task ReportJobCompleted(JobCompletion completion) => connection.SendAsync(AgentHub.Server.ReportJobCompleted, completion);

    public Task ReportEmission(EmissionReport report) => connection.SendAsync(AgentHub.Server.ReportEmission, report);
}
