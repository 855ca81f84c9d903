using System.Diagnostics;
using System.Globalization;
using BackscatterConsole.Benchmarks.Posture;
using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Domain.Posture;
using BackscatterConsole.Domain.Spf;

// Posture and SPF throughput against knotd on loopback, compared domain by domain with pyspf.
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 128;
var python = Environment.GetEnvironmentVariable("PYSPF_PYTHON") ?? "/usr/bin/python3";

var (zoneText, cases) = BenchZone.Generate(count);
Console.WriteLine($"Generated {cases.Count} domains ({zoneText.Split('\n').Length} zone lines); starting knotd...");
await using var knot = await KnotServer.StartAsync(BenchZone.Zone, zoneText);
var server = $"127.0.0.1:{knot.Port}";
Console.WriteLine($"knotd serves bench. on {server}");
DnsResolverOptions Options() => new() { Servers = [server], Timeout = TimeSpan.FromSeconds(2), Attempts = 3, MaxConcurrentQueries = 256 };

double postureRate;

// 0. Warm up the JIT on a slice of the domains with a throw-away resolver, so the timed passes measure steady-state code.
using (var resolver = new DnsResolver(Options()))
{
    var warmup = cases.Take(200).ToList();
    await ForEachAsync(warmup, c => new DomainPostureChecker(resolver).CheckAsync(c.Domain, ["sel"]));
    await ForEachAsync(warmup, c => new SpfEvaluator(resolver).CheckHostAsync(c.Ip, c.Domain, c.Sender, c.Helo));
}

// 1. Posture checks (SPF audit + DMARC tree walk + DKIM selector + MX), cold cache.
using (var resolver = new DnsResolver(Options()))
{
    var checker = new DomainPostureChecker(resolver);
    var clock = Stopwatch.StartNew();
    var reports = await ForEachAsync(cases, c => checker.CheckAsync(c.Domain, ["sel"]));
    clock.Stop();
    var errors = reports.SelectMany(r => r.Checks).Count(c => c.Status == BackscatterConsole.Shared.Checks.CheckStatus.Error);
    postureRate = cases.Count / clock.Elapsed.TotalSeconds;
    var coldSeconds = clock.Elapsed.TotalSeconds;
    var sentCold = resolver.WireQueries;
    clock.Restart();
    await ForEachAsync(cases, c => checker.CheckAsync(c.Domain, ["sel"]));
    clock.Stop();
    Console.WriteLine(Invariant($"posture: {cases.Count} domains in {coldSeconds:F2} s = {postureRate:F0} domains/s ({reports.Sum(r => r.Checks.Count)} checks, {errors} error checks, {sentCold} DNS messages, cold cache)"));
    Console.WriteLine(Invariant($"posture, warm cache: {cases.Count} domains in {clock.Elapsed.TotalSeconds:F3} s = {cases.Count / clock.Elapsed.TotalSeconds:F0} domains/s ({resolver.WireQueries - sentCold} DNS messages)"));
}

// 2. SPF check_host for every case with one shared cache (as a long-running server would), cold at the start.
Dictionary<string, SpfEvaluation> ours;
double oursRate;
double warmRate;
using (var resolver = new DnsResolver(Options()))
{
    var spf = new SpfEvaluator(resolver);
    var clock = Stopwatch.StartNew();
    var results = await ForEachAsync(cases, c => spf.CheckHostAsync(c.Ip, c.Domain, c.Sender, c.Helo));
    clock.Stop();
    ours = cases.Zip(results).ToDictionary(p => p.First.Domain, p => p.Second);
    oursRate = cases.Count / clock.Elapsed.TotalSeconds;
    Console.WriteLine(Invariant($"ours SPF: {cases.Count} checks in {clock.Elapsed.TotalSeconds:F2} s = {oursRate:F0} checks/s ({resolver.WireQueries} DNS messages, shared cache, cold at start)"));

    // The same checks again within the TTLs: what a long-running host re-checking its domains sees.
    var sent = resolver.WireQueries;
    clock.Restart();
    await ForEachAsync(cases, c => spf.CheckHostAsync(c.Ip, c.Domain, c.Sender, c.Helo));
    clock.Stop();
    warmRate = cases.Count / clock.Elapsed.TotalSeconds;
    Console.WriteLine(Invariant($"ours SPF, warm cache: {cases.Count} checks in {clock.Elapsed.TotalSeconds:F3} s = {warmRate:F0} checks/s ({resolver.WireQueries - sent} DNS messages)"));
}

