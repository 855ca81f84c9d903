using System.Net.Http.Json;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Servers;

namespace BackscatterConsole.Server.Tests.Infrastructure;

/// <summary>A Postfix server with the weak sample snapshot, an enrolled (not connected) agent, and a check a job can fix entirely.</summary>
public static class RemediationSetup
{
    private static readonly string WeakPostconf = ScanApi.Sample("postconf-n-weak.txt");

    public static async Task<(ServerDto Server, EnrollmentResponse Enrolled, string Check)> ServerWithAgentAsync(HttpClient adminApi)
    {
        ArgumentNullException.ThrowIfNull(adminApi);
        var server = (await (await adminApi.PostAsJsonAsync("/api/v1/servers", new { name = "fix-" + Guid.NewGuid().ToString("N")[..6], hostname = "mx.example.com", platform = "postfix" })).Content.ReadFromJsonAsync<ServerDto>())!;
        (await adminApi.PostAsJsonAsync($"/api/v1/servers/{server.Id}/settings-snapshots", new { text = WeakPostconf })).EnsureSuccessStatusCode();
        var enrollment = (await (await adminApi.PostAsJsonAsync($"/api/v1/servers/{server.Id}/agent-enrollments", new { })).Content.ReadFromJsonAsync<AgentEnrollmentDto>())!;
        var enrolled = (await (await adminApi.PostAsJsonAsync(AgentHub.EnrollPath, KestrelApp.EnrollmentRequest(enrollment.Token))).Content.ReadFromJsonAsync<EnrollmentResponse>())!;
        var fixable = await adminApi.GetFromJsonAsync<List<FixableCheckDto>>($"/api/v1/servers/{server.Id}/jobs/fixable");
        return (server, enrolled, fixable!.First(f => f.Changes.Count > 0 && f.ManualSteps.Count == 0).CheckId);
    }
}
