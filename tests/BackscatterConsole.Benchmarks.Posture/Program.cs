using System.Diagnostics;
using System.Globalization;
using BackscatterConsole.Benchmarks.Posture;
using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Domain.Posture;
using BackscatterConsole.Domain.Spf;
using BackscatterConsole.Shared.Checks;

// Posture and SPF throughput against knotd on loopback, for our resolver and the DnsClient adapter side by side, compared
// domain by domain with pyspf.
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

// The same options for both; DnsClientResolver maps them onto DnsClient's (see its remarks for the cache settings).
Contender[] contenders =
[
    new("ours", () => new DnsResolver(Options())),
    new("DnsClient", () => new DnsClientResolver(Options())),
];

// 0. Warm up on a slice of the domains with throw-away resolvers.
foreach (var contender in contenders)
{
    using var lease = contender.Lease();
    var warmup = cases.Take(200).ToList();
    await ForEachAsync(warmup, c => new DomainPostureChecker(lease.Resolver).CheckAsync(c.Domain, ["sel"]));
    await ForEachAsync(warmup, c => new SpfEvaluator(lease.Resolver).CheckHostAsync(c.Ip, c.Domain, c.Sender, c.Helo));
}

// 1. Posture checks (SPF audit + DMARC tree walk + DKIM selector + MX), cold cache, then again warm.
for (var round = 0; round < rounds; round++)
{
    foreach (var contender in contenders)
    {
        using var lease = contender.Lease();
        var checker = new DomainPostureChecker(lease.Resolver);
        var before = await knot.RequestsAsync();
        await SettleAsync();
        var clock = Stopwatch.StartNew();
        var reports = await ForEachAsync(cases, c => checker.CheckAsync(c.Domain, ["sel"]));
        var cold = clock.Elapsed.TotalSeconds;
        var sent = await knot.RequestsAsync() - before;
        clock.Restart();
        await ForEachAsync(cases, c => checker.CheckAsync(c.Domain, ["sel"]));
        var warm = clock.Elapsed.TotalSeconds;
        var sentWarm = await knot.RequestsAsync() - before - sent;
        contender.PostureCold.Add(cases.Count / cold);
        contender.PostureWarm.Add(cases.Count / warm);
        contender.PostureMessages.Add(sent);
        contender.PostureWarmMessages.Add(sentWarm);
        var errors = reports.SelectMany(r => r.Checks).Count(c => c.Status == CheckStatus.Error);
        contender.PostureErrors.Add(errors);
        Console.WriteLine(Invariant($"posture {contender.Name} round {round + 1}: cold {cases.Count / cold:F0} domains/s ({cold:F2} s, {sent} DNS messages, {reports.Sum(r => r.Checks.Count)} checks, {errors} error), warm cache {cases.Count / warm:F0} domains/s ({sentWarm} DNS messages)"));
    }
}

// 2. SPF: ours, DnsClient (each with a cold shared cache per round) and pyspf, interleaved so all see the same machine load.
Dictionary<string, (string Result, long Queries)>? py = null;
var pyRates = new List<double>();
var pyCpus = new List<double>();
var pyMessages = new List<double>();
var casesFile = Path.Combine(knot.Directory, "cases.tsv");
await File.WriteAllLinesAsync(casesFile, cases.Select(c => $"{c.Domain}\t{c.Ip}\t{c.Sender}\t{c.Helo}"));
for (var round = 0; round < rounds; round++)
{
    foreach (var contender in contenders)
    {
        using var lease = contender.Lease();
        var spf = new SpfEvaluator(lease.Resolver);
        var before = await knot.RequestsAsync();
        await SettleAsync();
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var knotBefore = knot.CpuTime;
        var clock = Stopwatch.StartNew();
        var results = await ForEachAsync(cases, c => spf.CheckHostAsync(c.Ip, c.Domain, c.Sender, c.Helo));
        var cold = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        var knotCpu = (knot.CpuTime - knotBefore).TotalSeconds;
        var sent = await knot.RequestsAsync() - before;
        cpuBefore = process.TotalProcessorTime;
        clock.Restart();
        await ForEachAsync(cases, c => spf.CheckHostAsync(c.Ip, c.Domain, c.Sender, c.Helo));
        var warm = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var warmCpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        var sentWarm = await knot.RequestsAsync() - before - sent;
        var map = cases.Zip(results).ToDictionary(p => p.First.Domain, p => p.Second.Result.ToRfcString());
        if (contender.Results is { } previous && cases.Any(c => previous[c.Domain] != map[c.Domain]))
        {
            Console.WriteLine($"{contender.Name}: results changed between rounds");
            return 1;
        }

        contender.Results = map;
        contender.SpfCold.Add(cases.Count / cold);
        contender.SpfWarm.Add(cases.Count / warm);
        contender.CpuCold.Add(cpu / cases.Count);
        contender.CpuWarm.Add(warmCpu / cases.Count);
        contender.KnotCpu.Add(knotCpu / cases.Count);
        contender.SpfMessages.Add(sent);
        contender.SpfWarmMessages.Add(sentWarm);
        var counted = lease.Resolver is DnsResolver ours ? Invariant($", {ours.WireQueries} counted by the resolver") : string.Empty;
        Console.WriteLine(Invariant($"{contender.Name} SPF round {round + 1}: cold {cases.Count / cold:F0} checks/s ({cold:F3} s, {sent} DNS messages at knotd{counted}, shared cache, CPU {cpu / cases.Count * 1e6:F0} µs/check, knotd {knotCpu / cases.Count * 1e6:F0} µs/check), warm cache {cases.Count / warm:F0} checks/s ({sentWarm} DNS messages, CPU {warmCpu / cases.Count * 1e6:F1} µs/check)"));
    }

    var pyBefore = await knot.RequestsAsync();
    await SettleAsync();
    var knotBeforePy = knot.CpuTime;
    var (pyMap, pyElapsed, pyCpu, pyError) = await RunPyspfAsync();
    var knotPy = (knot.CpuTime - knotBeforePy).TotalSeconds;
    var pySent = await knot.RequestsAsync() - pyBefore;
    if (pyMap is null)
    {
        Console.WriteLine($"pyspf failed: {pyError}");
        return 2;
    }

    py = pyMap;
    pyRates.Add(cases.Count / pyElapsed);
    pyCpus.Add(pyCpu / cases.Count);
    pyMessages.Add(pySent);
    Console.WriteLine(Invariant($"pyspf SPF round {round + 1}: {cases.Count / pyElapsed:F0} checks/s ({pyElapsed:F3} s, {pyMap.Values.Sum(v => v.Queries)} DNS messages, {pySent} at knotd, CPU {pyCpu / cases.Count * 1e6:F0} µs/check, knotd {knotPy / cases.Count * 1e6:F0} µs/check)"));
}

