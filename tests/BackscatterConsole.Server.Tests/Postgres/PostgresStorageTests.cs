using System.Net;
using System.Net.Http.Json;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Servers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Server.Tests.Postgres;

/// <summary>What only PostgreSQL has: its own migration set, a database that outlives the server, faults on the server side.</summary>
public sealed class PostgresStorageTests
{
    [Fact]
    public async Task Startup_EmptyDatabase_AppliesThePostgresMigrationsAndIsReady()
    {
        using var factory = new PostgresAppFactory();
        using var client = factory.CreateApiClient(token: null);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        Assert.IsType<PostgresAppDbContext>(db);
        Assert.Equal("Npgsql.EntityFrameworkCore.PostgreSQL", db.Database.ProviderName);
        var applied = (await db.Database.GetAppliedMigrationsAsync()).ToList();
        Assert.NotEmpty(applied);
        Assert.Equal(db.Database.GetMigrations(), applied);
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.False(db.Database.HasPendingModelChanges(), "The PostgreSQL model has changes no migration covers: add one (README, Database migrations).");
    }

    [Fact]
    public async Task Restart_SameDatabase_KeepsTheDataAndDoesNotBootstrapAgain()
    {
        var database = "bsc_" + Guid.NewGuid().ToString("N");
        ServerDto created;
        using (var first = new PostgresAppFactory { DatabaseName = database, DeleteDataOnDispose = false })
        {
            using var api = first.CreateApiClient();
            created = (await (await api.PostAsJsonAsync("/api/v1/servers", new { name = "survivor", hostname = "mx.survivor.example", platform = "postfix" })).Content.ReadFromJsonAsync<ServerDto>())!;
        }

        using var second = new PostgresAppFactory { DatabaseName = database };
        using var again = second.CreateApiClient();
        var read = await again.GetFromJsonAsync<ServerDto>($"/api/v1/servers/{created.Id}");
        Assert.Equal("mx.survivor.example", read!.Hostname);
        var admins = await again.GetFromJsonAsync<List<Shared.Users.UserDto>>("/api/v1/users");
        Assert.Single(admins!, u => u.UserName == "admin");
    }

    [Fact]
    public async Task Create_DatabaseReadOnly_Returns503AndLosesNothing()
    {
        using var factory = new PostgresAppFactory();
        using var api = factory.CreateApiClient();
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("/api/v1/servers", new { name = "before-ro", hostname = "a.example.com", platform = "postfix" })).StatusCode);

        // New sessions start read-only; pooled ones keep their old setting, so the pool is emptied.
        await factory.Cluster.ExecuteAsync($"ALTER DATABASE \"{factory.DatabaseName}\" SET default_transaction_read_only = on");
        ClearPool(factory);
        var refused = await api.PostAsJsonAsync("/api/v1/servers", new { name = "during-ro", hostname = "a.example.com", platform = "postfix" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var text = await refused.Content.ReadAsStringAsync();
        Assert.Contains("Nothing was saved: the database is read-only", text, StringComparison.Ordinal);
        Assert.Contains("PostgreSQL server", text, StringComparison.Ordinal);

        await factory.Cluster.ExecuteAsync($"ALTER DATABASE \"{factory.DatabaseName}\" SET default_transaction_read_only = off");
        ClearPool(factory);
        var list = await api.GetFromJsonAsync<PagedResult<ServerDto>>("/api/v1/servers?q=-ro");
        Assert.Equal(["before-ro"], list!.Items.Select(s => s.Name));
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("/api/v1/servers", new { name = "after-ro", hostname = "a.example.com", platform = "postfix" })).StatusCode);
    }

    [Fact]
    public async Task Readyz_DatabaseGone_Returns503()
    {
        using var factory = new PostgresAppFactory();
        using var client = factory.CreateApiClient(token: null);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);

        await factory.Cluster.ExecuteAsync($"DROP DATABASE \"{factory.DatabaseName}\" WITH (FORCE)");
        ClearPool(factory);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task ListServers_SortedByName_UsesTheSameByteOrderAsSqlite()
    {
        using var factory = new PostgresAppFactory();
        using var api = factory.CreateApiClient();
        var prefix = "o" + Guid.NewGuid().ToString("N")[..6];

        // The test cluster's default collation is linguistic (ICU English), which ignores punctuation and would give
        // -a, a, b, _c as a, -a, b, _c; SQLite, and the "C" collation of every text column, compare bytes.
        foreach (var suffix in new[] { "b", "-a", "_c", "a" })
        {
            Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("/api/v1/servers", new { name = prefix + suffix, hostname = "h.example.com", platform = "postfix" })).StatusCode);
        }

        var list = await api.GetFromJsonAsync<PagedResult<ServerDto>>($"/api/v1/servers?q={prefix}&sort=name");
        Assert.Equal([prefix + "-a", prefix + "a", prefix + "b", prefix + "_c"], list!.Items.Select(s => s.Name));
    }

    private static void ClearPool(PostgresAppFactory factory)
    {
        using var connection = new Npgsql.NpgsqlConnection(factory.ConnectionString);
        Npgsql.NpgsqlConnection.ClearPool(connection);
    }
}
