using System.Net;
using System.Net.Http.Json;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Servers;

namespace BackscatterConsole.Server.Tests.Infrastructure;

/// <summary>Shortcuts the scan tests share: create a server, start a scan, wait for it to end.</summary>
public static class ScanApi
{
    public static async Task<ServerDto> CreateServerAsync(HttpClient api, string platform = "postfix", bool probe = false, int port = 25, string[]? domains = null, string? control = null, int? intervalMinutes = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        var response = await api.PostAsJsonAsync("/api/v1/servers", new
        {
            name = "mx-" + Guid.NewGuid().ToString("N")[..8],
            hostname = "mx.backscatter.test",
            platform,
            smtpHost = "127.0.0.1",
            smtpPort = port,
            probeEnabled = probe,
            domains = (domains ?? ["backscatter.test"]).Select(d => new { name = d }).ToArray(),
            controlRecipient = control,
            scanIntervalMinutes = intervalMinutes,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ServerDto>())!;
    }

    public static async Task<Guid> StartAsync(HttpClient api, Guid serverId)
    {
        ArgumentNullException.ThrowIfNull(api);
        var response = await api.PostAsync($"/api/v1/servers/{serverId}/scans", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<ScanAcceptedDto>())!;
        Assert.Equal($"/api/v1/scans/{accepted.Id}", response.Headers.Location?.AbsolutePath);
        return accepted.Id;
    }

    /// <summary>Polls GET /scans/{id} until the scan ends (the test side may poll; the portal never does).</summary>
    public static async Task<ScanDto> WaitUntilFinishedAsync(HttpClient api, Guid scanId, TimeSpan? timeout = null) =>
        await WaitForAsync(api, scanId, s => ScanStatuses.IsFinished(s.Status), timeout);

    public static async Task<ScanDto> WaitForAsync(HttpClient api, Guid scanId, Func<ScanDto, bool> condition, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var scan = (await api.GetFromJsonAsync<ScanDto>($"/api/v1/scans/{scanId}"))!;
            if (condition(scan))
            {
                return scan;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Scan {scanId} is still {scan.Status} at {scan.Progress}%.");
            }

            await Task.Delay(100);
        }
    }

    public static string Sample(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", name));
}
