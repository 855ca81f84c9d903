using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using BackscatterConsole.Agent.Tests.Support;
using BackscatterConsole.Domain.Tests.Fixtures;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Servers;
using Microsoft.Playwright;
using Npgsql;

namespace BackscatterConsole.Cluster.Tests.Infrastructure;

/// <summary>
/// Two console processes on one PostgreSQL database and one redis-server, behind nginx with the documented site, a
/// real Postfix and the real agent process enrolled for it (connected through nginx), knotd for DNS, all on loopback.
/// Leases are short (<see cref="LeaseExpiry"/>) so that losing an instance is noticed in seconds. Tests of the
/// collection run one after another and may kill an instance or Redis; <see cref="EnsureHealthyAsync"/> restores them.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const string AdminPassword = "Admin-Pass-2026!";
    public const string ApiToken = "bsc_cluster_test_bootstrap_token";
    public const string ChromiumPath = "/usr/bin/chromium";

    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan LeaseExpiry = TimeSpan.FromSeconds(3);

    /// <summary>Bound for anything the cluster does by itself (a scan, an agent reconnecting, a job).</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    private readonly KnotFixture _knot = new();
    private readonly TempDirectory _data = new();
    private readonly TempDirectory _agentState = new();
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public string DatabaseName { get; } = "bsc_cluster_" + Guid.NewGuid().ToString("N")[..12];

    public PostgresCluster Postgres => PostgresCluster.Shared;

    public string ConnectionString => Postgres.ConnectionString(DatabaseName);

    public RedisServer Redis { get; private set; } = default!;

    public RunningPostfix Postfix { get; private set; } = default!;

    public ConsoleProcess A { get; private set; } = default!;

    public ConsoleProcess B { get; private set; } = default!;

    public IReadOnlyList<ConsoleProcess> Instances => [A, B];

    public NginxProxy Nginx { get; private set; } = default!;

    /// <summary>The inventory entry of the running Postfix, whose agent the fixture runs.</summary>
    public ServerDto PostfixServer { get; private set; } = default!;

    public AgentProcess Agent { get; private set; } = default!;

    /// <summary>The agent's state directory, holding its job journal.</summary>
    public string AgentStateDirectory => _agentState.Path;

    public async Task InitializeAsync()
    {
        await _knot.InitializeAsync();
        Redis = await RedisServer.StartAsync();
        Postfix = await RunningPostfix.StartAsync();
        A = new ConsoleProcess("a", "console-a", Environment("a"));
        B = new ConsoleProcess("b", "console-b", Environment("b"));

        // One after the other on a fresh database: the first applies the migrations and creates the first admin.
        await A.StartAsync();
        await B.StartAsync();
        Nginx = await NginxProxy.StartAsync(A.BaseAddress, B.BaseAddress);

        using var api = Api();
        var created = await api.PostAsJsonAsync("/api/v1/servers", new
        {
            name = "postfix-" + Guid.NewGuid().ToString("N")[..6],
            hostname = "mx.example.test",
            platform = "postfix",
            smtpHost = "127.0.0.1",
            smtpPort = Postfix.Port,
            probeEnabled = true,
            domains = new[] { new { name = "example.test" } },
            controlRecipient = "root@example.test",
        });
        created.EnsureSuccessStatusCode();
        PostfixServer = (await created.Content.ReadFromJsonAsync<ServerDto>())!;
        var enrollment = (await (await api.PostAsJsonAsync($"/api/v1/servers/{PostfixServer.Id}/agent-enrollments", new { })).Content.ReadFromJsonAsync<AgentEnrollmentDto>())!;
        Agent = new AgentProcess(
        [
            $"--Agent:ServerUrl={Nginx.BaseAddress.ToString().TrimEnd('/')}",
            $"--Agent:EnrollmentToken={enrollment.Token}",
            $"--Agent:StateDirectory={_agentState.Path}",
            "--Agent:Connector=postfix",
            $"--Agent:Postfix:ConfigDirectory={Postfix.ConfigDirectory}",
            "--Agent:Postfix:PostconfPath=/usr/sbin/postconf",
            "--Agent:Postfix:PostfixPath=/usr/sbin/postfix",
        ]);
        await EventuallyAsync(async () => (await api.GetFromJsonAsync<AgentStatusDto>($"/api/v1/servers/{PostfixServer.Id}/agent"))!.Status == AgentStatusDto.Online, "the agent is online");
        await EventuallyAsync(async () => (await api.GetAsync($"/api/v1/servers/{PostfixServer.Id}/settings-snapshots/latest")).IsSuccessStatusCode, "the agent reported a snapshot");
    }

    /// <summary>An admin API client through nginx; with <paramref name="route"/> pinned to that instance by the route cookie.</summary>
    public HttpClient Api(string? route = null)
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = Nginx?.BaseAddress ?? A.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiToken);
        if (route is not null)
        {
            client.DefaultRequestHeaders.Add("Cookie", "bsc_route=" + route);
        }

        return client;
    }

    /// <summary>An admin API client straight to one instance, bypassing nginx.</summary>
    public static HttpClient Direct(ConsoleProcess instance, string token = ApiToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var client = new HttpClient { BaseAddress = instance.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public ConsoleProcess Instance(string instanceId) => Instances.Single(i => i.InstanceId == instanceId);

    public ConsoleProcess Other(ConsoleProcess instance) => instance == A ? B : A;

    /// <summary>The instance the agent's hub connection is on now, from the presence table.</summary>
    public async Task<ConsoleProcess?> AgentInstanceAsync()
    {
        var instance = await ScalarAsync<string?>($"SELECT \"InstanceId\" FROM \"AgentConnections\" WHERE \"ServerId\" = '{PostfixServer.Id}' AND \"ExpiresAt\" > now()");
        return instance is null ? null : Instance(instance);
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default! : (T)value;
    }

    /// <summary>Restarts whatever an earlier test stopped (a console, Redis) and waits until the agent is online.</summary>
    public async Task EnsureHealthyAsync()
    {
        if (!Redis.IsRunning)
        {
            await Redis.StartAgainAsync();
        }

        foreach (var instance in Instances.Where(i => !i.IsRunning))
        {
            await instance.StartAsync();
        }

        using var api = Api();
        await EventuallyAsync(async () => (await api.GetFromJsonAsync<AgentStatusDto>($"/api/v1/servers/{PostfixServer.Id}/agent"))!.Status == AgentStatusDto.Online, "the agent is online");
        foreach (var instance in Instances)
        {
            await EventuallyAsync(async () => (await ReadinessAsync(instance)).Backplane == "Healthy", $"{instance.InstanceId} has the backplane");
        }
    }

    /// <summary>What <c>/readyz</c> of the instance says overall and about the backplane.</summary>
    public static async Task<(HttpStatusCode Code, string Status, string? Backplane, string? Description)> ReadinessAsync(ConsoleProcess instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        using var http = new HttpClient { BaseAddress = instance.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
        var report = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        var backplane = report.GetProperty("checks").GetProperty("backplane");
        return (response.StatusCode, report.GetProperty("status").GetString()!, backplane.GetProperty("status").GetString(), backplane.GetProperty("description").GetString());
    }

    /// <summary>A probed server in the inventory whose SMTP endpoint is 127.0.0.1:<paramref name="smtpPort"/>.</summary>
    public async Task<ServerDto> CreateServerAsync(int smtpPort, string? route = null)
    {
        using var api = Api(route);
        var response = await api.PostAsJsonAsync("/api/v1/servers", new
        {
            name = "slow-" + Guid.NewGuid().ToString("N")[..8],
            hostname = "mx.example.test",
            platform = "postfix",
            smtpHost = "127.0.0.1",
            smtpPort,
            probeEnabled = true,
            domains = new[] { new { name = "example.test" } },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ServerDto>())!;
    }

    /// <summary>Queues a scan through the given instance, straight (not through nginx).</summary>
    public static async Task<Guid> StartScanAsync(ConsoleProcess via, Guid serverId)
    {
        using var api = Direct(via);
        var response = await api.PostAsync($"/api/v1/servers/{serverId}/scans", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ScanAcceptedDto>())!.Id;
    }

    /// <summary>The instance named as the scan's lease owner, once it has one.</summary>
    public async Task<ConsoleProcess> ScanRunnerAsync(Guid scanId)
    {
        string? owner = null;
        await EventuallyAsync(async () => (owner = await ScalarAsync<string?>($"SELECT \"LeaseOwner\" FROM \"Scans\" WHERE \"Id\" = '{scanId}' AND \"Status\" = 'running'")) is not null, $"scan {scanId} is claimed");
        return Instance(owner!);
    }

    /// <summary>Chromium (Debian's, by path), started on first use.</summary>
    public async Task<IBrowser> BrowserAsync()
    {
        if (_browser is not null)
        {
            return _browser;
        }

        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's chromium (./test.sh does).");
        }

        // Two consoles, PostgreSQL, Redis, nginx and the browser share the machine: a grid's first load can take seconds.
        Assertions.SetDefaultExpectTimeout(30_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Timeout = 30_000,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return _browser;
    }

    /// <summary>Polls until <paramref name="condition"/> holds; on timeout fails with the consoles' and the agent's output.</summary>
    public async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Wait);
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or NpgsqlException)
            {
                // An instance being killed or started; the condition is asked again.
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {what}.\n{Diagnostics()}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The tail of every part's output, for failure messages.</summary>
    public string Diagnostics() => string.Join("\n", Instances.Select(i => $"--- console {i.InstanceId}:\n{Tail(i.Output)}"))
        + $"\n--- agent:\n{Tail(Agent?.Output ?? string.Empty)}\n--- redis:\n{Tail(Redis?.Output ?? string.Empty)}\n--- nginx:\n{Tail(Nginx?.ErrorLog ?? string.Empty)}";

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        Agent?.Dispose();
        if (Nginx is not null)
        {
            await Nginx.DisposeAsync();
        }

        foreach (var instance in new[] { A, B }.Where(i => i is not null))
        {
            await instance.DisposeAsync();
        }

        if (Postfix is not null)
        {
            await Postfix.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        await _knot.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await Postgres.ExecuteAsync($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)");
        _agentState.Dispose();
        _data.Dispose();
    }

    private Dictionary<string, string> Environment(string route) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["Storage__Provider"] = "postgres",
        ["Storage__ConnectionString"] = ConnectionString,
        ["Storage__DataDirectory"] = Path.Combine(_data.Path, route),
        ["SignalR__Redis"] = Redis.Configuration,
        ["Cluster__HeartbeatInterval"] = HeartbeatInterval.ToString("c", CultureInfo.InvariantCulture),
        ["Cluster__LeaseExpiry"] = LeaseExpiry.ToString("c", CultureInfo.InvariantCulture),
        ["Bootstrap__AdminPassword"] = AdminPassword,
        ["Bootstrap__ApiToken"] = ApiToken,
        ["SignInRateLimit__PermitLimit"] = "100000",
        ["Scans__ScheduleEnabled"] = "false",
        ["Dnsbl__Enabled"] = "false",
        ["Probe__SinkAddress"] = "sink@probe.example.test",
        ["Probe__HeloName"] = "probe.example.test",
        ["Probe__GreetingTimeout"] = "00:00:30",
        ["Dns__Servers__0"] = _knot.Endpoint,
        ["Portal__RevalidationInterval"] = "00:00:05",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__BackscatterConsole"] = "Information",
        ["Logging__Console__FormatterName"] = "simple",
    };

    private static string Tail(string text) => text.Length <= 6000 ? text : "…" + text[^6000..];
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
