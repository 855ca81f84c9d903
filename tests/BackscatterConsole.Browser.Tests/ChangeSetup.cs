using System.Net.Http.Headers;
using System.Net.Http.Json;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.ChangeRequests;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Shared.Tokens;
using BackscatterConsole.Shared.Users;

namespace BackscatterConsole.Browser.Tests;

/// <summary>Data for the change journeys, set up through the REST API as an administrator would script it.</summary>
internal static class ChangeSetup
{
    public const string Password = "Change-Pass-2026!";

    /// <summary>A Postfix server whose snapshot has soft_bounce on (mta.bounce-hygiene), with an enrolled agent that is not connected.</summary>
    public static async Task<(ServerDto Server, EnrollmentResponse Agent)> ServerWithAgentAsync(HttpClient api, string name)
    {
        var server = (await (await api.PostAsJsonAsync("/api/v1/servers", new { name, hostname = "mx.example.com", platform = "postfix" })).Content.ReadFromJsonAsync<ServerDto>())!;
        (await api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/settings-snapshots", new { text = "soft_bounce = yes\n" })).EnsureSuccessStatusCode();
        var enrollment = (await (await api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/agent-enrollments", new { })).Content.ReadFromJsonAsync<AgentEnrollmentDto>())!;
        var enrolled = await api.PostAsJsonAsync(AgentHub.EnrollPath, new EnrollmentRequest(enrollment.Token, "mx.example.com", AgentConnectorKind.Postfix, "1.0", "Debian"));
        enrolled.EnsureSuccessStatusCode();
        return (server, (await enrolled.Content.ReadFromJsonAsync<EnrollmentResponse>())!);
    }

    /// <summary>A user with one role and <see cref="Password"/>, and an API client acting as them.</summary>
    public static async Task<(string UserName, HttpClient Api)> UserAsync(HttpClient api, Uri baseAddress, string role)
    {
        var name = role.ToLowerInvariant()[..3] + Guid.NewGuid().ToString("N")[..6];
        var user = (await (await api.PostAsJsonAsync("/api/v1/users", new { userName = name, password = Password, roles = new[] { role } })).Content.ReadFromJsonAsync<UserDto>())!;
        var token = (await (await api.PostAsJsonAsync("/api/v1/tokens", new { name = "browser-test", userId = user.Id })).Content.ReadFromJsonAsync<CreatedApiTokenDto>())!;
        var client = new HttpClient { BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        return (name, client);
    }

    /// <summary>A change request proposed by the admin, approved by a Reviewer and applied: its one job, queued for the agent.</summary>
    public static async Task<JobDto> ApplyThroughReviewAsync(HttpClient api, Uri baseAddress, Guid serverId, string check)
    {
        var (_, review) = await UserAsync(api, baseAddress, Roles.Reviewer);
        using (review)
        {
            var request = (await (await api.PostAsJsonAsync("/api/v1/change-requests", new { title = "Turn soft_bounce off", items = new[] { new { serverId, checkIds = new[] { check } } } })).Content.ReadFromJsonAsync<ChangeRequestDto>())!;
            (await api.PostAsync($"/api/v1/change-requests/{request.Id}/submit", null)).EnsureSuccessStatusCode();
            (await review.PostAsync($"/api/v1/change-requests/{request.Id}/approve", null)).EnsureSuccessStatusCode();
            var applied = (await (await api.PostAsync($"/api/v1/change-requests/{request.Id}/apply", null)).Content.ReadFromJsonAsync<ChangeRequestDto>())!;
            return (await api.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{applied.Items.Single().JobId}"))!;
        }
    }

    /// <summary>Makes the user's portal theme dark or light (the theme is the account's choice, not the browser's).</summary>
    public static async Task ThemeAsync(HttpClient userApi, string theme) =>
        (await userApi.PutAsJsonAsync("/api/v1/account/preferences", new { theme })).EnsureSuccessStatusCode();
}
