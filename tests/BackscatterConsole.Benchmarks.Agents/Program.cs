using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Servers;

namespace BackscatterConsole.Benchmarks.Agents;

/// <summary>
/// Agents benchmark (issue 5, point 9): 1,000 agents on the agent's own hub connection (the ASP.NET Core SignalR client), in this one load process,
/// connected to one console running as a separate process, heartbeating; reports the console's memory per connection,
/// its CPU with all agents connected, and the time from POST /api/v1/jobs to the first step event on the status hub.
/// Targets: under 100 KB per connection, p99 under 100 ms.
/// </summary>
internal static class AgentsBenchmark
{
    private const int AgentCount = 1_000;
    private const int WarmupSamples = 20;
    private const int Samples = 250;
    private const int SeedParallelism = 8;
    private const int ConnectParallelism = 32;
    private const double MemoryTargetKib = 100;
    private const double LatencyTargetMs = 100;
    private const string AdminPassword = "Bench-Agents-2026!";
    private const string ApiToken = "bsc_bench_agents_token";
    private static readonly TimeSpan SettlePause = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SteadyWindow = TimeSpan.FromSeconds(30);

    public static async Task<int> Main(string[] args)
    {
        // Diagnostic switches, not the benchmark: the heartbeat interval tells the cost of heartbeats apart from the cost of
        // connections; --workstation-gc shows how much of the RSS difference is the server GC's allocation budget.
        var heartbeatSeconds = 5;
        var workstationGc = false;
        for (var index = 0; index < args.Length; index++)
        {
            switch (args[index])
            {
                case "--heartbeat-seconds" when index + 1 < args.Length:
                    heartbeatSeconds = int.Parse(args[++index], CultureInfo.InvariantCulture);
                    break;
                case "--workstation-gc":
                    workstationGc = true;
                    break;
                default:
                    Console.Error.WriteLine($"Unknown argument '{args[index]}'. Options: --heartbeat-seconds N, --workstation-gc.");
                    return 2;
            }
        }

        var heartbeatInterval = TimeSpan.FromSeconds(heartbeatSeconds);
        Console.WriteLine($"Load average at start: {LoadAverage()}");
        var repository = FindRepository();
        var dataDirectory = Path.Combine(Path.GetTempPath(), "bsc-bench-agents-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        ServerProcess? server = null;
        var agents = new ConcurrentBag<BenchAgent>();
        StatusWatcher? watcher = null;
        try
        {
            server = await ServerProcess.StartAsync(repository, dataDirectory, AdminPassword, ApiToken, heartbeatInterval, workstationGc);
            Console.WriteLine($"Console pid {server.Pid} at {server.BaseAddress} (Release build, {(workstationGc ? "workstation GC forced" : "its default server GC")}, data in {dataDirectory})");
            using var api = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiToken);
            using var anonymous = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

            var clock = Stopwatch.StartNew();
            var enrolled = await EnrollAllAsync(api, anonymous);
            Console.WriteLine($"Created and enrolled {enrolled.Count:N0} servers' agents in {clock.Elapsed.TotalSeconds:F1} s");

            var weak = await File.ReadAllTextAsync(Path.Combine(repository, "tests", "BackscatterConsole.Domain.Tests", "Settings", "Samples", "postconf-n-weak.txt"));
            var checkIds = FixableChecks(weak);
            var sampled = enrolled.Take(WarmupSamples + Samples).ToList();
            await Parallel.ForEachAsync(sampled, new ParallelOptions { MaxDegreeOfParallelism = SeedParallelism }, async (agent, ct) =>
                (await api.PostAsJsonAsync($"/api/v1/servers/{agent.ServerId}/settings-snapshots", new { text = weak }, ct)).EnsureSuccessStatusCode());
            watcher = new StatusWatcher(server.BaseAddress, ApiToken);
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                await watcher.StartAsync(sampled.Select(a => a.ServerId), timeout.Token);
            }

            Console.WriteLine($"Uploaded {sampled.Count} snapshots; status hub subscriber joined their server groups; fixable checks: {string.Join(", ", checkIds)}");

            // The server's GC cannot be forced from outside: pause so the seeding garbage is collected, then take the median of a few readings.
            await Task.Delay(SettlePause);
            var idle = await ObserveAsync(server, TimeSpan.FromSeconds(5), () => 0);
            Console.WriteLine($"Before connecting: RSS {idle.RssKib / 1024.0:F1} MiB, CPU {idle.CpuPercent:F1} % of one core");

            clock.Restart();
            await Parallel.ForEachAsync(enrolled, new ParallelOptions { MaxDegreeOfParallelism = ConnectParallelism }, async (enrollment, _) =>
            {
                var agent = new BenchAgent(server.BaseAddress, enrollment);
                agents.Add(agent);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await agent.StartAsync(timeout.Token);
            });
            var connectSeconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"Connected and welcomed {agents.Count:N0} agents in {connectSeconds:F1} s; heartbeat every {heartbeatInterval.TotalSeconds:0} s");

