using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Servers;

namespace BackscatterConsole.Server.Tests.Hosting;

/// <summary>
/// Real storage faults: the data directory sits on a small tmpfs that the test fills up or remounts read-only.
/// Needs root (mount); the test command runs as root, and CI treats a missing privilege as a failure.
/// </summary>
public sealed class StorageFaultTests : IDisposable
{
    private readonly string _mount = Path.Combine(Path.GetTempPath(), "bsc-tmpfs-" + Guid.NewGuid().ToString("N")[..8]);

    public StorageFaultTests()
    {
        Directory.CreateDirectory(_mount);
        Run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", _mount);
    }

    [Fact]
    public async Task Create_DiskFull_Returns503AndKeepsEarlierData()
    {
        using var factory = new AppFactory { DataDirectory = Path.Combine(_mount, "data") };
        using var api = factory.CreateApiClient();
        var first = await api.PostAsJsonAsync("/api/v1/servers", Server("before-full"));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        FillDisk();
        HttpResponseMessage? failed = null;
        for (var i = 0; i < 50 && failed is null; i++)
        {
            var response = await api.PostAsJsonAsync("/api/v1/servers", Server($"fill-{i}"));
            if (response.StatusCode != HttpStatusCode.Created)
            {
                failed = response;
            }
        }

        Assert.NotNull(failed);
        Assert.True(failed.StatusCode == HttpStatusCode.ServiceUnavailable, $"{failed.StatusCode}: {await failed.Content.ReadAsStringAsync()}");
        Assert.Contains("Nothing was saved", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        File.Delete(Path.Combine(_mount, "filler"));
        var list = await api.GetFromJsonAsync<PagedResult<ServerDto>>("/api/v1/servers?q=before-full");
        Assert.Equal(1, list!.Total);
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("/api/v1/servers", Server("after-full"))).StatusCode);
    }

    [Fact]
    public async Task Create_ReadOnlyFileSystem_Returns503AndLosesNothing()
    {
        using var factory = new AppFactory { DataDirectory = Path.Combine(_mount, "data") };
        using var api = factory.CreateApiClient();
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("/api/v1/servers", Server("before-ro"))).StatusCode);

        // Pooled connections keep the database files open, and a busy mount cannot become read-only.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Run("mount", "-o", "remount,ro", _mount);
        try
        {
            // A WAL database cannot even be opened on a read-only file system, so every call says so clearly.
            var response = await api.PostAsJsonAsync("/api/v1/servers", Server("during-ro"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
            Assert.Contains("cannot be written", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            Run("mount", "-o", "remount,rw", _mount);
        }

        var list = await api.GetFromJsonAsync<PagedResult<ServerDto>>("/api/v1/servers");
        Assert.Equal(["before-ro"], list!.Items.Select(s => s.Name));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Run("umount", "-l", _mount);
        Directory.Delete(_mount, recursive: true);
    }

    private static object Server(string name) => new
    {
        name,
        hostname = "mx.example.com",
        platform = "postfix",
        notes = new string('n', 4000),
        domains = Enumerable.Range(0, 40).Select(i => new { name = $"d{i}-{name}.example.com", dkimSelectors = new[] { "s1", "s2" } }),
    };

    private void FillDisk()
    {
        // Leave almost nothing: SQLite then fails while growing the WAL or the database file.
        using var filler = new FileStream(Path.Combine(_mount, "filler"), FileMode.Create);
        var block = new byte[64 * 1024];
        try
        {
            while (true)
            {
                filler.Write(block);
                filler.Flush();
            }
        }
        catch (IOException)
        {
            // The disk is full: exactly the state wanted.
        }
    }

    private static void Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit(10_000);
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {error}. Storage fault tests need root to mount a tmpfs.");
    }
}