// 3. Per-domain DNS message counts with a fresh cache per domain, as pyspf has (one cache per query object), counted at knotd.
foreach (var contender in contenders)
{
    long resolverCount = 0;
    foreach (var c in cases)
    {
        using var lease = contender.Lease();
        var before = await knot.RequestsAsync();
        await new SpfEvaluator(lease.Resolver).CheckHostAsync(c.Ip, c.Domain, c.Sender, c.Helo);
        contender.PerDomainMessages[c.Domain] = await knot.RequestsAsync() - before;
        resolverCount += lease.Resolver is DnsResolver ours ? ours.WireQueries : 0;
    }

    if (contenders[0] == contender && resolverCount != contender.PerDomainMessages.Values.Sum())
    {
        Console.WriteLine(Invariant($"ours: the resolver counted {resolverCount} messages, knotd {contender.PerDomainMessages.Values.Sum()}"));
        return 3;
    }
}

// 4. Compare.
Console.WriteLine();
foreach (var contender in contenders)
{
    contender.Mismatches = cases.Where(c => !py!.TryGetValue(c.Domain, out var p) || p.Result != contender.Results![c.Domain]).ToList();
    contender.MoreQueries = cases.Where(c => py!.TryGetValue(c.Domain, out var p) && contender.PerDomainMessages[c.Domain] > p.Queries).ToList();
    var histogram = contender.Results!.Values.GroupBy(r => r).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
    Console.WriteLine($"{contender.Name} SPF results: {string.Join(", ", histogram)}");
    Console.WriteLine($"{contender.Name} SPF results identical to pyspf: {cases.Count - contender.Mismatches.Count}/{cases.Count}");
    foreach (var c in contender.Mismatches.Take(20))
    {
        Console.WriteLine($"  mismatch {c.Domain} {c.Ip}: {contender.Name} {contender.Results[c.Domain]}, pyspf {(py!.TryGetValue(c.Domain, out var p) ? p.Result : "missing")}");
    }

    var perDomain = contender.PerDomainMessages.Values;
    Console.WriteLine(Invariant($"{contender.Name} DNS messages per domain (fresh cache each): {contender.Name} {perDomain.Sum()} total, max {perDomain.Max()}; pyspf {py!.Values.Sum(v => v.Queries)} total, max {py.Values.Max(v => v.Queries)}; domains where {contender.Name} > pyspf: {contender.MoreQueries.Count}"));
    foreach (var c in contender.MoreQueries.Take(5))
    {
        Console.WriteLine($"  more queries {c.Domain}: {contender.Name} {contender.PerDomainMessages[c.Domain]}, pyspf {py[c.Domain].Queries}");
    }
}