            await Task.Delay(SettlePause);
            var steady = await ObserveAsync(server, SteadyWindow, () => agents.Sum(a => a.HeartbeatsSent));
            var perConnectionKib = (steady.RssKib - idle.RssKib) / (double)AgentCount;
            Console.WriteLine($"Steady {SteadyWindow.TotalSeconds:0} s with {agents.Count(a => a.IsConnected):N0} connected: RSS {steady.RssKib / 1024.0:F1} MiB, CPU {steady.CpuPercent:F1} % of one core, {steady.CounterPerSecond:F0} heartbeats/s");

            var (latencies, posts, succeeded, regressed) = await MeasureDispatchAsync(api, watcher, agents.ToDictionary(a => a.ServerId), sampled, checkIds);

            var connected = agents.Count(a => a.IsConnected);
            var reconnects = agents.Sum(a => a.ConnectionCount - 1);
            var heartbeatFailures = agents.Sum(a => a.HeartbeatFailures);
            var serverRss = server.ResidentKib();
            PrintReport(idle, steady, perConnectionKib, latencies, posts, succeeded, connected, reconnects, heartbeatFailures, serverRss);
            Console.WriteLine($"  {"console threads before connecting / steady / end",-58}{idle.Threads} / {steady.Threads} / {server.Threads()}");
            Console.WriteLine($"  {"load average at the end (1, 5, 15 min; 2 cores shared)",-58}{LoadAverage()}");
            Console.WriteLine($"  {"jobs whose stored state differs from their final event",-58}{regressed.Count}");
            foreach (var line in regressed.Take(5))
            {
                Console.WriteLine("    " + line);
            }

            var warnings = server.Warnings();
            Console.WriteLine($"  {"console log lines at warning level or above",-58}{warnings.Count}");
            foreach (var warning in warnings.Distinct().Take(5))
            {
                Console.WriteLine("    " + (warning.Length <= 200 ? warning : warning[..200] + " …"));
            }


            var memoryMet = perConnectionKib < MemoryTargetKib;
            var latencyMet = Percentile(latencies, 0.99) < LatencyTargetMs;
            Console.WriteLine($"target memory per connection < {MemoryTargetKib:0} KB: {(memoryMet ? "met" : "MISSED")} ({perConnectionKib:F1} KB)");
            Console.WriteLine($"target p99 dispatch to first step < {LatencyTargetMs:0} ms: {(latencyMet ? "met" : "MISSED")} ({Percentile(latencies, 0.99):F1} ms)");
            var healthy = connected == AgentCount && succeeded == Samples && regressed.Count == 0;
            if (!healthy)
            {
                Console.WriteLine($"run NOT healthy: {connected}/{AgentCount} agents connected at the end, {succeeded}/{Samples} sampled jobs succeeded (event and stored state), {regressed.Count} stored states differ from their final event");
            }

