using System.Net;
using System.Net.Http.Json;
using BackscatterConsole.Agent.Transport;
using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Settings;
using Microsoft.AspNetCore.SignalR.Client;

namespace BackscatterConsole.Server.Tests.Jobs;

/// <summary>
/// Remediation jobs end to end through the console, with the agent's own hub client scripted to answer like an agent
/// (plan, apply, reload, verify; then a fresh snapshot). The real agent against a real Postfix is tested in the agent's tests.
/// </summary>
public sealed class JobsTests : IAsyncLifetime
{
    private static readonly string WeakPostconf = ScanApi.Sample("postconf-n-weak.txt");
    private KestrelApp _app = default!;

    public Task InitializeAsync()
    {
        _app = KestrelApp.Start(new() { ["Jobs:SweepInterval"] = "00:00:00.200" });
        return Task.CompletedTask;
    }

    /// <summary>The failing settings checks of the weak sample that an agent can fix entirely (postconf -e and a reload).</summary>
    private static List<string> FixableChecks()
    {
        var results = MtaRules.Evaluate(PostconfParser.ParseSnapshot(WeakPostconf, null, DateTimeOffset.UtcNow).Value);
        return results
            .Where(r => r.Check.Status == CheckStatus.Fail && r.ManualSteps.Count == 0 && r.Commands.Count > 0
                && r.Commands.All(c => c.Arguments is ["postconf", "-e", _] or ["postfix", "reload"]))
            .Select(r => r.Check.Id).Distinct().ToList();
    }

    [Fact]
    public async Task Job_AgentOnline_RunsStepsSucceedsAndTheVerificationScanSeesTheFix()
    {
        var (server, enrolled) = await ServerWithSnapshotAndAgentAsync();
        await using var agent = new ScriptedAgent(_app, enrolled, AgentJobState.Succeeded);
        await agent.ConnectAsync();
        var checks = FixableChecks();
        Assert.NotEmpty(checks);

        var direct = await _app.Api.PostAsJsonAsync("/api/v1/jobs", new { serverId = server.Id, checkIds = checks });
        Assert.Equal(HttpStatusCode.Forbidden, direct.StatusCode);

        var job = await _app.ApplyThroughChangeRequestAsync(server.Id, checks);
        Assert.NotEmpty(job.Changes);
        Assert.All(job.Changes, c => Assert.StartsWith("postconf -e ", c.Command, StringComparison.Ordinal));
        var done = await WaitForJobAsync(job.Id, j => j.VerificationScanId is not null);
        Assert.Equal(JobStates.Succeeded, done.State);
        Assert.Equal(["plan", "apply", "reload", "verify"], done.Steps.Select(s => s.Name));
        Assert.All(done.Steps, s => Assert.Equal(JobStepState.Succeeded, s.State));
        Assert.NotEmpty(done.Diff);

        var scan = await ScanApi.WaitUntilFinishedAsync(_app.Api, done.VerificationScanId!.Value);
        Assert.Equal(ScanTriggers.JobVerification, scan.Trigger);
        foreach (var id in checks)
        {
            Assert.All(scan.Results.Where(r => r.Id == id && r.Source == CheckSources.Settings), r => Assert.Equal(CheckStatus.Pass, r.Status));
        }

        var audit = await _app.Api.GetFromJsonAsync<PagedResult<AuditEntryDto>>($"/api/v1/audit?objectType=job&objectId={job.Id}&pageSize=50");
        Assert.Contains(audit!.Items, e => e.Action == AuditActions.JobCreated);
        Assert.Contains(audit.Items, e => e.Action == AuditActions.JobFinished);
        Assert.Equal(4, audit.Items.Count(e => e.Action == AuditActions.JobStep));
    }

