using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Jobs;
using Microsoft.AspNetCore.SignalR.Client;

namespace BackscatterConsole.Server.Tests.Agents;

/// <summary>
/// An agent's report that reaches the console while its database cannot be written. Found by the crash-consistency soak
/// on PostgreSQL: a job's completion that arrived during a database restart was lost (reports are sent without waiting
/// for an answer), and the job stayed running for good. Here the data directory sits on a small tmpfs that the test
/// remounts read-only (needs root, like the storage fault tests).
/// </summary>
public sealed class AgentStorageFaultTests : IAsyncLifetime
{
    private static readonly string WeakPostconf = ScanApi.Sample("postconf-n-weak.txt");

    private readonly string _mount = Path.Combine(Path.GetTempPath(), "bsc-tmpfs-" + Guid.NewGuid().ToString("N")[..8]);

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_mount);
        Run("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", _mount);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ReportJobCompleted_DatabaseUnwritable_ConnectionClosedAndTheHelloAfterwardSettlesTheJob()
    {
        await using var app = KestrelApp.Start(dataDirectory: Path.Combine(_mount, "data"));
        var server = await app.CreateServerAsync();
        (await app.Api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/settings-snapshots", new { text = WeakPostconf })).EnsureSuccessStatusCode();
        var enrolled = await app.EnrollAsync(server.Id);
        var fixable = await app.Api.GetFromJsonAsync<List<FixableCheckDto>>($"/api/v1/servers/{server.Id}/jobs/fixable");

        // An agent that, like the real one, lists in every hello the outcome of each job its journal holds.
        var journal = new ConcurrentDictionary<Guid, JobCompletion>();
        var dispatched = new ConcurrentBag<Guid>();
        var hellos = 0;
        await using var agent = app.AgentConnection(enrolled.Credential);
        agent.Connection.On<JobDispatch>(AgentHub.Agent.DispatchJob, job => dispatched.Add(job.JobId));
        agent.Connected += async _ =>
        {
            // Counted before it is sent: the job can settle before the hello's own answer is back.
            Interlocked.Increment(ref hellos);
            await agent.Hub.Hello(new AgentHello(enrolled.AgentId, "test", AgentConnectorKind.Postfix, "mx1.example.com", [.. journal.Values]));
        };
        await agent.StartAsync();
        await KestrelApp.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref hellos) == 1));
        var job = (await (await app.Api.PostAsJsonAsync("/api/v1/jobs", new { serverId = server.Id, checkIds = new[] { fixable!.First(f => f.Changes.Count > 0).CheckId }, dryRun = true })).Content.ReadFromJsonAsync<JobDto>())!;
        await KestrelApp.WaitUntilAsync(() => Task.FromResult(dispatched.Contains(job.Id)));

        // The job ends on the agent while the console's database cannot be written: the report cannot be stored.
        var completion = new JobCompletion(job.Id, AgentJobState.Succeeded, [], null, DateTimeOffset.UtcNow);
        journal[job.Id] = completion;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Run("mount", "-o", "remount,ro", _mount);
        try
        {
            await agent.Hub.ReportJobCompleted(completion);

            // The console closes the connection, so the agent knows its report did not land.
            await KestrelApp.WaitUntilAsync(() => Task.FromResult(agent.ConnectionCount >= 2 || !agent.IsConnected));
        }
        finally
        {
            Run("mount", "-o", "remount,rw", _mount);
        }

        // Back on a writable database, the agent's next hello carries the outcome and settles the job.
        await KestrelApp.WaitUntilAsync(async () => (await app.Api.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{job.Id}"))!.State == JobStates.Succeeded, TimeSpan.FromSeconds(60));
        Assert.True(Volatile.Read(ref hellos) >= 2);
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Run("umount", "-l", _mount);
        Directory.Delete(_mount, recursive: true);
        return Task.CompletedTask;
    }

    private static void Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit(10_000);
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {error}. This test needs root to mount a tmpfs.");
    }
}
