using System.Diagnostics;
using System.Globalization;
using BackscatterConsole.Benchmarks.Posture;
using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Domain.Posture;
using BackscatterConsole.Domain.Spf;
using BackscatterConsole.Shared.Checks;

// Posture and SPF throughput against knotd on loopback, compared domain by domain with pyspf.
// Usage: dotnet run -c Release --project tests/BackscatterConsole.Benchmarks.Posture [-- DOMAINS [CONCURRENCY [ROUNDS]]]
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 32;
var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
var python = Environment.GetEnvironmentVariable("PYSPF_PYTHON") ?? "/usr/bin/python3";

var (zoneText, cases) = BenchZone.Generate(count);
Console.WriteLine($"Generated {cases.Count} domains ({zoneText.Split('\n').Length} zone lines); starting knotd...");
await using var knot = await KnotServer.StartAsync(BenchZone.Zone, zoneText);
var server = $"127.0.0.1:{knot.Port}";
Console.WriteLine($"knotd serves bench. on {server}; {concurrency} checks in flight; {rounds} rounds; {Environment.ProcessorCount} CPUs");
DnsResolverOptions Options() => new() { Servers = [server], Timeout = TimeSpan.FromSeconds(2), Attempts = 3, MaxConcurrentQueries = 256 };

// 0. Warm up on a slice of the domains with a throw-away resolver.
using (var resolver = new DnsResolver(Options()))
{
    var warmup = cases.Take(200).ToList();
    await ForEachAsync(warmup, c => new DomainPostureChecker(resolver).CheckAsync(c.Domain, ["sel"]));
    await ForEachAsync(warmup, c => new SpfEvaluator(resolver).CheckHostAsync(c.Ip, c.Domain, c.Sender, c.Helo));
}

// 1. Posture checks (SPF audit + DMARC tree walk + DKIM selector + MX), cold cache, then again warm.
var postureRates = new List<double>();
for (var round = 0; round < rounds; round++)
{
    await SettleAsync();
    using var resolver = new DnsResolver(Options());
    var checker = new DomainPostureChecker(resolver);
    var clock = Stopwatch.StartNew();
    var reports = await ForEachAsync(cases, c => checker.CheckAsync(c.Domain, ["sel"]));
    var cold = clock.Elapsed.TotalSeconds;
    var sent = resolver.WireQueries;
    clock.Restart();
    await ForEachAsync(cases, c => checker.CheckAsync(c.Domain, ["sel"]));
    var warm = clock.Elapsed.TotalSeconds;
    postureRates.Add(cases.Count / cold);
    var errors = reports.SelectMany(r => r.Checks).Count(c => c.Status == CheckStatus.Error);
    Console.WriteLine(Invariant($"posture round {round + 1}: cold {cases.Count / cold:F0} domains/s ({cold:F2} s, {sent} DNS messages, {reports.Sum(r => r.Checks.Count)} checks, {errors} error), warm cache {cases.Count / warm:F0} domains/s"));
}

// 2. SPF: ours (cold shared cache per round) and pyspf, interleaved so both see the same machine load.
Dictionary<string, SpfEvaluation>? ours = null;
Dictionary<string, (string Result, long Queries)>? py = null;
var oursRates = new List<double>();
var warmRates = new List<double>();
var pyRates = new List<double>();
var oursCpu = new List<double>();
var pyCpus = new List<double>();
var casesFile = Path.Combine(knot.Directory, "cases.tsv");
await File.WriteAllLinesAsync(casesFile, cases.Select(c => $"{c.Domain}\t{c.Ip}\t{c.Sender}\t{c.Helo}"));
for (var round = 0; round < rounds; round++)
{
    using (var resolver = new DnsResolver(Options()))
    {
        var spf = new SpfEvaluator(resolver);

        await SettleAsync();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var knotBefore = knot.CpuTime;
        var clock = Stopwatch.StartNew();
        var results = await ForEachAsync(cases, c => spf.CheckHostAsync(c.Ip, c.Domain, c.Sender, c.Helo));
        var cold = clock.Elapsed.TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        var knotCpu = (knot.CpuTime - knotBefore).TotalSeconds;
        var sent = resolver.WireQueries;
        clock.Restart();
        await ForEachAsync(cases, c => spf.CheckHostAsync(c.Ip, c.Domain, c.Sender, c.Helo));
        var warm = clock.Elapsed.TotalSeconds;
        var map = cases.Zip(results).ToDictionary(p => p.First.Domain, p => p.Second);
        if (ours is not null && cases.Any(c => ours[c.Domain].Result != map[c.Domain].Result))
        {
            Console.WriteLine("ours: results changed between rounds");
            return 1;
        }

        ours = map;
        oursRates.Add(cases.Count / cold);
        warmRates.Add(cases.Count / warm);
        oursCpu.Add(cpu / cases.Count);
        Console.WriteLine(Invariant($"ours SPF round {round + 1}: cold {cases.Count / cold:F0} checks/s ({cold:F3} s, {sent} DNS messages, shared cache, CPU {cpu / cases.Count * 1e6:F0} µs/check, knotd {knotCpu / cases.Count * 1e6:F0} µs/check), warm cache {cases.Count / warm:F0} checks/s"));
    }

    await SettleAsync();
    var knotBeforePy = knot.CpuTime;
    var (pyMap, pyElapsed, pyCpu, pyError) = await RunPyspfAsync();
    var knotPy = (knot.CpuTime - knotBeforePy).TotalSeconds;
    if (pyMap is null)
    {
        Console.WriteLine($"pyspf failed: {pyError}");
        return 2;
    }

    py = pyMap;
    pyRates.Add(cases.Count / pyElapsed);
    pyCpus.Add(pyCpu / cases.Count);
    Console.WriteLine(Invariant($"pyspf SPF round {round + 1}: {cases.Count / pyElapsed:F0} checks/s ({pyElapsed:F3} s, {pyMap.Values.Sum(v => v.Queries)} DNS messages, CPU {pyCpu / cases.Count * 1e6:F0} µs/check, knotd {knotPy / cases.Count * 1e6:F0} µs/check)"));
}