// 3. Per-domain DNS message counts with a fresh cache per domain, as pyspf has (one cache per query object).
var oursQueries = new Dictionary<string, long>();
foreach (var c in cases)
{
    using var resolver = new DnsResolver(Options());
    var evaluation = await new SpfEvaluator(resolver).CheckHostAsync(c.Ip, c.Domain, c.Sender, c.Helo);
    oursQueries[c.Domain] = resolver.WireQueries;
    if (evaluation.Result != ours[c.Domain].Result)
    {
        Console.WriteLine($"  unstable: {c.Domain} gave {evaluation.Result} then {ours[c.Domain].Result}");
    }
}

// 4. pyspf over the same cases.
var casesFile = Path.Combine(knot.Directory, "cases.tsv");
await File.WriteAllLinesAsync(casesFile, cases.Select(c => $"{c.Domain}\t{c.Ip}\t{c.Sender}\t{c.Helo}"));
var script = Path.Combine(AppContext.BaseDirectory, "pyspf_bench.py");
var start = new ProcessStartInfo(python, [script, casesFile, "127.0.0.1", knot.Port.ToString(CultureInfo.InvariantCulture)]) { RedirectStandardOutput = true, RedirectStandardError = true };
using var py = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {python}.");
var stdoutTask = py.StandardOutput.ReadToEndAsync();
var stderrTask = py.StandardError.ReadToEndAsync();
await py.WaitForExitAsync();
var stdout = await stdoutTask;
if (py.ExitCode != 0)
{
    Console.WriteLine($"pyspf failed ({py.ExitCode}): {await stderrTask}");
    return 2;
}

var pyResults = new Dictionary<string, (string Result, long Queries)>();
double pyElapsed = 0;
foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
{
    var f = line.Split('\t');
    if (f[0] == "#elapsed")
    {
        pyElapsed = double.Parse(f[1], CultureInfo.InvariantCulture);
    }
    else
    {
        pyResults[f[0]] = (f[1], long.Parse(f[2], CultureInfo.InvariantCulture));
    }
}

var pyRate = cases.Count / pyElapsed;
Console.WriteLine(Invariant($"pyspf SPF: {cases.Count} checks in {pyElapsed:F2} s = {pyRate:F0} checks/s ({pyResults.Values.Sum(v => v.Queries)} DNS messages)"));

// 5. Compare.
var mismatches = cases.Where(c => !pyResults.TryGetValue(c.Domain, out var p) || p.Result != ours[c.Domain].Result.ToRfcString()).ToList();
var moreQueries = cases.Where(c => pyResults.TryGetValue(c.Domain, out var p) && oursQueries[c.Domain] > p.Queries).ToList();
var histogram = ours.Values.GroupBy(e => e.Result.ToRfcString()).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
Console.WriteLine($"results: {string.Join(", ", histogram)}");
Console.WriteLine($"SPF results identical: {cases.Count - mismatches.Count}/{cases.Count}");
foreach (var c in mismatches.Take(20))
{
    Console.WriteLine($"  mismatch {c.Domain} {c.Ip}: ours {ours[c.Domain].Result.ToRfcString()}, pyspf {(pyResults.TryGetValue(c.Domain, out var p) ? p.Result : "missing")}");
}

Console.WriteLine(Invariant($"DNS messages per domain (fresh cache each): ours {oursQueries.Values.Sum()} total, max {oursQueries.Values.Max()}; pyspf {pyResults.Values.Sum(v => v.Queries)} total, max {pyResults.Values.Max(v => v.Queries)}; domains where ours > pyspf: {moreQueries.Count}"));
foreach (var c in moreQueries.Take(20))
{
    Console.WriteLine($"  more queries {c.Domain}: ours {oursQueries[c.Domain]}, pyspf {pyResults[c.Domain].Queries}");
}

var ratio = oursRate / pyRate;
Console.WriteLine(Invariant($"throughput ratio (ours SPF / pyspf SPF, both starting cold): {ratio:F1}x (target >= 10x)"));
Console.WriteLine(Invariant($"throughput ratio (ours SPF warm cache / pyspf SPF): {warmRate / pyRate:F1}x"));
Console.WriteLine(Invariant($"throughput ratio (ours full posture / pyspf SPF only): {postureRate / pyRate:F1}x"));
return mismatches.Count == 0 && moreQueries.Count == 0 && ratio >= 10 ? 0 : 1;

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

static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
