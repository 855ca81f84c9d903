using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BackscatterConsole.Benchmarks.Posture;
using BackscatterConsole.Benchmarks.Smtp;
using BackscatterConsole.Cluster.Tests.Infrastructure;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Servers;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;

// Fleet scan on PostgreSQL with one console instance and with two (Redis backplane), and the fan-out latency of live
// events across instances. Everything real and on loopback: PostgreSQL (initdb), redis-server, knotd serving every
// server's domain, one loopback SMTP listener per server, the consoles as their own processes (Release build).
// Usage: dotnet run -c Release --project tests/BackscatterConsole.Benchmarks.Cluster [-- --servers N --fanout N]
var servers = Argument("--servers", 2000);
var fanoutSamples = Argument("--fanout", 200);
const string Token = "bsc_cluster_benchmark_token";
const string Zone = "bench.test";

Console.WriteLine($"Cluster benchmark: {servers} servers, {fanoutSamples} fan-out samples, {Environment.ProcessorCount} cores, load average {LoadAverage()}");
var database = "bsc_bench_" + Guid.NewGuid().ToString("N")[..8];
var postgres = PostgresCluster.Shared;
await using var redis = await RedisServer.StartAsync();
await using var knot = await KnotServer.StartAsync(Zone, ZoneText(servers));
var listeners = Enumerable.Range(0, servers).Select(_ => new LoopbackMta(EndpointBehaviour.Fast, TimeSpan.Zero)).ToList();
using var data = new BackscatterConsole.Agent.Tests.Support.TempDirectory();

ConsoleProcess Instance(string name, bool backplane)
{
    var environment = new Dictionary<string, string>
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["Storage__Provider"] = "postgres",
        // Application Name lets pg_stat_activity tell the two instances' connections apart; the pool bound is Npgsql's default.
        ["Storage__ConnectionString"] = new NpgsqlConnectionStringBuilder(postgres.ConnectionString(database)) { ApplicationName = name, MaxPoolSize = 100 }.ConnectionString,
        ["Storage__DataDirectory"] = Path.Combine(data.Path, name),
        ["Bootstrap__AdminPassword"] = "Bench-Pass-2026!",
        ["Bootstrap__ApiToken"] = Token,
        ["Scans__ScheduleEnabled"] = "false",
        ["Dnsbl__Enabled"] = "false",
        ["Probe__SinkAddress"] = "sink@probe.bench.test",
        ["Probe__HeloName"] = "probe.bench.test",
        ["Dns__Servers__0"] = $"127.0.0.1:{knot.Port}",
        ["Logging__LogLevel__Default"] = "Warning",
    };
    if (backplane)
    {
        environment["SignalR__Redis"] = redis.Configuration;
    }

    return new ConsoleProcess(name, name, environment);
}

