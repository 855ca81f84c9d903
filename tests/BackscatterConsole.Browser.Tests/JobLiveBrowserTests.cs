using System.Net.Http.Json;
using BackscatterConsole.Agent.Transport;
using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Shared.Settings;
using Microsoft.AspNetCore.SignalR.Client;

namespace BackscatterConsole.Browser.Tests;

public sealed class JobLiveBrowserTests(PortalFixture portal) : IClassFixture<PortalFixture>
{
    [Fact]
    public async Task JobPage_AgentWorksThroughTheSteps_PageFollowsLiveAndShowsTheVerification()
    {
        using var api = portal.CreateApiClient();
        var server = (await (await api.PostAsJsonAsync("/api/v1/servers", new { name = "live-job", hostname = "mx.example.com", platform = "postfix" })).Content.ReadFromJsonAsync<ServerDto>())!;
        (await api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/settings-snapshots", new { text = "soft_bounce = yes\n" })).EnsureSuccessStatusCode();
        var enrollment = (await (await api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/agent-enrollments", new { })).Content.ReadFromJsonAsync<AgentEnrollmentDto>())!;
        var enrolled = (await (await api.PostAsJsonAsync(AgentHub.EnrollPath, new EnrollmentRequest(enrollment.Token, "mx.example.com", AgentConnectorKind.Postfix, "1.0", "Debian"))).Content.ReadFromJsonAsync<EnrollmentResponse>())!;
        var job = await ApplyThroughReviewAsync(api, server.Id, "mta.bounce-hygiene");

        var page = await portal.SignedInPageAsync();
        await page.GotoAsync($"/jobs/{job.Id}");
        await page.WaitForSelectorAsync("#job-live[data-live-connected='true']");
        Assert.Equal(JobStates.Queued, await page.GetAttributeAsync("[data-testid=job]", "data-state"));
        await page.EvaluateAsync("() => { window.sameDocument = true; }");

        // A scripted agent: slow enough that each step is seen on its own, then the fresh snapshot for verification.
        await using var agent = new AgentHubConnection(
            new Uri(portal.BaseAddress, AgentHub.Path),
            () => Task.FromResult<string?>(enrolled.Credential),
            new ReconnectBackoff(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)));
        agent.Connection.On<JobDispatch>(AgentHub.Agent.DispatchJob, async dispatch =>
        {
            string[] steps = ["plan", "apply", "reload", "verify"];
            for (var i = 0; i < steps.Length; i++)
            {
                var start = DateTimeOffset.UtcNow;
                await agent.Hub.ReportJobStep(new JobStepEvent(dispatch.JobId, i + 1, steps[i], JobStepState.Running, start, null, string.Empty, null));
                await Task.Delay(300);
                await agent.Hub.ReportJobStep(new JobStepEvent(dispatch.JobId, i + 1, steps[i], JobStepState.Succeeded, start, DateTimeOffset.UtcNow, "ok", 0));
            }

            await agent.Hub.ReportJobCompleted(new JobCompletion(dispatch.JobId, AgentJobState.Succeeded, [new SettingDiff("soft_bounce", SettingOperation.Set, "no", ["yes"], ["no"], false)], null, DateTimeOffset.UtcNow));
        });
        agent.Connection.On(AgentHub.Agent.RequestSnapshot, async () =>
        {
            var snapshot = PostconfParser.ParseSnapshot("soft_bounce = no\n", null, DateTimeOffset.UtcNow).Value with { Source = SettingsSources.Agent };
            await agent.Hub.ReportSnapshot(new AgentSnapshotReport(enrolled.AgentId, snapshot, [], null));
        });
        agent.Connected += async _ => await agent.Hub.Hello(new AgentHello(enrolled.AgentId, "test", AgentConnectorKind.Postfix, "mx.example.com", []));
        await agent.StartAsync();

        await page.WaitForSelectorAsync("[data-testid=job-steps] [data-step='plan']");
        await page.WaitForSelectorAsync("[data-testid=job][data-state='succeeded']");
        Assert.Equal(4, await page.Locator("[data-testid=job-steps] [data-step-state='succeeded']").CountAsync());
        await page.WaitForSelectorAsync("[data-testid=verification] [data-check-id='mta.bounce-hygiene'][data-status='pass']");
        Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"));
        await portal.ScreenshotAsync(page, "31-job-live");
    }

    /// <summary>A change goes through a change request: proposed by the admin, approved by a Reviewer, applied.</summary>
    private async Task<JobDto> ApplyThroughReviewAsync(HttpClient api, Guid serverId, string check)
    {
        var name = "rev" + Guid.NewGuid().ToString("N")[..8];
        var reviewer = (await (await api.PostAsJsonAsync("/api/v1/users", new { userName = name, password = "Review-Pass-2026!", roles = new[] { "Reviewer" } })).Content.ReadFromJsonAsync<BackscatterConsole.Shared.Users.UserDto>())!;
        var token = (await (await api.PostAsJsonAsync("/api/v1/tokens", new { name = "review", userId = reviewer.Id })).Content.ReadFromJsonAsync<BackscatterConsole.Shared.Tokens.CreatedApiTokenDto>())!;
        using var review = new HttpClient { BaseAddress = portal.BaseAddress };
        review.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.Token);
        var request = (await (await api.PostAsJsonAsync("/api/v1/change-requests", new { title = "Turn soft_bounce off", items = new[] { new { serverId, checkIds = new[] { check } } } })).Content.ReadFromJsonAsync<BackscatterConsole.Shared.ChangeRequests.ChangeRequestDto>())!;
        (await api.PostAsync($"/api/v1/change-requests/{request.Id}/submit", null)).EnsureSuccessStatusCode();
        (await review.PostAsync($"/api/v1/change-requests/{request.Id}/approve", null)).EnsureSuccessStatusCode();
        var applied = (await (await api.PostAsync($"/api/v1/change-requests/{request.Id}/apply", null)).Content.ReadFromJsonAsync<BackscatterConsole.Shared.ChangeRequests.ChangeRequestDto>())!;
        return (await api.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{applied.Items.Single().JobId}"))!;
    }
}
