using BackscatterConsole.Server.Tests.Infrastructure;

namespace BackscatterConsole.Server.Tests.Hosting;

/// <summary>Wrong storage settings stop the server at start-up with a sentence that names the key to fix.</summary>
public sealed class StorageConfigurationTests
{
    [Theory]
    [InlineData("mysql", null, "Storage:Provider is 'mysql'")]
    [InlineData("postgres", null, "Storage:ConnectionString is empty")]
    [InlineData("postgres", "Host=127.0.0.1;Nonsense Key=1", "Storage:ConnectionString is not a valid PostgreSQL connection string")]
    [InlineData("postgres", "Username=bsc", "Storage:ConnectionString must name the server and the database")]
    [InlineData("sqlite", "Host=db;Database=bsc", "Storage:ConnectionString is set but Storage:Provider is 'sqlite'")]
    public void Startup_BadStorageSettings_FailsNamingTheKey(string provider, string? connectionString, string expected)
    {
        using var factory = new AppFactory { Settings = new() { ["Storage:Provider"] = provider, ["Storage:ConnectionString"] = connectionString } };

        var error = Assert.Throws<InvalidOperationException>(() => factory.Services);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
