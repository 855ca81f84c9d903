using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using BackscatterConsole.Agent.Tests.Support;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Shared.Tokens;
using BackscatterConsole.Shared.Users;
using Microsoft.Data.Sqlite;

namespace BackscatterConsole.Soak;

/// <summary>
/// Everything the soak runs, all real: a Postfix instance on loopback (package's pristine master.cf), the console as its own
/// process on SQLite or on a private durable PostgreSQL cluster, the agent as its own process with a recording postconf,
/// three users (the bootstrap Admin, an Operator who proposes and applies, a Reviewer who approves), one managed server and
/// its enrolled agent. The kill operations and the storage checks after a kill live here too.
/// </summary>
public sealed class SoakRig : IAsyncDisposable
{
    /// <summary>The setting the cycles flip, and the other one the same check fixes.</summary>
    public const string Setting = "smtpd_reject_unlisted_recipient";

    public const string MapsSetting = "local_recipient_maps";

    /// <summary>The check whose remediation the change requests apply.</summary>
    public const string Check = "smtp.unknown-recipient";

    private const string AdminPassword = "Soak-Admin-Pass-2026!";
    private const string UserPassword = "Soak-User-Pass-2026!";

    private readonly TextWriter _log;
    private readonly List<string> _agentArguments = [];
    private PostgresCluster? _postgres;

    private SoakRig(SoakOptions options, string workDirectory, TextWriter log)
    {
        Options = options;
        WorkDirectory = workDirectory;
        _log = log;
        AgentStateDirectory = Path.Combine(workDirectory, "agent-state");
        History = new PostconfHistory(workDirectory);
    }

    public SoakOptions Options { get; }

    public string WorkDirectory { get; }

    public string AgentStateDirectory { get; }

    public PostconfHistory History { get; }

    public RunningPostfix Postfix { get; private set; } = null!;

    public ConsoleProcess Console { get; private set; } = null!;

    public AgentProcess? Agent { get; private set; }

    public SoakApi Admin { get; private set; } = null!;

    public SoakApi Author { get; private set; } = null!;

    public SoakApi Reviewer { get; private set; } = null!;

    public Guid ServerId { get; private set; }

    public string DatabaseDescription { get; private set; } = string.Empty;

    private string SqlitePath => Path.Combine(WorkDirectory, "data", "backscatterconsole.db");

    private string DatabaseName { get; } = "soak_" + Guid.NewGuid().ToString("N")[..10];

    public static async Task<SoakRig> StartAsync(SoakOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var rig = new SoakRig(options, Directory.CreateTempSubdirectory("bsc-soak-").FullName, log);
        try
        {
            await rig.StartAllAsync(cancellationToken);
            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL to the console; waits until it is gone.</summary>
    public Task KillConsoleAsync() => Console.KillAsync();

    public Task StartConsoleAsync(CancellationToken cancellationToken) => Console.StartAsync(cancellationToken);

    /// <summary>SIGKILL to the agent process alone (a postconf it started runs to its end, as it would on a real host).</summary>
    public void KillAgent()
    {
        if (Agent is null)
        {
            return;
        }

        Agent.KillHard();
        File.AppendAllText(Path.Combine(WorkDirectory, "agent.log"), Agent.Output + $"=== soak: agent killed (SIGKILL) at {DateTime.UtcNow:O} ===\n");
        Agent.Dispose();
        Agent = null;
    }

    /// <summary>Starts the agent; it finds its credential and its journal in its state directory.</summary>
    public void StartAgent()
    {
        if (Agent is not null)
        {
            throw new InvalidOperationException("The agent is already running.");
        }

        Agent = new AgentProcess(_agentArguments);
    }

    /// <summary>PostgreSQL stopped as by a crash while the console runs, then started again.</summary>
    public Task RestartDatabaseAsync() => Task.Run(() => _postgres!.RestartImmediately());

    /// <summary>
    /// The storage check after a kill: <c>PRAGMA integrity_check</c> on the SQLite file (the console is down, so nothing else
    /// holds it), or <c>pg_amcheck</c> (heap and every B-tree index, with the heap checked against its indexes) on the
    /// PostgreSQL database. Returns null when the storage is sound, otherwise what was found.
    /// </summary>
    public async Task<string?> CheckStorageAsync(CancellationToken cancellationToken)
    {
        if (_postgres is null)
        {
            await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = SqlitePath, Pooling = false }.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA integrity_check;";
            var rows = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(reader.GetString(0));
            }

            return rows is ["ok"] ? null : "PRAGMA integrity_check: " + string.Join("; ", rows);
        }

        var (exitCode, output) = await RunAsync(
            Path.Combine(_postgres.BinaryDirectory, "pg_amcheck"),
            ["-h", "127.0.0.1", "-p", _postgres.Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "--install-missing", "--heapallindexed", DatabaseName],
            cancellationToken);
        return exitCode == 0 ? null : $"pg_amcheck exited with {exitCode}: {output}";
    }