var ourSide = contenders[0];
var pyRate = Median(pyRates);
Console.WriteLine();
Console.WriteLine(Invariant($"posture checks: {Median(ourSide.PostureCold):F0} domains/s (median, cold cache)"));
Console.WriteLine(Invariant($"SPF check_host: ours {Median(ourSide.SpfCold):F0} checks/s cold, {Median(ourSide.SpfWarm):F0} warm; pyspf {pyRate:F0} checks/s (medians)"));
Console.WriteLine(Invariant($"throughput ratio ours/pyspf, SPF, both cold: {Median(ourSide.SpfCold) / pyRate:F1}x (target >= 10x)"));
Console.WriteLine(Invariant($"throughput ratio ours/pyspf, SPF, ours warm: {Median(ourSide.SpfWarm) / pyRate:F1}x"));
Console.WriteLine(Invariant($"throughput ratio ours full posture (cold) / pyspf SPF only: {Median(ourSide.PostureCold) / pyRate:F1}x"));
Console.WriteLine(Invariant($"client CPU per SPF check: ours {Median(ourSide.CpuCold) * 1e6:F0} µs, pyspf {Median(pyCpus) * 1e6:F0} µs: {Median(pyCpus) / Median(ourSide.CpuCold):F1}x less CPU (medians; independent of other load on the machine)"));

Console.WriteLine();
Console.WriteLine("side by side (medians over rounds)                      " + string.Concat(contenders.Select(c => $"{c.Name,12}")) + "       pyspf");
Row("SPF results identical to pyspf", c => $"{cases.Count - c.Mismatches.Count}/{cases.Count}", "-");
Row("DNS messages, SPF cold pass, one shared cache", c => Invariant($"{Median(c.SpfMessages):F0}"), Invariant($"{Median(pyMessages):F0}"));
Row("DNS messages, SPF warm pass (answers not cached)", c => Invariant($"{Median(c.SpfWarmMessages):F0}"), "-");
Row("DNS messages, fresh cache per domain (total)", c => Invariant($"{c.PerDomainMessages.Values.Sum()}"), Invariant($"{py!.Values.Sum(v => v.Queries)}"));
Row("domains needing more messages than pyspf", c => Invariant($"{c.MoreQueries.Count}"), "-");
Row("SPF checks/s, cold cache", c => Invariant($"{Median(c.SpfCold):F0}"), Invariant($"{pyRate:F0}"));
Row("SPF checks/s, warm cache", c => Invariant($"{Median(c.SpfWarm):F0}"), "-");
Row("client CPU per SPF check, cold (µs)", c => Invariant($"{Median(c.CpuCold) * 1e6:F0}"), Invariant($"{Median(pyCpus) * 1e6:F0}"));
Row("client CPU per SPF check, warm (µs)", c => Invariant($"{Median(c.CpuWarm) * 1e6:F1}"), "-");
Row("knotd CPU per SPF check, cold (µs)", c => Invariant($"{Median(c.KnotCpu) * 1e6:F0}"), "-");
Row("posture domains/s, cold cache", c => Invariant($"{Median(c.PostureCold):F0}"), "-");
Row("posture domains/s, warm cache", c => Invariant($"{Median(c.PostureWarm):F0}"), "-");
Row("DNS messages, posture cold pass", c => Invariant($"{Median(c.PostureMessages):F0}"), "-");
Row("DNS messages, posture warm pass", c => Invariant($"{Median(c.PostureWarmMessages):F0}"), "-");
Row("posture checks with status error", c => Invariant($"{c.PostureErrors.Max()}"), "-");
return ourSide.Mismatches.Count == 0 && ourSide.MoreQueries.Count == 0 ? 0 : 1;

void Row(string label, Func<Contender, string> value, string pyspf) =>
    Console.WriteLine($"{label,-56}" + string.Concat(contenders.Select(c => $"{value(c),12}")) + $"{pyspf,12}");

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

/// <summary>One resolver implementation under comparison and what the passes measured for it.</summary>
internal sealed class Contender(string name, Func<IDnsResolver> create)
{
    public string Name { get; } = name;

    public List<double> PostureCold { get; } = [];

    public List<double> PostureWarm { get; } = [];

    public List<double> PostureMessages { get; } = [];

    public List<double> PostureWarmMessages { get; } = [];

    public List<int> PostureErrors { get; } = [];

    public List<double> SpfCold { get; } = [];

    public List<double> SpfWarm { get; } = [];

    public List<double> CpuCold { get; } = [];

    public List<double> CpuWarm { get; } = [];

    public List<double> KnotCpu { get; } = [];

    public List<double> SpfMessages { get; } = [];

    public List<double> SpfWarmMessages { get; } = [];

    public Dictionary<string, string>? Results { get; set; }

    public Dictionary<string, long> PerDomainMessages { get; } = [];

    public List<BenchCase> Mismatches { get; set; } = [];

    public List<BenchCase> MoreQueries { get; set; } = [];

    /// <summary>A fresh resolver (empty cache), disposed with the lease.</summary>
    public ResolverLease Lease() => new(create());
}

/// <summary>A resolver for one pass.</summary>
internal sealed class ResolverLease(IDnsResolver resolver) : IDisposable
{
    public IDnsResolver Resolver { get; } = resolver;

    public void Dispose() => (Resolver as IDisposable)?.Dispose();
}
