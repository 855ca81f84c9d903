using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace BackscatterConsole.Server.Data;

/// <summary>Where the data lives and how the database is opened.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Directory holding the SQLite database and the key ring; a relative path is taken from the working directory.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>Database file name inside <see cref="DataDirectory"/>.</summary>
    public string DatabaseFileName { get; set; } = "backscatterconsole.db";
}

internal static class DataExtensions
{
    public static IHostApplicationBuilder AddData(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var directory = Path.GetFullPath(options.DataDirectory, Directory.GetCurrentDirectory());
        var databasePath = Path.Combine(directory, options.DatabaseFileName);
        builder.Services.AddSingleton(new DataLocation(directory, databasePath));

        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            DefaultTimeout = 30,
            Pooling = true,
        }.ToString();

        var connectionSetup = new SqliteConnectionSetup();
        builder.Services.AddDbContext<AppDbContext>(db => db.UseSqlite(connectionString).AddInterceptors(connectionSetup));

        // Keys that protect sign-in cookies and antiforgery tokens live with the data, so sessions survive a restart.
        builder.Services.AddDataProtection()
            .SetApplicationName("BackscatterConsole")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(directory, "keys")));
        return builder;
    }

    /// <summary>Creates the data directory, applies migrations and switches SQLite to WAL. Fails fast with a clear message when the directory cannot be written.</summary>
    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        var location = app.Services.GetRequiredService<DataLocation>();
        try
        {
            Directory.CreateDirectory(location.Directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"The data directory '{location.Directory}' cannot be created: {e.Message}. Set Storage:DataDirectory to a writable directory.", e);
        }

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        try
        {
            await db.Database.MigrateAsync();

            // WAL lets readers go on while a writer commits; the setting is stored in the file, so once is enough.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }
        catch (SqliteException e)
        {
            throw new InvalidOperationException($"The database '{location.DatabasePath}' cannot be opened or migrated: {e.Message}", e);
        }
    }
}

/// <summary>Resolved paths of the data directory and the database file.</summary>
public sealed record DataLocation(string Directory, string DatabasePath);

/// <summary>Recognizes database failures that mean "cannot write now" rather than a bug.</summary>
internal static class StorageFailures
{
    // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN.
    private static readonly HashSet<int> UnavailableCodes = [5, 6, 8, 10, 13, 14];

    public static bool IsStorageUnavailable(Exception exception, out string reason)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SqliteException sqlite && UnavailableCodes.Contains(sqlite.SqliteErrorCode))
            {
                reason = sqlite.SqliteErrorCode switch
                {
                    8 => "the database is read-only",
                    13 => "the disk is full",
                    5 or 6 => "the database is busy",
                    _ => "the database file cannot be written",
                };
                return true;
            }
        }

        reason = string.Empty;
        return false;
    }
}
