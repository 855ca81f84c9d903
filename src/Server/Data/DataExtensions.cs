using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace BackscatterConsole.Server.Data;

/// <summary>Where the data lives and how the database is opened.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary><c>sqlite</c> (the default: one file in <see cref="DataDirectory"/>) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = StorageProviders.Sqlite;

    /// <summary>Npgsql connection string; required with <c>postgres</c>, not used with <c>sqlite</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Directory holding the SQLite database; a relative path is taken from the working directory.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>Database file name inside <see cref="DataDirectory"/>.</summary>
    public string DatabaseFileName { get; set; } = "backscatterconsole.db";
}

/// <summary>Values of <c>Storage:Provider</c>.</summary>
public static class StorageProviders
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";
}

internal static class DataExtensions
{
    public static IHostApplicationBuilder AddData(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var directory = Path.GetFullPath(options.DataDirectory, Directory.GetCurrentDirectory());
        var provider = options.Provider?.Trim().ToLowerInvariant();
        switch (provider)
        {
            case StorageProviders.Sqlite or "" or null:
                AddSqlite(builder, options, directory);
                break;
            case StorageProviders.Postgres:
                AddPostgres(builder, options, directory);
                break;
            default:
                throw new InvalidOperationException($"Storage:Provider is '{options.Provider}', which is not a storage provider: use '{StorageProviders.Sqlite}' (the default) or '{StorageProviders.Postgres}'.");
        }

        // Keys that protect sign-in cookies and antiforgery tokens live in the database, so sessions survive a restart
        // and every instance on the same database accepts the others' cookies.
        builder.AddKeyRing();
        return builder;
    }

    private static void AddSqlite(IHostApplicationBuilder builder, StorageOptions options, string directory)
    {
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new InvalidOperationException($"Storage:ConnectionString is set but Storage:Provider is '{StorageProviders.Sqlite}': the connection string is for '{StorageProviders.Postgres}' only (SQLite uses Storage:DataDirectory and Storage:DatabaseFileName). Set Storage:Provider={StorageProviders.Postgres} or remove Storage:ConnectionString.");
        }

        var databasePath = Path.Combine(directory, options.DatabaseFileName);
        builder.Services.AddSingleton(new DataLocation(StorageProviders.Sqlite, directory, databasePath));
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
    }

    private static void AddPostgres(IHostApplicationBuilder builder, StorageOptions options, string directory)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new InvalidOperationException($"Storage:Provider is '{StorageProviders.Postgres}' but Storage:ConnectionString is empty: set it to an Npgsql connection string, for example 'Host=db.example.com;Database=backscatterconsole;Username=bsc;Password=…'.");
        }

        NpgsqlConnectionStringBuilder connection;
        try
        {
            connection = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"Storage:ConnectionString is not a valid PostgreSQL connection string: {e.Message}", e);
        }

        if (string.IsNullOrWhiteSpace(connection.Host) || string.IsNullOrWhiteSpace(connection.Database))
        {
            throw new InvalidOperationException("Storage:ConnectionString must name the server and the database (Host=…;Database=…).");
        }

        // Never the password: this text is printed at start-up and used in error messages.
        var description = $"PostgreSQL database '{connection.Database}' on {connection.Host}:{connection.Port}";
        builder.Services.AddSingleton(new DataLocation(StorageProviders.Postgres, directory, description));
        var connectionString = connection.ConnectionString;
        builder.Services.AddDbContext<AppDbContext, PostgresAppDbContext>(db => db.UseNpgsql(connectionString));
    }

    /// <summary>
    /// Creates the data directory and applies migrations (SQLite: then switches to WAL; PostgreSQL: creates the database
    /// first when the account may). Fails fast with a clear message when the data cannot be reached or written.
    /// </summary>
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
            if (location.Provider == StorageProviders.Sqlite)
            {
                // WAL lets readers go on while a writer commits; the setting is stored in the file, so once is enough.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
            }

            // Before anything reads the key ring (the data-protection hosted service warms it when the host starts).
            await KeyRing.ImportLegacyKeysAsync(app.Services, location.Directory, app.Logger, app.Lifetime.ApplicationStopping);
        }
        catch (SqliteException e)
        {
            throw new InvalidOperationException($"The database '{location.Database}' cannot be opened or migrated: {e.Message}", e);
        }
        catch (NpgsqlException e)
        {
            throw new InvalidOperationException($"The {location.Database} cannot be reached or migrated: {e.Message}. Check Storage:ConnectionString and that the server accepts connections.", e);
        }
    }
}

/// <summary>Resolved storage: the provider, the data directory (SQLite's file; the key ring of older versions) and the database (a file path, or a description of the PostgreSQL database without credentials).</summary>
public sealed record DataLocation(string Provider, string Directory, string Database);

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

            if (e is NpgsqlException npgsql && PostgresReason(npgsql) is { } postgresReason)
            {
                reason = postgresReason;
                return true;
            }
        }

        reason = string.Empty;
        return false;
    }

    /// <summary>What the operator should look at, after the reason: the data directory for SQLite, the server for PostgreSQL.</summary>
    public static string Advice(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException)
            {
                return "Check the PostgreSQL server and try again.";
            }
        }

        return "Check the data directory and try again.";
    }

    /// <summary>A unique index or primary key refused the row (two requests raced past the service's own check).</summary>
    public static bool IsUniqueViolation(DbUpdateException exception) => exception.InnerException switch
    {
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        DbException other => other.Message.Contains("UNIQUE", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    private static string? PostgresReason(NpgsqlException exception) => exception switch
    {
        PostgresException { SqlState: PostgresErrorCodes.ReadOnlySqlTransaction } => "the database is read-only",
        PostgresException { SqlState: PostgresErrorCodes.DiskFull } => "the disk is full",
        PostgresException
        {
            SqlState: PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure
                or PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.OutOfMemory or PostgresErrorCodes.InsufficientResources,
        } => "the database is busy",
        PostgresException { SqlState: PostgresErrorCodes.IoError } => "the database server cannot write its files",
        PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow }
            => "the database server cannot be reached",
        PostgresException postgres when postgres.SqlState.StartsWith("08", StringComparison.Ordinal) => "the database server cannot be reached",
        PostgresException => null,

        // No answer from the server at all: refused or dropped connection, timeout.
        _ when exception.IsTransient => "the database server cannot be reached",
        _ => null,
    };
}
