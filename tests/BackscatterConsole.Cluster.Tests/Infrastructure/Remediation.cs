using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using BackscatterConsole.Shared.ChangeRequests;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Tokens;
using BackscatterConsole.Shared.Users;

namespace BackscatterConsole.Cluster.Tests.Infrastructure;

/// <summary>Changes to the running Postfix the only way there is (four eyes), and the witnesses of what the agent did.</summary>
public static class Remediation
{
    public const string Check = "smtp.unknown-recipient";

    /// <summary>
    /// Puts the backscatter fault back into the running Postfix (as an operator undoing the fix would), has the agent
    /// report it, and waits until the console offers the fix again.
    /// </summary>
    public static async Task ResetPostfixAsync(this ClusterFixture cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        await RunAsync("/usr/sbin/postconf", "-c", cluster.Postfix.ConfigDirectory, "-e", "smtpd_reject_unlisted_recipient=no", "local_recipient_maps=");
        await RunAsync("/usr/sbin/postfix", "-c", cluster.Postfix.ConfigDirectory, "reload");
        using var api = cluster.Api();
        await cluster.EventuallyAsync(async () =>
        {
            var fixable = await api.GetFromJsonAsync<List<FixableCheckDto>>($"/api/v1/servers/{cluster.PostfixServer.Id}/jobs/fixable");
            if (fixable!.Any(f => f.CheckId == Check && f.Changes.Count > 0))
            {
                return true;
            }

            await api.PostAsync($"/api/v1/servers/{cluster.PostfixServer.Id}/agent/snapshot-requests", null);
            await Task.Delay(1000);
            return false;
        }, "the agent reported the fault again");
    }

    /// <summary>
    /// Proposes, approves (a second person) and applies the fix, every step through nginx pinned to <paramref name="route"/>;
    /// returns the job id. <paramref name="beforeApply"/> runs between the approval and the apply request, so that a
    /// caller can line something up to coincide with the job.
    /// </summary>
    public static async Task<Guid> ApplyFixAsync(this ClusterFixture cluster, string route, Func<Task>? beforeApply = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        using var admin = cluster.Api(route);
        var name = "rev" + Guid.NewGuid().ToString("N")[..8];
        var user = (await (await admin.PostAsJsonAsync("/api/v1/users", new { userName = name, password = "Review-Pass-2026!", roles = new[] { "Reviewer" } })).Content.ReadFromJsonAsync<UserDto>())!;
        var token = (await (await admin.PostAsJsonAsync("/api/v1/tokens", new { name = "review", userId = user.Id })).Content.ReadFromJsonAsync<CreatedApiTokenDto>())!;
        using var reviewer = cluster.Api(route);
        reviewer.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.Token);

        var created = await admin.PostAsJsonAsync("/api/v1/change-requests", new { title = "Refuse unknown recipients", items = new[] { new { serverId = cluster.PostfixServer.Id, checkIds = new[] { Check } } } });
        created.EnsureSuccessStatusCode();
        var request = (await created.Content.ReadFromJsonAsync<ChangeRequestDto>())!;
        (await admin.PostAsync($"/api/v1/change-requests/{request.Id}/submit", null)).EnsureSuccessStatusCode();
        (await reviewer.PostAsync($"/api/v1/change-requests/{request.Id}/approve", null)).EnsureSuccessStatusCode();
        if (beforeApply is not null)
        {
            await beforeApply();
        }

        var applied = await admin.PostAsync($"/api/v1/change-requests/{request.Id}/apply", null);
        applied.EnsureSuccessStatusCode();
        return (await applied.Content.ReadFromJsonAsync<ChangeRequestDto>())!.Items.Single().JobId!.Value;
    }

    /// <summary>The agent's journal of the job: the indexes of the changes it applied, and its phase.</summary>
    public static (IReadOnlyList<int> Applied, string Phase) Journal(this ClusterFixture cluster, Guid jobId)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var file = Path.Combine(cluster.AgentStateDirectory, "jobs", jobId.ToString("N") + ".json");
        using var journal = JsonDocument.Parse(File.ReadAllText(file));
        var applied = journal.RootElement.GetProperty("applied").EnumerateArray().Select(e => e.GetInt32()).ToList();
        return (applied, journal.RootElement.GetProperty("phase").GetString()!);
    }

    public static async Task<string> PostconfAsync(this ClusterFixture cluster, string name)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return (await RunAsync("/usr/sbin/postconf", "-c", cluster.Postfix.ConfigDirectory, "-h", name)).Trim();
    }

    private static async Task<string> RunAsync(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        output += await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {output}");
        return output;
    }
}