    [Fact]
    public async Task Snapshots_AgentsReportIsPreferredOverANewerPastedOne()
    {
        var (server, enrolled) = await ServerWithSnapshotAndAgentAsync();
        var hub = _app.AgentConnection(enrolled.Credential);
        await using (hub)
        {
            await hub.StartAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await hub.WaitForConnectedAsync(timeout.Token);
            var reported = PostconfParser.ParseSnapshot("soft_bounce = no\n", null, DateTimeOffset.UtcNow).Value with { Source = SettingsSources.Agent };
            await hub.Connection.InvokeAsync(AgentHub.Server.ReportSnapshot, new AgentSnapshotReport(enrolled.AgentId, reported, [], null), timeout.Token);
        }

        await UploadWeakSnapshotAsync(_app, server.Id);

        var current = await _app.Api.GetFromJsonAsync<SettingsSnapshotDto>($"/api/v1/servers/{server.Id}/settings-snapshots/latest");
        Assert.Equal(SettingsSources.Agent, current!.Source);
        var scan = await ScanApi.WaitUntilFinishedAsync(_app.Api, await ScanApi.StartAsync(_app.Api, server.Id));
        var hygiene = scan.Results.Single(r => r.Id == "mta.bounce-hygiene" && r.Source == CheckSources.Settings);
        Assert.Contains(hygiene.Evidence, line => line.Contains("agent", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Job_AgentOffline_WaitsQueuedAndRunsWhenTheAgentConnects()
    {
        var (server, enrolled) = await ServerWithSnapshotAndAgentAsync();
        var job = (await (await _app.Api.PostAsJsonAsync("/api/v1/jobs", new { serverId = server.Id, checkIds = FixableChecks(), dryRun = true })).Content.ReadFromJsonAsync<JobDto>())!;
        Assert.Equal(JobStates.Queued, job.State);
        Assert.True(job.DryRun);

        await using var agent = new ScriptedAgent(_app, enrolled, AgentJobState.Succeeded);
        await agent.ConnectAsync();

        var done = await WaitForJobAsync(job.Id, j => j.State == JobStates.Succeeded);
        Assert.Null(done.VerificationScanId);
        Assert.Equal(1, agent.Dispatches(job.Id));
    }

    [Fact]
    public async Task Job_FailureRolledBackOnTheAgent_EndsRolledBackWithoutVerification()
    {
        var (server, enrolled) = await ServerWithSnapshotAndAgentAsync();
        await using var agent = new ScriptedAgent(_app, enrolled, AgentJobState.RolledBack);
        await agent.ConnectAsync();

        var job = await _app.ApplyThroughChangeRequestAsync(server.Id, FixableChecks());

        var done = await WaitForJobAsync(job.Id, j => JobStates.Final.Contains(j.State));
        Assert.Equal(JobStates.RolledBack, done.State);
        Assert.Contains("reload failed", done.Error, StringComparison.Ordinal);
        Assert.Null(done.VerificationScanId);
        Assert.Equal(0, agent.SnapshotRequests);
    }

    [Fact]
    public async Task Job_NotStartedBeforeExpiry_Expires()
    {
        await using var app = KestrelApp.Start(new() { ["Jobs:Expiry"] = "00:00:01", ["Jobs:SweepInterval"] = "00:00:00.200" });
        var server = await app.CreateServerAsync();
        await UploadWeakSnapshotAsync(app, server.Id);
        await app.EnrollAsync(server.Id);

        var job = (await (await app.Api.PostAsJsonAsync("/api/v1/jobs", new { serverId = server.Id, checkIds = FixableChecks(), dryRun = true })).Content.ReadFromJsonAsync<JobDto>())!;

        JobDto? expired = null;
        await KestrelApp.WaitUntilAsync(async () => (expired = await app.Api.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{job.Id}"))!.State == JobStates.Expired);
        Assert.Contains("Nothing was changed", expired!.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_QueuedJob_IsCancelledOnceAndANewJobCanFollow()
    {
        var (server, _) = await ServerWithSnapshotAndAgentAsync();
        var job = (await (await _app.Api.PostAsJsonAsync("/api/v1/jobs", new { serverId = server.Id, checkIds = FixableChecks(), dryRun = true })).Content.ReadFromJsonAsync<JobDto>())!;

        var busy = await _app.Api.PostAsJsonAsync("/api/v1/jobs", new { serverId = server.Id, checkIds = FixableChecks(), dryRun = true });
        Assert.Equal(HttpStatusCode.Conflict, busy.StatusCode);

        var cancelled = await _app.Api.PostAsync($"/api/v1/jobs/{job.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal(JobStates.Cancelled, (await cancelled.Content.ReadFromJsonAsync<JobDto>())!.State);
        Assert.Equal(HttpStatusCode.Conflict, (await _app.Api.PostAsync($"/api/v1/jobs/{job.Id}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await _app.Api.PostAsJsonAsync("/api/v1/jobs", new { serverId = server.Id, checkIds = FixableChecks(), dryRun = true })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Api.PostAsync($"/api/v1/jobs/{Guid.NewGuid()}/cancel", null)).StatusCode);
    }

    [Fact]
    public async Task Create_BadRequests_SayWhy()
    {
        var bare = await _app.CreateServerAsync();
        var noSnapshot = await _app.Api.PostAsJsonAsync("/api/v1/jobs", new { serverId = bare.Id, checkIds = new[] { "mta.policyd" }, dryRun = true });
        Assert.Equal(HttpStatusCode.Conflict, noSnapshot.StatusCode);
        Assert.Contains("no settings snapshot", await noSnapshot.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await UploadWeakSnapshotAsync(_app, bare.Id);
        var noAgent = await _app.Api.PostAsJsonAsync("/api/v1/jobs", new { serverId = bare.Id, checkIds = FixableChecks(), dryRun = true });
        Assert.Equal(HttpStatusCode.Conflict, noAgent.StatusCode);
        Assert.Contains("no enrolled agent", await noAgent.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.BadRequest, (await _app.Api.PostAsJsonAsync("/api/v1/jobs", new { serverId = bare.Id, checkIds = new[] { "spf.all" }, dryRun = true })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _app.Api.PostAsJsonAsync("/api/v1/jobs", new { serverId = bare.Id, checkIds = Array.Empty<string>(), dryRun = true })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Api.PostAsJsonAsync("/api/v1/jobs", new { serverId = Guid.NewGuid(), checkIds = new[] { "mta.policyd" }, dryRun = true })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Api.GetAsync($"/api/v1/jobs/{Guid.NewGuid()}")).StatusCode);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<(Shared.Servers.ServerDto Server, EnrollmentResponse Agent)> ServerWithSnapshotAndAgentAsync()
    {
        var server = await _app.CreateServerAsync();
        await UploadWeakSnapshotAsync(_app, server.Id);
        return (server, await _app.EnrollAsync(server.Id));
    }

    private static async Task UploadWeakSnapshotAsync(KestrelApp app, Guid serverId) =>
        (await app.Api.PostAsJsonAsync($"/api/v1/servers/{serverId}/settings-snapshots", new { text = WeakPostconf })).EnsureSuccessStatusCode();

    private async Task<JobDto> WaitForJobAsync(Guid id, Func<JobDto, bool> condition)
    {
        JobDto? job = null;
        await KestrelApp.WaitUntilAsync(async () => condition(job = (await _app.Api.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{id}"))!));
        return job!;
    }

    /// <summary>Answers the hub like an agent: runs each dispatched job's four steps and reports a snapshot with the changes applied.</summary>
    private sealed class ScriptedAgent : IAsyncDisposable
    {
        private readonly AgentHubConnection _client;
        private readonly EnrollmentResponse _enrolled;
        private readonly AgentJobState _outcome;
        private readonly Dictionary<Guid, int> _dispatches = [];
        private readonly List<SettingChange> _applied = [];

        public ScriptedAgent(KestrelApp app, EnrollmentResponse enrolled, AgentJobState outcome)
        {
            _enrolled = enrolled;
            _outcome = outcome;
            _client = app.AgentConnection(enrolled.Credential);
            _client.Connection.On<JobDispatch>(AgentHub.Agent.DispatchJob, RunAsync);
            _client.Connection.On(AgentHub.Agent.RequestSnapshot, async () =>
            {
                SnapshotRequests++;
                var text = WeakPostconf + string.Concat(_applied.Select(c => $"{c.Name} = {c.Value}\n"));
                var snapshot = PostconfParser.ParseSnapshot(text, null, DateTimeOffset.UtcNow).Value with { Source = SettingsSources.Agent };
                await _client.Hub.ReportSnapshot(new AgentSnapshotReport(_enrolled.AgentId, snapshot, [], null));
            });
            _client.Connected += async _ => await _client.Hub.Hello(new AgentHello(_enrolled.AgentId, "test", AgentConnectorKind.Postfix, "mx1.example.com", []));
        }

        public int SnapshotRequests { get; private set; }

        public int Dispatches(Guid jobId)
        {
            lock (_dispatches)
            {
                return _dispatches.GetValueOrDefault(jobId);
            }
        }

        public async Task ConnectAsync()
        {
            await _client.StartAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _client.WaitForConnectedAsync(timeout.Token);
        }

        public ValueTask DisposeAsync() => _client.DisposeAsync();

        private async Task RunAsync(JobDispatch job)
        {
            lock (_dispatches)
            {
                _dispatches[job.JobId] = _dispatches.GetValueOrDefault(job.JobId) + 1;
            }

            var names = job.DryRun ? ["plan"] : new[] { "plan", "apply", "reload", "verify" };
            for (var i = 0; i < names.Length; i++)
            {
                var failed = _outcome == AgentJobState.RolledBack && names[i] == "reload";
                var start = DateTimeOffset.UtcNow;
                await _client.Hub.ReportJobStep(new JobStepEvent(job.JobId, i + 1, names[i], JobStepState.Running, start, null, string.Empty, null));
                await _client.Hub.ReportJobStep(new JobStepEvent(job.JobId, i + 1, names[i], failed ? JobStepState.Failed : JobStepState.Succeeded, start, DateTimeOffset.UtcNow, $"$ {names[i]}\nok", failed ? 1 : 0));
                if (failed)
                {
                    break;
                }
            }

            if (_outcome == AgentJobState.Succeeded && !job.DryRun)
            {
                _applied.AddRange(job.Changes);
            }

            var diff = job.Changes.Select(c => new SettingDiff(c.Name, c.Operation, c.Value, ["old"], [c.Value], false)).ToList();
            await _client.Hub.ReportJobCompleted(new JobCompletion(job.JobId, _outcome, diff, _outcome == AgentJobState.Succeeded ? null : "reload failed; every setting was restored", DateTimeOffset.UtcNow));
        }
    }
}
