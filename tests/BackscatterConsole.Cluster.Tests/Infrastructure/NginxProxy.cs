using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using BackscatterConsole.Agent.Tests.Support;

namespace BackscatterConsole.Cluster.Tests.Infrastructure;

/// <summary>
/// Debian's nginx in front of the two consoles, with the site the README documents (<c>deploy/nginx/backscatterconsole.conf</c>)
/// and nothing else of the machine's: its own prefix, configuration, pid, logs and temporary directories in a temp
/// directory, listening on 127.0.0.1 at a free port, the master process in the foreground as a child of the tests.
/// Only the instance addresses, the listen line and the server name of the site are replaced.
/// </summary>
public sealed class NginxProxy : IAsyncDisposable
{
    private const string Program = "/usr/sbin/nginx";

    /// <summary>The example addresses, listen line and name in the documented site, in that order.</summary>
    public static readonly string[] SiteTokens = ["10.0.0.11:5080", "10.0.0.12:5080", "listen 80;", "server_name console.example.com;"];

    private readonly TempDirectory _prefix = new();
    private readonly StringBuilder _output = new();
    private Process? _process;

    private NginxProxy(int port)
    {
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    /// <summary>The site as the repository has it.</summary>
    public static string DocumentedSite => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "deploy", "backscatterconsole.conf"));

    public string ErrorLog => File.Exists(_prefix.Combine("error.log")) ? File.ReadAllText(_prefix.Combine("error.log")) : "(no error log)";

    /// <summary>Starts nginx with route <c>a</c> to <paramref name="a"/> and route <c>b</c> to <paramref name="b"/>.</summary>
    public static async Task<NginxProxy> StartAsync(Uri a, Uri b)
    {
        if (!File.Exists(Program))
        {
            throw new InvalidOperationException($"{Program} is missing: install Debian's nginx (./test.sh does as root: apt-get install -y nginx).");
        }

        var proxy = new NginxProxy(FreePort());
        var site = DocumentedSite;
        foreach (var token in SiteTokens)
        {
            if (!site.Contains(token, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The documented nginx site no longer contains '{token}'; update {nameof(NginxProxy)} with it.");
            }
        }

        site = site.Replace(SiteTokens[0], a.Authority, StringComparison.Ordinal)
            .Replace(SiteTokens[1], b.Authority, StringComparison.Ordinal)
            .Replace(SiteTokens[2], $"listen 127.0.0.1:{proxy.Port};", StringComparison.Ordinal)
            .Replace(SiteTokens[3], "server_name 127.0.0.1;", StringComparison.Ordinal);
        var prefix = proxy._prefix;
        File.WriteAllText(prefix.Combine("site.conf"), site);

        // Workers run as nobody when the master is root: the temporary directories must be theirs to write.
        var temp = prefix.Combine("tmp");
        Directory.CreateDirectory(temp);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(prefix.Path, (UnixFileMode)0b111_101_101);
            File.SetUnixFileMode(temp, (UnixFileMode)0b111_111_111);
        }
        File.WriteAllText(prefix.Combine("nginx.conf"), $$"""
            worker_processes 1;
            pid {{prefix.Combine("nginx.pid")}};
            error_log {{prefix.Combine("error.log")}} warn;
            events { worker_connections 1024; }
            http {
                access_log {{prefix.Combine("access.log")}};
                client_body_temp_path {{temp}}/body;
                proxy_temp_path {{temp}}/proxy;
                fastcgi_temp_path {{temp}}/fastcgi;
                uwsgi_temp_path {{temp}}/uwsgi;
                scgi_temp_path {{temp}}/scgi;
                include {{prefix.Combine("site.conf")}};
            }
            """);

        var start = new ProcessStartInfo(Program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            ArgumentList = { "-p", prefix.Path, "-c", prefix.Combine("nginx.conf"), "-e", prefix.Combine("error.log"), "-g", "daemon off;" },
        };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => proxy.Append(e.Data);
        process.ErrorDataReceived += (_, e) => proxy.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        proxy._process = process;

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                var why = $"nginx exited with code {process.ExitCode}:\n{proxy.Output}\n{proxy.ErrorLog}";
                await proxy.DisposeAsync();
                throw new InvalidOperationException(why);
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, proxy.Port);
                return proxy;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        await proxy.DisposeAsync();
        throw new TimeoutException($"nginx did not listen on 127.0.0.1:{proxy.Port} within 30 s.");
    }

    private string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            // SIGTERM: nginx's fast shutdown, which also ends its workers.
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        _process?.Dispose();
        _prefix.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
