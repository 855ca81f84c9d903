using System.Net.Http.Headers;
using System.Net.Http.Json;
using BackscatterConsole.Shared.Tokens;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BackscatterConsole.Server.Tests.Infrastructure;

/// <summary>
/// The real server on a temporary SQLite data directory, with a known admin password and bootstrap API token.
/// One per test class: start-up (migrations, Identity) is the slow part. <see cref="PostgresAppFactory"/> is the same
/// server on PostgreSQL.
/// </summary>
public class AppFactory : WebApplicationFactory<Program>
{
    public const string AdminPassword = "Admin-Pass-2026!";
    public const string AdminToken = "bsc_test_bootstrap_token_for_integration_tests";

    /// <summary>Where the database lives; a test may set it (before first use) to a directory it prepared, such as a small tmpfs.</summary>
    public string DataDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "bsc-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>A loopback UDP port that was free a moment ago: queries to it get no answer.</summary>
    public static readonly Lazy<string> UnservedDnsEndpoint = new(() =>
    {
        using var socket = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return "127.0.0.1:" + ((System.Net.IPEndPoint)socket.Client.LocalEndPoint!).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    });

    /// <summary>Extra configuration applied after the defaults (for example the scheduler switch).</summary>
    public Dictionary<string, string?> Settings { get; init; } = [];

    /// <summary>False keeps the data directory after disposal, so a second factory can start on it (a restart).</summary>
    public bool DeleteDataOnDispose { get; init; } = true;

    /// <summary>The console's clock, when a test moves time (for example to the hour after a fix); the system clock otherwise.</summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>The storage provider the server runs on (<c>Storage:Provider</c>).</summary>
    public virtual string Provider => "sqlite";

    /// <summary>The statement that drops a trigger, for tests that play an attacker with direct database access.</summary>
    public virtual string DropTriggerSql(string table, string trigger) => $"DROP TRIGGER \"{trigger}\"";

    public HttpClient CreateApiClient(string? token = AdminToken)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>Creates a user with the given roles through the API and returns an API client acting as them.</summary>
    public async Task<TestUser> CreateUserAsync(params string[] roles)
    {
        using var admin = CreateApiClient();
        var userName = "u" + Guid.NewGuid().ToString("N")[..10];
        var password = "Pass-" + Guid.NewGuid().ToString("N")[..10] + "!";
        var created = await admin.PostAsJsonAsync("/api/v1/users", new { userName, email = $"{userName}@example.test", password, roles });
        created.EnsureSuccessStatusCode();
        var user = (await created.Content.ReadFromJsonAsync<UserDto>())!;
        var tokenResponse = await admin.PostAsJsonAsync("/api/v1/tokens", new { name = "test", userId = user.Id });
        tokenResponse.EnsureSuccessStatusCode();
        var token = (await tokenResponse.Content.ReadFromJsonAsync<CreatedApiTokenDto>())!;
        return new TestUser(user.Id, userName, password, token.Token, CreateApiClient(token.Token));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Storage:DataDirectory", DataDirectory);
        builder.UseSetting("Bootstrap:AdminPassword", AdminPassword);
        builder.UseSetting("Bootstrap:ApiToken", AdminToken);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:Console:FormatterName", "simple");

        // Scans: no scheduler unless a test turns it on; a probe identity under a reserved test domain; short timeouts.
        builder.UseSetting("Scans:ScheduleEnabled", "false");
        // The hosts have no resolver that may query blocklists; the DNSBL tests turn the check on with their own zone.
        builder.UseSetting("Dnsbl:Enabled", "false");
        builder.UseSetting("Probe:SinkAddress", "probe@sink.backscatter.test");
        builder.UseSetting("Probe:HeloName", "probe.backscatter.test");
        builder.UseSetting("Probe:ConnectTimeout", "00:00:05");
        builder.UseSetting("Probe:GreetingTimeout", "00:00:10");
        builder.UseSetting("Probe:CommandTimeout", "00:00:10");

        // DNS goes to a loopback port nobody serves, so the DNS family reports error quickly instead of reaching out;
        // the Knot-backed tests point Dns:Servers at a real server instead.
        builder.UseSetting("Dns:Servers:0", UnservedDnsEndpoint.Value);
        builder.UseSetting("Dns:Timeout", "00:00:00.300");
        builder.UseSetting("Dns:Attempts", "1");
        // Every in-memory client shares one address, so the per-client sign-in limit would count the whole test class.
        builder.UseSetting("SignInRateLimit:PermitLimit", "100000");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        if (Clock is { } clock)
        {
            builder.ConfigureTestServices(services =>
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton(clock);
            });
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }

        if (disposing && DeleteDataOnDispose)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A mount point or a file still held open: leave it to the OS temp cleaner.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}

public sealed record TestUser(Guid Id, string UserName, string Password, string Token, HttpClient Api) : IDisposable
{
    public void Dispose() => Api.Dispose();
}
