using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace BackscatterConsole.Server.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL cluster for the test run: initdb into a temporary directory, the server on a free 127.0.0.1 port
/// with its socket in that directory, stopped and deleted when the test process exits. One cluster is shared by every
/// PostgreSQL-backed test (each factory gets its own database), because starting a cluster costs seconds and a database
/// costs milliseconds. Missing binaries fail the tests with the install command: CI treats a missing prerequisite as a
/// failure, never a skip. The crash-consistency soak starts a private, durable cluster instead (<see cref="StartDurable"/>),
/// because it restarts the server under load and a write acknowledged before that must survive it.
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private static readonly Lazy<PostgresCluster> SharedServer = new(StartShared, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string _binaries;
    private readonly string _options;
    private bool _stopped;

    private PostgresCluster(string binaries, string directory, int port, bool durable)
    {
        _binaries = binaries;
        Directory = directory;
        Port = port;
        _options = string.Join(' ',
            "-c listen_addresses=127.0.0.1",
            $"-p {port.ToString(CultureInfo.InvariantCulture)}",
            $"-c unix_socket_directories='{directory}'",
            "-c max_connections=300",
            // Throwaway data: durability settings off make migrations and writes much faster on a small machine. A durable
            // cluster keeps PostgreSQL's defaults: with synchronous_commit off a commit returns before its WAL is written, so
            // an immediate shutdown could lose a write the client was told had been stored.
            durable ? "-c fsync=on -c synchronous_commit=on -c full_page_writes=on" : "-c fsync=off -c synchronous_commit=off -c full_page_writes=off");
    }

    /// <summary>The cluster of this test run, started on first use.</summary>
    public static PostgresCluster Shared => SharedServer.Value;

    /// <summary>The temporary directory holding the cluster, its log and its socket.</summary>
    public string Directory { get; }

    public int Port { get; }

    /// <summary>The directory of the PostgreSQL programs (initdb, pg_ctl, pg_amcheck, …).</summary>
    public string BinaryDirectory => _binaries;

    private string DataDirectory => Path.Combine(Directory, "data");

    private string LogFile => Path.Combine(Directory, "server.log");

    /// <summary>A connection string for one database of this cluster, as the superuser (trust authentication on loopback).</summary>
    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Database = database,
        Username = "postgres",
        Timeout = 15,
        CommandTimeout = 60,
        MaxPoolSize = 20,
    }.ConnectionString;

    /// <summary>Runs one statement in the maintenance database (CREATE/DROP/ALTER DATABASE cannot run inside the app's own).</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The same, for disposal paths that cannot await.</summary>
    public void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        NpgsqlConnection.ClearAllPools();

        // One shell stops the server and removes the directory: this runs while the test host exits, and the runner may
        // end the host before a second step would run; the shell finishes on its own.
        var stop = $"{Quote(Path.Combine(_binaries, "pg_ctl"))} stop -D {Quote(DataDirectory)} -m immediate -w -t 30";
        Run("/bin/sh", ["-c", $"{(IsRoot ? "runuser -u postgres -- " : string.Empty)}{stop}; rm -rf {Quote(Directory)}"], throwOnFailure: false);
    }

    /// <summary>
    /// A private cluster with PostgreSQL's durability defaults (fsync, synchronous commit, full page writes), for tests that
    /// crash the server; the caller disposes it (it is also stopped when the process exits).
    /// </summary>
    public static PostgresCluster StartDurable()
    {
        var server = Start(durable: true);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
        return server;
    }

    /// <summary>
    /// Stops the server the way a crash would (<c>pg_ctl stop -m immediate</c>: no checkpoint, every backend quits at once,
    /// open transactions are lost) and starts it again on the same port; the start replays the WAL.
    /// </summary>
    public void RestartImmediately()
    {
        RunAsPostgres(Path.Combine(_binaries, "pg_ctl"), ["stop", "-D", DataDirectory, "-m", "immediate", "-w", "-t", "30"], logFile: LogFile);
        RunAsPostgres(Path.Combine(_binaries, "pg_ctl"), ["start", "-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "-o", _options], logFile: LogFile);
    }

    private static PostgresCluster StartShared()
    {
        var server = Start(durable: false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
        return server;
    }

    private static PostgresCluster Start(bool durable)
    {
        var binaries = LocateBinaries();
        var directory = Path.Combine(Path.GetTempPath(), "bsc-pg-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        try
        {
            return Start(binaries, directory, durable);
        }
        catch
        {
            // initdb or the server failed (the message says why); nothing runs on the directory, so it goes.
            System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    private static PostgresCluster Start(string binaries, string directory, bool durable)
    {
        // initdb and postgres refuse to run as root: as root (CI, test.sh) they run as the postgres account, which must own the directory.
        if (IsRoot)
        {
            Run("chown", ["postgres:postgres", directory]);
        }

        // A linguistic default collation (ICU English), as a production cluster typically has: the byte-order behaviour the
        // app relies on must come from its own column collations, not from a test cluster that happens to sort like SQLite.
        RunAsPostgres(Path.Combine(binaries, "initdb"), ["-D", Path.Combine(directory, "data"), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--locale-provider=icu", "--icu-locale=en-US", "--no-sync"]);

        // A port that was free a moment ago can be taken by the time the server binds it; another try picks another port.
        for (var attempt = 1; ; attempt++)
        {
            var server = new PostgresCluster(binaries, directory, FreePort(), durable);
            var started = RunAsPostgres(Path.Combine(binaries, "pg_ctl"), ["start", "-D", server.DataDirectory, "-l", server.LogFile, "-w", "-t", "30", "-o", server._options], throwOnFailure: attempt == 3, logFile: server.LogFile);
            if (started)
            {
                return server;
            }
        }
    }

    private static string LocateBinaries()
    {
        var root = "/usr/lib/postgresql";
        var candidates = System.IO.Directory.Exists(root)
            ? System.IO.Directory.GetDirectories(root)
                .Select(d => Path.Combine(d, "bin"))
                .Where(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "pg_ctl")))
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var major) ? major : 0)
            : Enumerable.Empty<string>();
        return candidates.FirstOrDefault()
            ?? throw new InvalidOperationException(
                "PostgreSQL server binaries (initdb, pg_ctl under /usr/lib/postgresql/<version>/bin) are not installed, so the PostgreSQL tests cannot run. Install them with 'apt-get install -y postgresql' (./test.sh does this when run as root).");
    }

    private static string Quote(string path) => "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static bool IsRoot => Environment.UserName == "root";

    private static bool RunAsPostgres(string program, string[] arguments, bool throwOnFailure = true, string? logFile = null) =>
        IsRoot ? Run("runuser", ["-u", "postgres", "--", program, .. arguments], throwOnFailure, logFile) : Run(program, arguments, throwOnFailure, logFile);

    private static bool Run(string program, string[] arguments, bool throwOnFailure = true, string? logFile = null)
    {
        // pg_ctl start leaves the server running with its output in the log file, so nothing is read from a pipe the
        // server could keep open; the command's own output goes to a file for the failure message.
        var output = Path.GetTempFileName();
        try
        {
            var start = new ProcessStartInfo("/bin/sh")
            {
                UseShellExecute = false,
                ArgumentList = { "-c", "exec \"$@\" >\"$0\" 2>&1 </dev/null", output, program },
            };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
            if (!process.WaitForExit(CommandTimeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {CommandTimeout.TotalSeconds} s.");
            }

            if (process.ExitCode == 0)
            {
                return true;
            }

            if (!throwOnFailure)
            {
                return false;
            }

            var log = logFile is not null && File.Exists(logFile) ? Environment.NewLine + File.ReadAllText(logFile) : string.Empty;
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}: {File.ReadAllText(output)}{log}");
        }
        finally
        {
            File.Delete(output);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
