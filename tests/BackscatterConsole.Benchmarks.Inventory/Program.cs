using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using BackscatterConsole.Server.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Benchmarks.Inventory;

/// <summary>
/// Inventory benchmark: 10,000 servers in SQLite. The real server on Kestrel over loopback, one client measuring the
/// latency of the API page of 50 (target p95 &lt; 20 ms); then the console as its own process and the portal's grid in
/// Debian Chromium: action to rendered rows (target p95 &lt; 50 ms) and memory per idle circuit (target &lt; 250 KB).
/// </summary>
internal static class InventoryBenchmark
{
    private const int ServerCount = 10_000;
    private const int PageSize = 50;
    private const int Warmup = 200;
    private const int Samples = 2_000;
    private const string Password = "Bench-Pass-2026!";
    private const string Token = "bsc_benchmark_token";

    public static async Task<int> Main()
    {
        // WebApplicationFactory finds the content root of a test project through MSBuild metadata that a plain
        // console program does not get; the documented environment variable points it at the server project.
        var repository = new DirectoryInfo(AppContext.BaseDirectory);
        while (repository is not null && !File.Exists(Path.Combine(repository.FullName, "BackscatterConsole.sln")))
        {
            repository = repository.Parent;
        }

        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_BACKSCATTERCONSOLE_SERVER", Path.Combine(repository!.FullName, "src", "Server"));
        var dataDirectory = Path.Combine(Path.GetTempPath(), "bsc-bench-" + Guid.NewGuid().ToString("N"));
        var factory = new BenchFactory(dataDirectory, Password, Token);
        factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var baseAddress = new Uri(factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        var seedClock = Stopwatch.StartNew();
        await SeedAsync(factory.Services, ServerCount);
        Console.WriteLine($"Seeded {ServerCount:N0} servers (2 domains, 2 tags each) in {seedClock.Elapsed.TotalSeconds:F1} s");

        using var api = new HttpClient { BaseAddress = baseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        var pages = ServerCount / PageSize;
        var random = new Random(42);
        var results = new List<(string Name, double[] Millis, double Target)>
        {
            ("API GET /api/v1/servers?page=N&pageSize=50", await MeasureAsync(api, () => $"/api/v1/servers?page={random.Next(1, pages + 1)}&pageSize={PageSize}"), 20),
            ("API same, filtered by tag", await MeasureAsync(api, () => $"/api/v1/servers?tag=team-{random.Next(0, 20)}&page={random.Next(1, 10)}&pageSize={PageSize}"), 20),
            ("API same, text search q=", await MeasureAsync(api, () => $"/api/v1/servers?q=mx-{random.Next(0, 100)}&pageSize={PageSize}"), 20),
            ("API same, sort=-risk,name&status=fail", await MeasureAsync(api, () => $"/api/v1/servers?sort=-risk,name&status=fail&page={random.Next(1, 20)}&pageSize={PageSize}"), 20),
        };

        Console.WriteLine();
        Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}, {Samples:N0} sequential requests each after {Warmup} warm-up");
        Console.WriteLine($"{"Scenario",-55} {"p50",8} {"p95",8} {"p99",8} {"max",8} {"req/s",8}  target p95");
        var allMet = true;
        foreach (var (name, millis, target) in results)
        {
            Array.Sort(millis);
            var p95 = Percentile(millis, 0.95);
            var met = p95 < target;
            allMet &= met;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-55} {Percentile(millis, 0.50),8:F2} {p95,8:F2} {Percentile(millis, 0.99),8:F2} {millis[^1],8:F2} {1000 / millis.Average(),8:F0}  < {target} ms {(met ? "met" : "MISSED")}"));
        }

        // The portal: the grid in a real browser against the console as a process of its own (for its memory).
        factory.KeepData = true;
        await factory.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            allMet &= await PortalBenchmark.RunAsync(repository.FullName, dataDirectory, Password);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }

        return allMet ? 0 : 1;
    }

    private static async Task<double[]> MeasureAsync(HttpClient client, Func<string> url)
    {
        for (var i = 0; i < Warmup; i++)
        {
            (await client.GetAsync(url())).EnsureSuccessStatusCode();
        }

        var millis = new double[Samples];
        for (var i = 0; i < Samples; i++)
        {
            var target = url();
            var start = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync(target);
            await response.Content.ReadAsByteArrayAsync();
            millis[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"{target}: {response.StatusCode}");
            }
        }

        return millis;
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static async Task SeedAsync(IServiceProvider services, int count)
    {
        string[] platforms = ["postfix", "carbonio", "zimbra", "mailenable", "exchange", "other"];
        var now = DateTime.UtcNow;
        for (var batch = 0; batch < count; batch += 1000)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            for (var i = batch; i < Math.Min(count, batch + 1000); i++)
            {
                var name = $"mx-{i:D5}";
                db.Servers.Add(new ManagedServer
                {
                    Id = Guid.CreateVersion7(),
                    Name = name,
                    NormalizedName = name.ToUpperInvariant(),
                    Hostname = $"{name}.example.net",
                    Platform = platforms[i % platforms.Length],
                    SmtpHost = $"{name}.example.net",
                    SmtpPort = 25,
                    CreatedAt = now,
                    UpdatedAt = now.AddSeconds(-i),
                    Revision = 1,
                    RiskScore = i % 7 == 0 ? null : (i * 37) % 101,
                    WorstStatus = i % 7 == 0 ? null : ((i * 37) % 101) switch { 0 => "pass", < 20 => "warn", _ => "fail" },
                    LastScannedAt = i % 7 == 0 ? null : now.AddMinutes(-i),
                    Domains = [new ServerDomain { Name = $"d{i}.example.com", Position = 0, DkimSelectors = ["s1"] }, new ServerDomain { Name = $"d{i}.example.org", Position = 1 }],
                    Tags = [new ServerTag { Value = $"team-{i % 20}" }, new ServerTag { Value = i % 2 == 0 ? "prod" : "staging" }],
                });
            }

            await db.SaveChangesAsync();
        }
    }
}

internal sealed class BenchFactory(string dataDirectory, string password, string token) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Storage:DataDirectory", dataDirectory);
        builder.UseSetting("Bootstrap:AdminPassword", password);
        builder.UseSetting("Bootstrap:ApiToken", token);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
    }

    /// <summary>Keeps the seeded database when the factory is disposed, for the portal part of the run.</summary>
    public bool KeepData { get; set; }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (!KeepData && Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
