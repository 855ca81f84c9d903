using Microsoft.EntityFrameworkCore;

namespace BackscatterConsole.Server.Data;

/// <summary>
/// The same model on PostgreSQL. A separate type only so that EF Core keeps a separate migration set
/// (<c>Data/Migrations/Postgres</c>, tied to this type) next to the SQLite one.
/// </summary>
public sealed class PostgresAppDbContext(DbContextOptions<PostgresAppDbContext> options) : AppDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);

        // SQLite compares text byte by byte; the "C" collation does the same, so sorting by name or hostname gives the
        // same order on both providers whatever locale the PostgreSQL cluster was created with.
        configurationBuilder.Properties<string>().UseCollation("C");
    }
}