            return memoryMet && latencyMet && healthy ? 0 : 1;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"Benchmark failed: {e}");
            return 2;
        }
        finally
        {
            await CleanUpAsync(server, watcher, agents, dataDirectory);
        }
    }

    private static async Task<List<EnrollmentResponse>> EnrollAllAsync(HttpClient api, HttpClient anonymous)
    {
        var enrolled = new EnrollmentResponse[AgentCount];
        await Parallel.ForEachAsync(Enumerable.Range(0, AgentCount), new ParallelOptions { MaxDegreeOfParallelism = SeedParallelism }, async (index, ct) =>
        {
            var created = await api.PostAsJsonAsync("/api/v1/servers", new { name = $"bench-agent-{index:D4}", hostname = $"mx{index}.bench.example.com", platform = "postfix" }, ct);
            created.EnsureSuccessStatusCode();
            var server = (await created.Content.ReadFromJsonAsync<ServerDto>(ct))!;
            var token = await api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/agent-enrollments", new { }, ct);
            token.EnsureSuccessStatusCode();
            var enrollment = (await token.Content.ReadFromJsonAsync<AgentEnrollmentDto>(ct))!;
            var response = await anonymous.PostAsJsonAsync(AgentHub.EnrollPath, new EnrollmentRequest(enrollment.Token, $"mx{index}.bench.example.com", AgentConnectorKind.Postfix, "bench", "Linux"), ct);
            response.EnsureSuccessStatusCode();
            enrolled[index] = (await response.Content.ReadFromJsonAsync<EnrollmentResponse>(ct))!;
        });
        return [.. enrolled];
    }

    /// <summary>The failing checks of the weak sample an agent can fix entirely with postconf -e and a reload (as in JobsTests).</summary>
    private static List<string> FixableChecks(string postconf) =>
        MtaRules.Evaluate(PostconfParser.ParseSnapshot(postconf, null, DateTimeOffset.UtcNow).Value)
            .Where(r => r.Check.Status == CheckStatus.Fail && r.ManualSteps.Count == 0 && r.Commands.Count > 0
                && r.Commands.All(c => c.Arguments is ["postconf", "-e", _] or ["postfix", "reload"]))
            .Select(r => r.Check.Id).Distinct().ToList();

    /// <summary>
    /// One job at a time on a different agent each: the time from sending POST /api/v1/jobs until the status hub
    /// subscriber has the first step event (the console created the job, sent DispatchJob to the agent's connection, the
    /// agent reported the plan step, the console stored it and broadcast it). Dry runs, so each job ends after one step.
    /// </summary>
    private static async Task<(List<double> Latencies, List<double> Posts, int Succeeded, List<string> Regressed)> MeasureDispatchAsync(
        HttpClient api, StatusWatcher watcher, Dictionary<Guid, BenchAgent> agents, List<EnrollmentResponse> sampled, List<string> checkIds)
    {
        var latencies = new List<double>(Samples);
        var posts = new List<double>(Samples);
        var succeeded = 0;
        var regressed = new List<string>();
        for (var index = 0; index < sampled.Count; index++)
        {
            var serverId = sampled[index].ServerId;
            if (!agents[serverId].IsConnected)
            {
                throw new InvalidOperationException($"The agent of server {serverId} is not connected when its sample starts.");
            }

            var expectation = watcher.Expect(serverId);
            var sent = Stopwatch.GetTimestamp();
            using var response = await api.PostAsJsonAsync("/api/v1/jobs", new { serverId, checkIds, dryRun = true });
            var answered = Stopwatch.GetTimestamp();
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"POST /api/v1/jobs answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }

            var job = (await response.Content.ReadFromJsonAsync<JobDto>())!;
            var (received, update) = await expectation.FirstStep.Task.WaitAsync(TimeSpan.FromSeconds(10));
            if (update.JobId != job.Id)
            {
                throw new InvalidOperationException($"The first step event was for job {update.JobId}, not {job.Id}.");
            }

            // Waiting for the end keeps the samples apart: the next job's dispatch does not share the console with this one's completion.
            var final = await expectation.Final.Task.WaitAsync(TimeSpan.FromSeconds(10));
            watcher.Forget(serverId);

            // The broadcast is not the record: both the POST (which saves "dispatched" after sending DispatchJob) and the
            // agent's reports have written by now, so the stored state must be the final one the event announced.
            var stored = (await api.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{job.Id}"))!;
            if (stored.State != final.State)
            {
                regressed.Add($"{job.Id}: event {final.State}, stored {stored.State}");
            }

            if (index < WarmupSamples)
            {
                continue;
            }

            latencies.Add(Stopwatch.GetElapsedTime(sent, received).TotalMilliseconds);
            posts.Add(Stopwatch.GetElapsedTime(sent, answered).TotalMilliseconds);
            succeeded += final.State == JobStates.Succeeded && stored.State == JobStates.Succeeded ? 1 : 0;
        }

        return (latencies, posts, succeeded, regressed);
    }

    /// <summary>Server CPU over a window (percent of one core), the median RSS of one reading per second, and a counter's rate.</summary>
    private static async Task<Observation> ObserveAsync(ServerProcess server, TimeSpan window, Func<long> counter)
    {
        var rss = new List<long>();
        var cpuStart = server.CpuTime();
        var countStart = counter();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < window)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            rss.Add(server.ResidentKib());
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        var cpu = (server.CpuTime() - cpuStart).TotalSeconds / elapsed * 100;
        rss.Sort();
        return new Observation(rss[rss.Count / 2], rss[0], rss[^1], cpu, (counter() - countStart) / elapsed, server.Threads());
    }

    private static void PrintReport(Observation idle, Observation steady, double perConnectionKib, List<double> latencies, List<double> posts, int succeeded, int connected, int reconnects, long heartbeatFailures, long endRssKib)
    {
        static string Row(string name, string value) => $"  {name,-58}{value}";
        Console.WriteLine();
        Console.WriteLine($"Agents benchmark: {AgentCount:N0} agents, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine(Row("console RSS before connecting (median)", $"{idle.RssKib / 1024.0:F1} MiB"));
        Console.WriteLine(Row($"console RSS, {AgentCount:N0} connected + heartbeating (median)", $"{steady.RssKib / 1024.0:F1} MiB"));
        Console.WriteLine(Row("  RSS readings in that window, min / max", $"{steady.RssMinKib / 1024.0:F1} / {steady.RssMaxKib / 1024.0:F1} MiB"));
        Console.WriteLine(Row("memory per connection (median RSS delta / agents)", $"{perConnectionKib:F1} KB (includes per-agent state)"));
        Console.WriteLine(Row("  same from the window's min / max RSS", $"{(steady.RssMinKib - idle.RssKib) / (double)AgentCount:F1} / {(steady.RssMaxKib - idle.RssKib) / (double)AgentCount:F1} KB"));
        Console.WriteLine(Row("console RSS after the dispatch samples", $"{endRssKib / 1024.0:F1} MiB"));
        Console.WriteLine(Row("console CPU, idle before connecting", $"{idle.CpuPercent:F1} % of one core"));
        Console.WriteLine(Row($"console CPU, steady {SteadyWindow.TotalSeconds:0} s window", $"{steady.CpuPercent:F1} % of one core ({steady.CounterPerSecond:F0} heartbeats/s)"));
        Console.WriteLine(Row($"dispatch -> first step event, n={latencies.Count}", $"p50 {Percentile(latencies, 0.50):F1}  p95 {Percentile(latencies, 0.95):F1}  p99 {Percentile(latencies, 0.99):F1}  max {latencies.Max():F1} ms"));
        Console.WriteLine(Row("  of which POST /api/v1/jobs answered 202", $"p50 {Percentile(posts, 0.50):F1}  p95 {Percentile(posts, 0.95):F1}  p99 {Percentile(posts, 0.99):F1} ms"));
        Console.WriteLine(Row("sampled jobs succeeded (final event and stored state)", $"{succeeded}/{latencies.Count}"));
        Console.WriteLine(Row("agents connected at the end / reconnects / failed beats", $"{connected:N0} / {reconnects} / {heartbeatFailures}"));
    }

    private static double Percentile(List<double> values, double quantile)
    {
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(quantile * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }

    /// <summary>Stops everything within bounded time: clients first (so the console sees ordinary disconnects), then the console, then its data.</summary>
    private static async Task CleanUpAsync(ServerProcess? server, StatusWatcher? watcher, IEnumerable<BenchAgent> agents, string dataDirectory)
    {
        var stopping = agents.Select(a => a.DisposeAsync().AsTask()).ToList();
        if (watcher is not null)
        {
            stopping.Add(watcher.DisposeAsync().AsTask());
        }

        try
        {
            await Task.WhenAll(stopping).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception e) when (e is TimeoutException or IOException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
        {
            Console.Error.WriteLine($"Some clients did not stop cleanly: {e.Message}");
        }

        if (server is not null)
        {
            await server.DisposeAsync();
        }

        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"Could not delete {dataDirectory}: {e.Message}");
        }
    }

    private static string FindRepository()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "BackscatterConsole.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Run the benchmark from inside the repository (BackscatterConsole.sln not found above the program).");
    }

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private sealed record Observation(long RssKib, long RssMinKib, long RssMaxKib, double CpuPercent, double CounterPerSecond, long Threads);
}
