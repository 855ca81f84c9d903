using System.Diagnostics;
using System.Globalization;
using BackscatterConsole.Benchmarks.Smtp;
using BackscatterConsole.Domain.Smtp;

// Probes 500 in-process loopback SMTP listeners (most fast, some slow, some silent) with a bounded concurrency and shows
// that slow and silent servers only cost their own slot: fast endpoints finish as quickly as in a fast-only run.
var endpoints = ReadInt(args, "--endpoints", 500);
var slowCount = ReadInt(args, "--slow", 40);
var silentCount = ReadInt(args, "--silent", 20);
var concurrency = ReadInt(args, "--concurrency", 64);
var slowDelay = TimeSpan.FromMilliseconds(ReadInt(args, "--slow-delay-ms", 250));
var greetingTimeout = TimeSpan.FromMilliseconds(ReadInt(args, "--greeting-timeout-ms", 3000));

// Slow and silent endpoints are spread evenly through the list so they are in flight alongside fast ones all run long.
var specials = slowCount + silentCount;
var behaviours = Enumerable.Repeat(EndpointBehaviour.Fast, endpoints).ToArray();
var stride = Math.Max(1, endpoints / Math.Max(1, specials));
for (var k = 0; k < specials && k * stride < endpoints; k++)
{
    var silent = (k + 1) * silentCount / specials > k * silentCount / specials;
    behaviours[k * stride] = silent ? EndpointBehaviour.Silent : EndpointBehaviour.Slow;
}

var servers = behaviours.Select(b => new LoopbackMta(b, slowDelay)).ToArray();
try
{
    var probe = new SmtpProbe();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{servers.Length} loopback SMTP listeners: {behaviours.Count(b => b == EndpointBehaviour.Fast)} fast, {behaviours.Count(b => b == EndpointBehaviour.Slow)} slow ({slowDelay.TotalMilliseconds:0} ms before every reply), {behaviours.Count(b => b == EndpointBehaviour.Silent)} silent; concurrency {concurrency}, greeting timeout {greetingTimeout.TotalMilliseconds:0} ms; {Environment.ProcessorCount} cores"));

    // Warm-up so JIT and the first socket setup do not count.
    await RunAsync(probe, servers.Where(s => s.Behaviour == EndpointBehaviour.Fast).Take(20).ToArray(), concurrency, greetingTimeout);

    var fastOnly = servers.Where(s => s.Behaviour == EndpointBehaviour.Fast).ToArray();
    var baseline = await RunAsync(probe, fastOnly, concurrency, greetingTimeout);
    Report("baseline, fast endpoints only", baseline);

    var mixed = await RunAsync(probe, servers, concurrency, greetingTimeout);
    Report("mixed run, all endpoints", mixed);
}
finally
{
    foreach (var server in servers)
    {
        await server.DisposeAsync();
    }
}

static async Task<Run> RunAsync(SmtpProbe probe, LoopbackMta[] targets, int concurrency, TimeSpan greetingTimeout)
{
    var options = targets.Select(t => new SmtpProbeOptions
    {
        Host = "127.0.0.1",
        Port = t.Port,
        HeloName = "probe.bench.test",
        SinkAddress = "probe@sink.bench.test",
        HostedDomains = ["example.org"],
        ConnectTimeout = TimeSpan.FromSeconds(5),
        GreetingTimeout = greetingTimeout,
        CommandTimeout = TimeSpan.FromSeconds(5),
    }).ToArray();
    var wall = Stopwatch.StartNew();
    var results = await SmtpProbeBatch.ProbeAllAsync(probe, options, concurrency);
    var elapsed = wall.Elapsed;
    var origin = results.Min(r => r.StartedAt);
    var samples = results
        .Select((r, i) => new Sample(targets[i].Behaviour, r.FinishedAt - r.StartedAt, r.FinishedAt - origin, r.Failure?.Kind))
        .ToArray();
    return new Run(samples, elapsed);
}

static void Report(string title, Run run)
{
    Console.WriteLine();
    Console.WriteLine(title);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  {run.Samples.Length} endpoints in {run.Wall.TotalSeconds:0.000} s = {run.Samples.Length / run.Wall.TotalSeconds:0.0} endpoints/s"));
    foreach (var group in run.Samples.GroupBy(s => s.Behaviour).OrderBy(g => g.Key))
    {
        var durations = group.Select(s => s.Duration.TotalMilliseconds).Order().ToArray();
        var outcomes = string.Join(", ", group.GroupBy(s => s.Failure?.ToString() ?? "completed").Select(g => $"{g.Key} {g.Count()}"));
        var lastDone = group.Max(s => s.CompletedAt).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {group.Key,-6} n={durations.Length,3}  probe time p50 {Percentile(durations, 50),7:0.0} ms  p95 {Percentile(durations, 95),7:0.0} ms  max {durations[^1],7:0.0} ms  last done at {lastDone:0.000} s  ({outcomes})"));
    }
}

static double Percentile(double[] sorted, int p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];

static int ReadInt(string[] args, string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

internal sealed record Sample(EndpointBehaviour Behaviour, TimeSpan Duration, TimeSpan CompletedAt, SmtpProbeFailureKind? Failure);

internal sealed record Run(Sample[] Samples, TimeSpan Wall);