// 3. Per-domain DNS message counts with a fresh cache per domain, as pyspf has (one cache per query object).
var oursQueries = new Dictionary<string, long>();
foreach (var c in cases)
{
    using var resolver = new DnsResolver(Options());
    await new SpfEvaluator(resolver).CheckHostAsync(c.Ip, c.Domain, c.Sender, c.Helo);
    oursQueries[c.Domain] = resolver.WireQueries;
}

// 4. Compare.
var mismatches = cases.Where(c => !py!.TryGetValue(c.Domain, out var p) || p.Result != ours![c.Domain].Result.ToRfcString()).ToList();
var moreQueries = cases.Where(c => py!.TryGetValue(c.Domain, out var p) && oursQueries[c.Domain] > p.Queries).ToList();
var histogram = ours!.Values.GroupBy(e => e.Result.ToRfcString()).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
Console.WriteLine();
Console.WriteLine($"SPF results: {string.Join(", ", histogram)}");
Console.WriteLine($"SPF results identical to pyspf: {cases.Count - mismatches.Count}/{cases.Count}");
foreach (var c in mismatches.Take(20))
{
    Console.WriteLine($"  mismatch {c.Domain} {c.Ip}: ours {ours[c.Domain].Result.ToRfcString()}, pyspf {(py!.TryGetValue(c.Domain, out var p) ? p.Result : "missing")}");
}

Console.WriteLine(Invariant($"DNS messages per domain (fresh cache each): ours {oursQueries.Values.Sum()} total, max {oursQueries.Values.Max()}; pyspf {py!.Values.Sum(v => v.Queries)} total, max {py.Values.Max(v => v.Queries)}; domains where ours > pyspf: {moreQueries.Count}"));
foreach (var c in moreQueries.Take(20))
{
    Console.WriteLine($"  more queries {c.Domain}: ours {oursQueries[c.Domain]}, pyspf {py[c.Domain].Queries}");
}

var posture = Median(postureRates);
var oursCold = Median(oursRates);
var oursWarm = Median(warmRates);
var pyRate = Median(pyRates);
Console.WriteLine(Invariant($"posture checks: {posture:F0} domains/s (median, cold cache)"));
Console.WriteLine(Invariant($"SPF check_host: ours {oursCold:F0} checks/s cold, {oursWarm:F0} warm; pyspf {pyRate:F0} checks/s (medians)"));
Console.WriteLine(Invariant($"throughput ratio ours/pyspf, SPF, both cold: {oursCold / pyRate:F1}x (target >= 10x)"));
Console.WriteLine(Invariant($"throughput ratio ours/pyspf, SPF, ours warm: {oursWarm / pyRate:F1}x"));
Console.WriteLine(Invariant($"throughput ratio ours full posture (cold) / pyspf SPF only: {posture / pyRate:F1}x"));
Console.WriteLine(Invariant($"client CPU per SPF check: ours {Median(oursCpu) * 1e6:F0} µs, pyspf {Median(pyCpus) * 1e6:F0} µs: {Median(pyCpus) / Median(oursCpu):F1}x less CPU (medians; independent of other load on the machine)"));
return mismatches.Count == 0 && moreQueries.Count == 0 ? 0 : 1;

async Task<List<T>> ForEachAsync<TCase, T>(IReadOnlyList<TCase> items, Func<TCase, Task<T>> run)
{
    var results = new T[items.Count];
    var next = -1;
    async Task Worker()
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < items.Count)
        {
            results[i] = await run(items[i]);
        }
    }

    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Worker()));
    return [.. results];
}

async Task<(Dictionary<string, (string Result, long Queries)>? Results, double Elapsed, double Cpu, string? Error)> RunPyspfAsync()
{
    var script = Path.Combine(AppContext.BaseDirectory, "pyspf_bench.py");
    var start = new ProcessStartInfo(python, [script, casesFile, "127.0.0.1", knot.Port.ToString(CultureInfo.InvariantCulture)]) { RedirectStandardOutput = true, RedirectStandardError = true };
    using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {python}.");
    var stdoutTask = process.StandardOutput.ReadToEndAsync();
    var stderrTask = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    var stdout = await stdoutTask;
    if (process.ExitCode != 0)
    {
        return (null, 0, 0, $"exit {process.ExitCode}: {await stderrTask}");
    }

    var results = new Dictionary<string, (string Result, long Queries)>();
    double elapsed = 0;
    double cpu = 0;
    foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
    {
        var f = line.Split('\t');
        if (f[0] == "#elapsed")
        {
            elapsed = double.Parse(f[1], CultureInfo.InvariantCulture);
        }
        else if (f[0] == "#cpu")
        {
            cpu = double.Parse(f[1], CultureInfo.InvariantCulture);
        }
        else
        {
            results[f[0]] = (f[1], long.Parse(f[2], CultureInfo.InvariantCulture));
        }
    }

    return (results, elapsed, cpu, null);
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

// Every timed pass starts from the same state, as BenchmarkDotNet arranges: no garbage of an earlier pass left to be
// collected in the middle of this one (our cold pass lasts ~0.06 s, so one such collection showed up as 55-60 µs of
// CPU per check instead of 35-40), and the previous pass's processes and threads gone from the CPUs.
static async Task SettleAsync()
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    await Task.Delay(200);
}