var results = new List<string>();
try
{
    // One instance, single-instance mode (no SignalR:Redis): it creates the database and the inventory.
    var a = Instance("console-a", backplane: false);
    await a.StartAsync();
    var ids = await CreateServersAsync(a, listeners);
    results.Add(await FleetScanAsync("1 instance ", [a]));
    await a.DisposeAsync();

    // The same instance alone with the backplane: what Redis costs without a second instance.
    a = Instance("console-a", backplane: true);
    await a.StartAsync();
    results.Add(await FleetScanAsync("1 + Redis  ", [a]));
    await a.DisposeAsync();

    // Two instances with the backplane, on the same database and inventory.
    a = Instance("console-a", backplane: true);
    var b = Instance("console-b", backplane: true);
    await a.StartAsync();
    await b.StartAsync();
    results.Add(await FleetScanAsync("2 instances", [a, b]));
    var fanout = await FanOutAsync(a, b, ids);
    await a.DisposeAsync();
    await b.DisposeAsync();

    Console.WriteLine();
    Console.WriteLine("mode          servers  wall s  scans/s  failed  PG connections max (per instance)");
    results.ForEach(Console.WriteLine);
    Console.WriteLine(fanout);
    Console.WriteLine($"load average at the end: {LoadAverage()}");
}
finally
{
    foreach (var listener in listeners)
    {
        await listener.DisposeAsync();
    }

    NpgsqlConnection.ClearAllPools();
    await postgres.ExecuteAsync($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
    postgres.Dispose();
}

async Task<List<Guid>> CreateServersAsync(ConsoleProcess via, List<LoopbackMta> mtas)
{
    using var api = Api(via);
    var clock = Stopwatch.StartNew();
    var created = new ConcurrentBag<Guid>();
    await Parallel.ForEachAsync(Enumerable.Range(0, mtas.Count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
    {
        var response = await api.PostAsJsonAsync("/api/v1/servers", new
        {
            name = $"bench-{i:0000}",
            hostname = $"mx.d{i}.{Zone}",
            platform = "postfix",
            smtpHost = "127.0.0.1",
            smtpPort = mtas[i].Port,
            probeEnabled = true,
            domains = new[] { new { name = $"d{i}.{Zone}" } },
        }, ct);
        response.EnsureSuccessStatusCode();
        created.Add((await response.Content.ReadFromJsonAsync<ServerDto>(ct))!.Id);
    });
    Console.WriteLine($"created {created.Count} servers through the API in {clock.Elapsed.TotalSeconds:0.0} s");
    return [.. created];
}

// Queues a scan of every server through the first instance and waits until all have ended, sampling PostgreSQL's
// connections of each instance meanwhile.
async Task<string> FleetScanAsync(string mode, ConsoleProcess[] instances)
{
    using var api = Api(instances[0]);
    await using var monitor = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgres.ConnectionString(database)) { ApplicationName = "benchmark", Pooling = false }.ConnectionString);
    await monitor.OpenAsync();
    var peak = instances.ToDictionary(i => i.InstanceId, _ => 0L);
    long peakTotal = 0;
    var clock = Stopwatch.StartNew();
    var response = await api.PostAsJsonAsync("/api/v1/scans", new { all = true });
    response.EnsureSuccessStatusCode();
    var scanIds = (await response.Content.ReadFromJsonAsync<FleetScanAcceptedDto>())!.Ids.ToArray();
    long finished = 0, failed = 0;
    while (true)
    {
        await using (var sample = new NpgsqlCommand("SELECT application_name, count(*) FROM pg_stat_activity WHERE datname = @db AND application_name LIKE 'console-%' GROUP BY 1", monitor))
        {
            sample.Parameters.AddWithValue("db", database);
            await using var reader = await sample.ExecuteReaderAsync();
            long total = 0;
            while (await reader.ReadAsync())
            {
                var count = reader.GetInt64(1);
                total += count;
                if (peak.TryGetValue(reader.GetString(0), out var before) && count > before)
                {
                    peak[reader.GetString(0)] = count;
                }
            }

            peakTotal = Math.Max(peakTotal, total);
        }

        await using (var progress = new NpgsqlCommand("SELECT count(*) FILTER (WHERE \"Status\" IN ('completed', 'failed', 'cancelled')), count(*) FILTER (WHERE \"Status\" = 'failed') FROM \"Scans\" WHERE \"Id\" = ANY(@ids)", monitor))
        {
            progress.Parameters.AddWithValue("ids", scanIds);
            await using var reader = await progress.ExecuteReaderAsync();
            await reader.ReadAsync();
            finished = reader.GetInt64(0);
            failed = reader.GetInt64(1);
        }

        if (finished == scanIds.Length)
        {
            break;
        }

        if (clock.Elapsed > TimeSpan.FromMinutes(30))
        {
            throw new TimeoutException($"{mode}: only {finished} of {scanIds.Length} scans ended within 30 minutes.");
        }

        await Task.Delay(250);
    }

    var wall = clock.Elapsed.TotalSeconds;
    var perInstance = await PerInstanceAsync(monitor, scanIds);
    var line = string.Create(CultureInfo.InvariantCulture,
        $"{mode}   {scanIds.Length,7}  {wall,6:0.0}  {scanIds.Length / wall,7:0.0}  {failed,6}  {peakTotal} ({string.Join(", ", peak.Select(p => $"{p.Key} {p.Value}"))}); scans run: {perInstance}");
    Console.WriteLine(line);
    if (failed > 0)
    {
        await using var why = new NpgsqlCommand("SELECT \"Error\", count(*) FROM \"Scans\" WHERE \"Id\" = ANY(@ids) AND \"Status\" = 'failed' GROUP BY 1 ORDER BY 2 DESC LIMIT 3", monitor);
        why.Parameters.AddWithValue("ids", scanIds);
        await using var reader = await why.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            Console.WriteLine($"  failed x{reader.GetInt64(1)}: {reader.GetString(0)}");
        }
    }

    return line;
}

static async Task<string> PerInstanceAsync(NpgsqlConnection monitor, Guid[] scanIds)
{
    await using var command = new NpgsqlCommand("SELECT \"LeaseOwner\", count(*) FROM \"Scans\" WHERE \"Id\" = ANY(@ids) GROUP BY 1 ORDER BY 1", monitor);
    command.Parameters.AddWithValue("ids", scanIds);
    await using var reader = await command.ExecuteReaderAsync();
    var parts = new List<string>();
    while (await reader.ReadAsync())
    {
        parts.Add($"{(reader.IsDBNull(0) ? "(none)" : reader.GetString(0))} {reader.GetInt64(1)}");
    }

    return string.Join(", ", parts);
}

