using System.Collections.Concurrent;
using System.Net.Http.Json;
using BackscatterConsole.Agent.Transport;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Servers;
using Microsoft.AspNetCore.SignalR.Client;

namespace BackscatterConsole.Server.Tests.Jobs;

/// <summary>
/// Faults in the middle of a job, seen from the console: the agent dies, or the console restarts. Whatever happens,
/// the job reaches a definite state and no step is dispatched twice to an agent that already knows the job. The jobs
/// here are dry runs, which need no review and travel exactly like changes. (How the
/// real agent rolls back an interrupted job from its journal is tested in the agent's own tests.)
/// </summary>
public sealed class JobFaultTests
{
    private static readonly string WeakPostconf = ScanApi.Sample("postconf-n-weak.txt");

    [Fact]
    public async Task AgentKilledMidJob_RestartsKnowingTheJobRolledBack_JobEndsRolledBackWithoutRedispatch()
    {
        await using var app = KestrelApp.Start();
        var (server, enrolled, checks) = await PrepareAsync(app);
        var job = await RunUntilFirstStepThenDieAsync(app, server, enrolled, checks);

        // The restarted agent found its journal, rolled back and says so in its hello.
        var dispatches = new ConcurrentBag<Guid>();
        await using var restarted = Agent(app, enrolled, dispatches, [new JobCompletion(job.Id, AgentJobState.RolledBack, [], "The agent restarted during the job; every setting was restored.", DateTimeOffset.UtcNow)]);
        await restarted.StartAsync();

        var done = await WaitForStateAsync(app, job.Id, s => JobStates.Final.Contains(s));
        Assert.Equal(JobStates.RolledBack, done.State);
        Assert.Contains("restarted during the job", done.Error, StringComparison.Ordinal);
        await Task.Delay(500);
        Assert.Empty(dispatches);
    }

    [Fact]
    public async Task AgentKilledMidJob_RestartsWithoutKnowingIt_JobIsSentAgainAndFinishes()
    {
        await using var app = KestrelApp.Start();
        var (server, enrolled, checks) = await PrepareAsync(app);
        var job = await RunUntilFirstStepThenDieAsync(app, server, enrolled, checks);

        var dispatches = new ConcurrentBag<Guid>();
        await using var restarted = Agent(app, enrolled, dispatches, []);
        await restarted.StartAsync();

        await KestrelApp.WaitUntilAsync(() => Task.FromResult(dispatches.Contains(job.Id)));
        await restarted.Hub.ReportJobCompleted(new JobCompletion(job.Id, AgentJobState.Succeeded, [], null, DateTimeOffset.UtcNow));
        var done = await WaitForStateAsync(app, job.Id, s => JobStates.Final.Contains(s));
        Assert.Equal(JobStates.Succeeded, done.State);
        Assert.Single(dispatches);
    }

    [Fact]
    public async Task ConsoleRestartedMidJob_AgentReportsTheEndOnReconnect_JobSucceedsAndNothingIsLost()
    {
        var data = Path.Combine(Path.GetTempPath(), "bsc-restart-" + Guid.NewGuid().ToString("N"));
        var port = KestrelApp.FreePort();
        Guid jobId;
        EnrollmentResponse enrolled;
        var completions = new ConcurrentQueue<JobCompletion>();
        AgentHubConnection agent;
        await using (var first = KestrelApp.Start(dataDirectory: data, port: port, keepData: true))
        {
            var prepared = await PrepareAsync(first);
            enrolled = prepared.Enrolled;
            var dispatches = new ConcurrentBag<Guid>();
            agent = Agent(first, enrolled, dispatches, completions);
            await agent.StartAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await agent.WaitForConnectedAsync(timeout.Token);
            var job = (await (await first.Api.PostAsJsonAsync("/api/v1/jobs", new { serverId = prepared.Server.Id, checkIds = prepared.Checks, dryRun = true })).Content.ReadFromJsonAsync<JobDto>())!;
            jobId = job.Id;
            await KestrelApp.WaitUntilAsync(() => Task.FromResult(dispatches.Contains(jobId)));
            await agent.Hub.ReportJobStep(new JobStepEvent(jobId, 1, "plan", JobStepState.Succeeded, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, "ok", 0));
            await WaitForStateAsync(first, jobId, s => s == JobStates.Running);
        }

        // While the console is down the agent finishes; its hello after the reconnect carries the end.
        completions.Enqueue(new JobCompletion(jobId, AgentJobState.Succeeded, [new SettingDiff("soft_bounce", SettingOperation.Set, "no", ["yes"], ["no"], false)], null, DateTimeOffset.UtcNow));
        try
        {
            await using var second = KestrelApp.Start(dataDirectory: data, port: port);
            var done = await WaitForStateAsync(second, jobId, s => JobStates.Final.Contains(s));
            Assert.Equal(JobStates.Succeeded, done.State);
            Assert.Equal(["plan"], done.Steps.Select(s => s.Name));
            Assert.Single(done.Diff);
        }
        finally
        {
            await agent.DisposeAsync();
        }
    }

