using System.Security.Claims;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Live;
using BackscatterConsole.Shared.Servers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Client.Tests.Support;

/// <summary>
/// The real console (its services, a temporary SQLite database, migrations) that the components under test call, as
/// they do in production: no fakes of the application services. One per test class.
/// </summary>
public class ConsoleHost : WebApplicationFactory<Program>
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "bsc-client-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>The console's scope factory: each portal operation gets a scope from it.</summary>
    public IServiceScopeFactory Scopes => Services.GetRequiredService<IServiceScopeFactory>();

    /// <summary>Creates a user with these roles in the database and returns them as a signed-in principal.</summary>
    public async Task<ClaimsPrincipal> CreateUserAsync(params string[] roles)
    {
        await using var scope = Scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = new AppUser { UserName = "u" + Guid.NewGuid().ToString("N")[..10], CreatedAt = DateTime.UtcNow };
        Check(await users.CreateAsync(user, "Pass-" + Guid.NewGuid().ToString("N")[..10] + "!"));
        if (roles.Length > 0)
        {
            Check(await users.AddToRolesAsync(user, roles));
        }

        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, user.Id.ToString()), new(ClaimTypes.Name, user.UserName) };
        claims.AddRange(roles.Select(r => new Claim(ClaimTypes.Role, r)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, "Test", ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>Runs <paramref name="action"/> on a service of the console in a scope of its own (test set-up).</summary>
    public async Task<T> WithAsync<TService, T>(Func<TService, Task<T>> action)
        where TService : notnull
    {
        await using var scope = Scopes.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<TService>());
    }

    /// <summary>Adds a server through the inventory service and returns it.</summary>
    public Task<ServerDto> AddServerAsync(string name, string platform = MailPlatforms.Postfix, params string[] tags) =>
        WithAsync<IServerInventory, ServerDto>(async inventory =>
        {
            var result = await inventory.CreateAsync(
                new ServerInput { Name = name, Hostname = $"{name}.example.com", Platform = platform, Tags = [.. tags], Domains = [new HostedDomainInput { Name = $"{name}.example" }] },
                CancellationToken.None);
            return result.Value ?? throw new InvalidOperationException(result.Describe());
        });

    /// <summary>Publishes a live event as a feature of the console would.</summary>
    public Task PublishAsync<TEvent>(TEvent e)
        where TEvent : class => Services.GetRequiredService<ILiveNotifier>().PublishAsync(e);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Storage:DataDirectory", _dataDirectory);
        builder.UseSetting("Bootstrap:AdminPassword", "Admin-Pass-2026!");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Scans:ScheduleEnabled", "false");
        builder.UseSetting("Dnsbl:Enabled", "false");
        builder.UseSetting("Probe:SinkAddress", "probe@sink.backscatter.test");
        builder.UseSetting("Probe:HeloName", "probe.backscatter.test");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>More configuration for a host that needs it, for example a DNS server for the posture pages.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> Settings => [];

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }
}
