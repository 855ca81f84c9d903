using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace BackscatterConsole.Server.Data;

/// <summary>
/// Lets SQLite itself wait for a lock (busy_timeout). Without it Microsoft.Data.Sqlite retries a busy database by
/// sleeping 150 ms at a time, so every collision of two writers (heartbeats, job reports, scans) cost at least that;
/// SQLite's own handler retries within a millisecond of the lock coming free.
/// </summary>
internal sealed class SqliteConnectionSetup : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA busy_timeout = 10000;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