// A scan queued through one instance (POST → 202) and the scanQueued event as a status-hub client connected straight to
// the other instance receives it, one at a time; the same client connected to the queueing instance is the baseline
// (both hubs get it through Redis). Latency is from sending the POST, so it includes the request's own handling.
async Task<string> FanOutAsync(ConsoleProcess a, ConsoleProcess b, List<Guid> serverIds)
{
    await using var onA = await WatcherAsync(a);
    await using var onB = await WatcherAsync(b);
    using var apiA = Api(a);
    using var apiB = Api(b);
    var across = new List<double>();
    var same = new List<double>();
    var hop = new List<double>();
    var missed = 0;
    for (var i = 0; i < fanoutSamples; i++)
    {
        var (via, here, there) = i % 2 == 0 ? (apiA, onA, onB) : (apiB, onB, onA);
        var serverId = serverIds[i % serverIds.Count];
        var sent = Stopwatch.GetTimestamp();
        var response = await via.PostAsync(new Uri($"/api/v1/servers/{serverId}/scans", UriKind.Relative), null);
        if (!response.IsSuccessStatusCode)
        {
            // The server's previous benchmark scan is still queued or running; another server is taken next time.
            missed++;
            continue;
        }

        var scanId = (await response.Content.ReadFromJsonAsync<ScanAcceptedDto>())!.Id;
        var otherAt = await there.WaitAsync(scanId, TimeSpan.FromSeconds(10));
        var hereAt = await here.WaitAsync(scanId, TimeSpan.FromSeconds(10));
        if (otherAt is null || hereAt is null)
        {
            missed++;
            continue;
        }

        across.Add(Stopwatch.GetElapsedTime(sent, otherAt.Value).TotalMilliseconds);
        same.Add(Stopwatch.GetElapsedTime(sent, hereAt.Value).TotalMilliseconds);
        hop.Add(Stopwatch.GetElapsedTime(hereAt.Value, otherAt.Value).TotalMilliseconds);
        await Task.Delay(25);
    }

    var verdict = across.Count > 0 && Percentile(across, 0.99) < 200 ? "met" : "missed";
    return string.Create(CultureInfo.InvariantCulture,
        $"fan-out, POST on one instance -> scanQueued on a hub client of the other, n={across.Count} (missed {missed}): {Summary(across)}\n"
        + $"          same event on a hub client of the posting instance (baseline), n={same.Count}: {Summary(same)}\n"
        + $"          other instance's client minus posting instance's client, per event: {Summary(hop)}\n"
        + $"target p99 across instances < 200 ms: {verdict} ({Percentile(across, 0.99):0.0} ms)");
}

async Task<Watcher> WatcherAsync(ConsoleProcess instance)
{
    var connection = new HubConnectionBuilder()
        .WithUrl(new Uri(instance.BaseAddress, "/hubs/status"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(Token))
        .Build();
    var watcher = new Watcher(connection);
    await connection.StartAsync();
    await connection.InvokeAsync("SubscribeFleet");
    return watcher;
}

static HttpClient Api(ConsoleProcess instance)
{
    var client = new HttpClient { BaseAddress = instance.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    return client;
}

static string ZoneText(int count)
{
    var zone = new StringBuilder($"""
        $ORIGIN {Zone}.
        $TTL 300
        @ SOA ns.{Zone}. hostmaster.{Zone}. 1 3600 600 86400 300
        @ NS ns
        ns A 127.0.0.1

        """);
    for (var i = 0; i < count; i++)
    {
        zone.Append(CultureInfo.InvariantCulture, $"""
            d{i} MX 10 mx.d{i}
            mx.d{i} A 127.0.0.1
            d{i} TXT "v=spf1 mx -all"
            _dmarc.d{i} TXT "v=DMARC1; p=reject; rua=mailto:dmarc@d{i}.{Zone}"

            """);
    }

    return zone.ToString();
}

static string Summary(List<double> values) => values.Count == 0
    ? "no samples"
    : string.Create(CultureInfo.InvariantCulture, $"p50 {Percentile(values, 0.5):0.0}  p95 {Percentile(values, 0.95):0.0}  p99 {Percentile(values, 0.99):0.0}  max {values.Max():0.0} ms");

static double Percentile(List<double> values, double p)
{
    if (values.Count == 0)
    {
        return double.NaN;
    }

    var sorted = values.Order().ToList();
    return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

int Argument(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

/// <summary>A status-hub client that notes when each scanQueued event arrived.</summary>
internal sealed class Watcher(HubConnection connection) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<long>> _queued = Register(connection);

    public async Task<long?> WaitAsync(Guid scanId, TimeSpan timeout)
    {
        try
        {
            return await _queued.GetOrAdd(scanId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    public ValueTask DisposeAsync() => connection.DisposeAsync();

    private static ConcurrentDictionary<Guid, TaskCompletionSource<long>> Register(HubConnection connection)
    {
        var queued = new ConcurrentDictionary<Guid, TaskCompletionSource<long>>();
        connection.On<JsonElement>("scanQueued", e =>
        {
            var at = Stopwatch.GetTimestamp();
            queued.GetOrAdd(e.GetProperty("scanId").GetGuid(), _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(at);
        });
        return queued;
    }
}
