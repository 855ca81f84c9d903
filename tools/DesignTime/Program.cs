using BackscatterConsole.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

Console.WriteLine("Design-time host for EF Core migrations; see README, \"Database migrations\":");
Console.WriteLine("  dotnet ef migrations add <Name> --context AppDbContext --project src/Server --startup-project tools/DesignTime --output-dir Data/Migrations");
Console.WriteLine("  dotnet ef migrations add <Name> --context PostgresAppDbContext --project src/Server --startup-project tools/DesignTime --output-dir Data/Migrations/Postgres");

/// <summary>Builds the SQLite context for the EF tools without starting the web host.</summary>
internal sealed class DesignTimeContextFactory : IDesignTimeDbContextFactory<AppDbContext>
{
    public AppDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AppDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

/// <summary>Builds the PostgreSQL context for the EF tools; adding a migration never connects, so no server is needed.</summary>
internal sealed class PostgresDesignTimeContextFactory : IDesignTimeDbContextFactory<PostgresAppDbContext>
{
    public PostgresAppDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresAppDbContext>().UseNpgsql("Host=localhost;Database=design-time").Options);
}
