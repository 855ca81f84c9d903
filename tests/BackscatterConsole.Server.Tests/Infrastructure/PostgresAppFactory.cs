using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace BackscatterConsole.Server.Tests.Infrastructure;

/// <summary>
/// The real server on PostgreSQL: a fresh database in the shared test cluster (<see cref="PostgresCluster"/>), created by
/// the server's own start-up migration. The data directory still holds the key ring, as in production.
/// </summary>
public sealed class PostgresAppFactory : AppFactory
{
    /// <summary>The database in the test cluster; a test may set it to restart a second server on the same data.</summary>
    public string DatabaseName { get; init; } = "bsc_" + Guid.NewGuid().ToString("N");

    public PostgresCluster Cluster { get; } = PostgresCluster.Shared;

    public string ConnectionString => Cluster.ConnectionString(DatabaseName);

    public override string Provider => "postgres";

    public override string DropTriggerSql(string table, string trigger) => $"DROP TRIGGER \"{trigger}\" ON \"{table}\"";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Storage:Provider", "postgres");
        builder.UseSetting("Storage:ConnectionString", ConnectionString);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing)
        {
            return;
        }

        // Idle pooled connections of this database would otherwise stay open (and block DROP DATABASE) until the run ends.
        using (var connection = new NpgsqlConnection(ConnectionString))
        {
            NpgsqlConnection.ClearPool(connection);
        }

        if (DeleteDataOnDispose)
        {
            Cluster.Execute($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)");
        }
    }
}