    /// <summary>The values Postfix has now, read with the real postconf (not the recording one).</summary>
    public async Task<IReadOnlyDictionary<string, string>> ReadPostfixAsync(CancellationToken cancellationToken)
    {
        var (exitCode, output) = await RunAsync("/usr/sbin/postconf", ["-c", Postfix.ConfigDirectory, "-h", Setting, MapsSetting], cancellationToken);
        // One line per name; an empty value is an empty line, so only the final line break goes.
        var text = output.ReplaceLineEndings("\n");
        var lines = (text.EndsWith('\n') ? text[..^1] : text).Split('\n');
        if (exitCode != 0 || lines.Length != 2)
        {
            throw new InvalidOperationException($"postconf -h failed ({exitCode}): {output}");
        }

        return new Dictionary<string, string>(StringComparer.Ordinal) { [Setting] = lines[0].Trim(), [MapsSetting] = lines[1].Trim() };
    }

    /// <summary>
    /// The operator breaks the server again between cycles, with the real postconf: the product only ever fixes (the
    /// remediation of the check sets yes and fills the maps), so flipping back is the soak's own doing, not a second check.
    /// </summary>
    public async Task RebreakAsync(CancellationToken cancellationToken)
    {
        var (exitCode, output) = await RunAsync("/usr/sbin/postconf", ["-c", Postfix.ConfigDirectory, "-e", $"{Setting}=no", $"{MapsSetting}="], cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"postconf -e failed ({exitCode}): {output}");
        }
    }

    /// <summary>The values the soak breaks the server to, which a job that does not succeed must leave (or restore).</summary>
    public static IReadOnlyDictionary<string, string> BrokenValues { get; } = new Dictionary<string, string>(StringComparer.Ordinal) { [Setting] = "no", [MapsSetting] = string.Empty };

    /// <summary>Saves the agent's output so far into agent.log.</summary>
    public void FlushAgentLog()
    {
        if (Agent is not null)
        {
            File.AppendAllText(Path.Combine(WorkDirectory, "agent.log"), Agent.Output + $"=== soak: agent output up to {DateTime.UtcNow:O} ===\n");
        }
    }

    public async ValueTask DisposeAsync()
    {
        FlushAgentLog();
        Agent?.Dispose();
        Agent = null;
        if (Console is not null)
        {
            await Console.DisposeAsync();
        }

        Admin?.Dispose();
        Author?.Dispose();
        Reviewer?.Dispose();
        if (Postfix is not null)
        {
            await Postfix.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(WorkDirectory, "postgres.log"), ReadShared(Path.Combine(_postgres.Directory, "server.log")));
            _postgres.Dispose();
        }
    }

    /// <summary>Deletes the work directory (logs, database, journal, history).</summary>
    public void DeleteWorkDirectory()
    {
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A process that was just killed may still be letting go of a file; the OS cleans temp later.
        }
    }

    private static string ReadShared(string path)
    {
        if (!File.Exists(path))
        {
            return string.Empty;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private async Task StartAllAsync(CancellationToken cancellationToken)
    {
        Postfix = await RunningPostfix.StartAsync();
        var adminToken = "bsc_soak_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Bootstrap__AdminPassword"] = AdminPassword,
            ["Bootstrap__ApiToken"] = adminToken,
            ["Scans__ScheduleEnabled"] = "false",
            ["Dnsbl__Enabled"] = "false",
            // Heartbeats every 2 s keep presence fresh; the console hands the interval to the agent in its welcome.
            ["Agents__HeartbeatInterval"] = "00:00:02",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
            ["DOTNET_gcServer"] = "0",
        };
        if (Options.Provider == SoakProvider.Postgres)
        {
            _postgres = PostgresCluster.StartDurable();
            environment["Storage__Provider"] = "postgres";
            environment["Storage__ConnectionString"] = _postgres.ConnectionString(DatabaseName);
            DatabaseDescription = $"PostgreSQL on 127.0.0.1:{_postgres.Port}, database {DatabaseName} (fsync, synchronous_commit and full_page_writes on)";
        }
        else
        {
            environment["Storage__DataDirectory"] = Path.Combine(WorkDirectory, "data");
            DatabaseDescription = $"SQLite {SqlitePath}";
        }

        // The console keeps its port across restarts (the agent knows only that address). A port the kernel hands out for
        // outgoing connections could be taken by another program's connection while the console is down, so the port
        // comes from below the ephemeral range; one that is taken at the first start is traded for another.
        Uri address;
        for (var attempt = 1; ; attempt++)
        {
            address = new Uri($"http://127.0.0.1:{FreePort().ToString(CultureInfo.InvariantCulture)}");
            Console = new ConsoleProcess(address, environment, Path.Combine(WorkDirectory, "console.log"), Options.ConsoleDirectory);
            try
            {
                await Console.StartAsync(cancellationToken);
                break;
            }
            catch (InvalidOperationException) when (attempt < 3 && ReadShared(Console.LogPath).Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                await Console.DisposeAsync();
                File.Move(Console.LogPath, Console.LogPath + "." + attempt.ToString(CultureInfo.InvariantCulture), overwrite: true);
            }
        }

        Admin = new SoakApi(address, adminToken);
        Author = new SoakApi(address, await CreateUserTokenAsync("soak-operator", "Operator", cancellationToken));
        Reviewer = new SoakApi(address, await CreateUserTokenAsync("soak-reviewer", "Reviewer", cancellationToken));

        var server = Expect(await Admin.PostAsync("/api/v1/servers", new { name = "soak-mx", hostname = "mx.example.test", platform = "postfix", smtpHost = "127.0.0.1", smtpPort = Postfix.Port, probeEnabled = false }, cancellationToken: cancellationToken), "create the server").Read<ServerDto>();
        ServerId = server.Id;
        var enrollment = Expect(await Admin.PostAsync($"/api/v1/servers/{ServerId}/agent-enrollments", cancellationToken: cancellationToken), "create an enrollment token").Read<AgentEnrollmentDto>();
        _agentArguments.AddRange(
        [
            $"--Agent:ServerUrl={address.ToString().TrimEnd('/')}",
            $"--Agent:EnrollmentToken={enrollment.Token}",
            $"--Agent:StateDirectory={AgentStateDirectory}",
            "--Agent:Connector=postfix",
            $"--Agent:Postfix:ConfigDirectory={Postfix.ConfigDirectory}",
            $"--Agent:Postfix:PostconfPath={History.WrapperPath}",
            "--Agent:Postfix:PostfixPath=/usr/sbin/postfix",
            // After a console restart the agent is back within two seconds instead of a minute.
            "--Agent:MaxReconnectDelay=00:00:02",
        ]);
        StartAgent();

        // The first cycle needs the agent enrolled and connected (enrolling is not one of the things the soak kills).
        var online = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (await Admin.ReadAnswerAsync($"/api/v1/servers/{ServerId}/agent", online, cancellationToken) is var agent
            && (agent.Status != 200 || agent.Read<AgentStatusDto>().Status != AgentStatusDto.Online))
        {
            if (DateTime.UtcNow > online)
            {
                throw new InvalidOperationException($"The agent did not come online within 120 s: {agent}\n{Agent?.Output}");
            }

            await Task.Delay(200, cancellationToken);
        }

        _log.WriteLine($"soak: console {address} ({SoakPaths.Configuration} build), {DatabaseDescription}; Postfix 127.0.0.1:{Postfix.Port} ({Postfix.ConfigDirectory}); work directory {WorkDirectory}");
    }

    private async Task<string> CreateUserTokenAsync(string userName, string role, CancellationToken cancellationToken)
    {
        var user = Expect(await Admin.PostAsync("/api/v1/users", new { userName, password = UserPassword, roles = new[] { role } }, cancellationToken: cancellationToken), $"create the user {userName}").Read<UserDto>();
        return Expect(await Admin.PostAsync("/api/v1/tokens", new { name = "soak", userId = user.Id }, cancellationToken: cancellationToken), $"create a token for {userName}").Read<CreatedApiTokenDto>().Token;
    }

    private static ApiAnswer Expect(ApiAnswer answer, string what) =>
        answer.Acknowledged ? answer : throw new InvalidOperationException($"Setting up the soak: could not {what}: {answer}");

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await output + await error);
    }

    /// <summary>A free loopback port below the kernel's ephemeral range (<c>ip_local_port_range</c>).</summary>
    private static int FreePort()
    {
        var lowestEphemeral = 32768;
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        if (File.Exists(range) && int.TryParse(File.ReadAllText(range).Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], NumberStyles.None, CultureInfo.InvariantCulture, out var lowest))
        {
            lowestEphemeral = lowest;
        }

        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(Math.Min(10_000, lowestEphemeral / 2), lowestEphemeral);
            try
            {
                using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Taken: try another.
            }
        }

        throw new InvalidOperationException("No free loopback port below the ephemeral range.");
    }
}
