using BackscatterConsole.Server.Tests.Hosting;
using BackscatterConsole.Server.Tests.Infrastructure;

namespace BackscatterConsole.Server.Tests.Postgres;

/// <summary>The key-ring tests with both instances on one PostgreSQL database.</summary>
public sealed class PostgresKeyRingTests : KeyRingTests
{
    protected override (AppFactory First, AppFactory Second) CreateInstances(string directory, Dictionary<string, string?> firstSettings, Dictionary<string, string?> secondSettings)
    {
        var database = "bsc_" + Guid.NewGuid().ToString("N");
        return (new PostgresAppFactory { DatabaseName = database, DataDirectory = directory, DeleteDataOnDispose = false, Settings = firstSettings },
            new PostgresAppFactory { DatabaseName = database, DataDirectory = directory, Settings = secondSettings });
    }
}