    private static async Task<(ServerDto Server, EnrollmentResponse Enrolled, string[] Checks)> PrepareAsync(KestrelApp app)
    {
        var server = await app.CreateServerAsync();
        (await app.Api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/settings-snapshots", new { text = WeakPostconf })).EnsureSuccessStatusCode();
        var enrolled = await app.EnrollAsync(server.Id);
        var fixable = await app.Api.GetFromJsonAsync<List<JsonFixable>>($"/api/v1/servers/{server.Id}/jobs/fixable");
        return (server, enrolled, fixable!.Where(f => f.Changes.Count > 0).Select(f => f.CheckId).Take(1).ToArray());
    }

    private static async Task<JobDto> RunUntilFirstStepThenDieAsync(KestrelApp app, ServerDto server, EnrollmentResponse enrolled, string[] checks)
    {
        var dispatches = new ConcurrentBag<Guid>();
        var agent = Agent(app, enrolled, dispatches, []);
        await agent.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await agent.WaitForConnectedAsync(timeout.Token);
        var job = (await (await app.Api.PostAsJsonAsync("/api/v1/jobs", new { serverId = server.Id, checkIds = checks, dryRun = true })).Content.ReadFromJsonAsync<JobDto>())!;
        await KestrelApp.WaitUntilAsync(() => Task.FromResult(dispatches.Contains(job.Id)));
        await agent.Hub.ReportJobStep(new JobStepEvent(job.Id, 1, "plan", JobStepState.Running, DateTimeOffset.UtcNow, null, string.Empty, null));
        await WaitForStateAsync(app, job.Id, s => s == JobStates.Running);

        // The agent process dies: the connection drops without a completion.
        await agent.DisposeAsync();
        await KestrelApp.WaitUntilAsync(async () => (await app.Api.GetFromJsonAsync<AgentStatusDto>($"/api/v1/servers/{server.Id}/agent"))!.Status == AgentStatusDto.Offline);
        Assert.Equal(JobStates.Running, (await app.Api.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{job.Id}"))!.State);
        return job;
    }

    /// <summary>An agent that records dispatches and says hello with the jobs it knows.</summary>
    private static AgentHubConnection Agent(KestrelApp app, EnrollmentResponse enrolled, ConcurrentBag<Guid> dispatches, IEnumerable<JobCompletion> known)
    {
        var client = app.AgentConnection(enrolled.Credential);
        client.Connection.On<JobDispatch>(AgentHub.Agent.DispatchJob, job => dispatches.Add(job.JobId));
        client.Connected += async _ => await client.Hub.Hello(new AgentHello(enrolled.AgentId, "test", AgentConnectorKind.Postfix, "mx1.example.com", known.ToList()));
        return client;
    }

    private static async Task<JobDto> WaitForStateAsync(KestrelApp app, Guid jobId, Func<string, bool> condition)
    {
        JobDto? job = null;
        await KestrelApp.WaitUntilAsync(async () => condition((job = await app.Api.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{jobId}"))!.State));
        return job!;
    }

    private sealed record JsonFixable(string CheckId, List<JobChangeDto> Changes);
}
