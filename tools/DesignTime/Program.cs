using BackscatterConsole.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

Console.WriteLine("Design-time host for EF Core migrations: dotnet ef migrations add <Name> --project src/Server --startup-project tools/DesignTime --output-dir Data/Migrations");

/// <summary>Builds the context for the EF tools without starting the web host.</summary>
internal sealed class DesignTimeContextFactory : IDesignTimeDbContextFactory<AppDbContext>
{
    public AppDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AppDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
