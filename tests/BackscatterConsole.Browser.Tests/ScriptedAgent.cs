using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Settings;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace BackscatterConsole.Browser.Tests;

/// <summary>
/// An agent as the console's agents hub sees it, on the SignalR client: it says hello, works through each dispatched job
/// in four steps slow enough to be watched, and answers a snapshot request with the change applied. The real agent
/// process against a real Postfix is tested in the agent's own tests.
/// </summary>
internal sealed class ScriptedAgent : IAsyncDisposable
{
    private static readonly string[] Steps = ["plan", "apply", "reload", "verify"];
    private readonly HubConnection _hub;
    private readonly EnrollmentResponse _enrolled;

    public ScriptedAgent(Uri baseAddress, EnrollmentResponse enrolled)
    {
        _enrolled = enrolled;
        _hub = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, AgentHub.Path), options =>
            {
                options.AccessTokenProvider = () => Task.FromResult<string?>(enrolled.Credential);
                options.Transports = HttpTransportType.WebSockets;
            })
            .Build();
        _hub.On<JobDispatch>(AgentHub.Agent.DispatchJob, dispatch =>
        {
            // Handlers run one at a time; the job runs beside them, as a real agent's does.
            _ = Task.Run(() => RunAsync(dispatch));
            return Task.CompletedTask;
        });
        _hub.On(AgentHub.Agent.RequestSnapshot, () =>
        {
            var snapshot = PostconfParser.ParseSnapshot("soft_bounce = no\n", null, DateTimeOffset.UtcNow).Value with { Source = SettingsSources.Agent };
            return _hub.SendAsync(AgentHub.Server.ReportSnapshot, new AgentSnapshotReport(enrolled.AgentId, snapshot, [], null));
        });
    }

    /// <summary>Connects (the console marks the agent online) and says hello, which sends it its queued jobs.</summary>
    public async Task ConnectAsync(bool hello = true)
    {
        await _hub.StartAsync();
        if (hello)
        {
            await _hub.InvokeAsync<AgentWelcome>(AgentHub.Server.Hello, new AgentHello(_enrolled.AgentId, "test", AgentConnectorKind.Postfix, "mx.example.com", []));
        }
    }

    /// <summary>Sends an emission report, as the agent does after each snapshot and every Agent:EmissionInterval.</summary>
    public Task ReportEmissionAsync(EmissionReport report) => _hub.InvokeAsync(AgentHub.Server.ReportEmission, report);

    public Task DisconnectAsync() => _hub.StopAsync();

    public ValueTask DisposeAsync() => _hub.DisposeAsync();

    private async Task RunAsync(JobDispatch dispatch)
    {
        for (var i = 0; i < Steps.Length; i++)
        {
            var start = DateTimeOffset.UtcNow;
            await _hub.SendAsync(AgentHub.Server.ReportJobStep, new JobStepEvent(dispatch.JobId, i + 1, Steps[i], JobStepState.Running, start, null, string.Empty, null));
            await Task.Delay(400);
            await _hub.SendAsync(AgentHub.Server.ReportJobStep, new JobStepEvent(dispatch.JobId, i + 1, Steps[i], JobStepState.Succeeded, start, DateTimeOffset.UtcNow, $"{Steps[i]}: ok", 0));
        }

        await _hub.SendAsync(AgentHub.Server.ReportJobCompleted, new JobCompletion(dispatch.JobId, AgentJobState.Succeeded, [new SettingDiff("soft_bounce", SettingOperation.Set, "no", ["yes"], ["no"], false)], null, DateTimeOffset.UtcNow));
    }
}
