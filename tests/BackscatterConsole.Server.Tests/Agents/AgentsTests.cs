using System.Net;
using System.Net.Http.Json;
using BackscatterConsole.Agent.Transport;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Servers;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Server.Tests.Agents;

/// <summary>Enrollment, presence and revocation with the real server on Kestrel and the agent's own hub connection.</summary>
public sealed class AgentsTests : IAsyncLifetime
{
    private KestrelApp _app = default!;
    private HttpClient _api = default!;
    private Uri _baseAddress = default!;

    public Task InitializeAsync()
    {
        _app = KestrelApp.Start();
        _api = _app.Api;
        _baseAddress = _app.BaseAddress;
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Enrollment_TokenWorksOnceAndOnlyWhileValid()
    {
        var server = await CreateServerAsync();
        var created = await _api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/agent-enrollments", new { expiresInMinutes = 30 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var enrollment = (await created.Content.ReadFromJsonAsync<AgentEnrollmentDto>())!;
        Assert.StartsWith("bsce_", enrollment.Token, StringComparison.Ordinal);
        Assert.InRange(enrollment.ExpiresAt, DateTime.UtcNow.AddMinutes(29), DateTime.UtcNow.AddMinutes(31));

        using var anonymous = new HttpClient { BaseAddress = _baseAddress };
        var first = await anonymous.PostAsJsonAsync(AgentHub.EnrollPath, Request(enrollment.Token));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var response = (await first.Content.ReadFromJsonAsync<EnrollmentResponse>())!;
        Assert.Equal(server.Id, response.ServerId);
        Assert.Equal(AgentHub.Path, response.HubPath);
        Assert.StartsWith("bsca_", response.Credential, StringComparison.Ordinal);

        var reused = await anonymous.PostAsJsonAsync(AgentHub.EnrollPath, Request(enrollment.Token));
        var forged = await anonymous.PostAsJsonAsync(AgentHub.EnrollPath, Request("bsce_" + new string('x', 43)));
        Assert.Equal(HttpStatusCode.Unauthorized, reused.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(await reused.Content.ReadFromJsonAsync<ProblemBody>() is { } a ? a.Detail : null, (await forged.Content.ReadFromJsonAsync<ProblemBody>())!.Detail);

        var status = await _api.GetFromJsonAsync<AgentStatusDto>($"/api/v1/servers/{server.Id}/agent");
        Assert.Equal(AgentStatusDto.NeverConnected, status!.Status);
        Assert.Equal(response.AgentId, status.AgentId);
        Assert.Equal("postfix", status.Connector);

        var audit = await _api.GetFromJsonAsync<PagedResult<AuditEntryDto>>("/api/v1/audit?objectType=agent");
        Assert.Contains(audit!.Items, e => e.Action == AuditActions.AgentEnrolled);
        Assert.Equal(2, audit.Items.Count(e => e.Action == AuditActions.AgentEnrollmentRefused));
    }

    [Fact]
    public async Task Enrollment_ExpiredToken_IsRefused()
    {
        var server = await CreateServerAsync();
        var enrollment = (await (await _api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/agent-enrollments", new { })).Content.ReadFromJsonAsync<AgentEnrollmentDto>())!;
        await using (var scope = _app.Factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await db.AgentEnrollments.Where(e => e.ServerId == server.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.ExpiresAt, DateTime.UtcNow.AddSeconds(-1)));
        }

        using var anonymous = new HttpClient { BaseAddress = _baseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync(AgentHub.EnrollPath, Request(enrollment.Token))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.PostAsJsonAsync(AgentHub.EnrollPath, new { token = "", hostName = "", connector = "postfix", agentVersion = "" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/agent-enrollments", new { expiresInMinutes = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.PostAsJsonAsync($"/api/v1/servers/{Guid.NewGuid()}/agent-enrollments", new { })).StatusCode);
    }

    [Fact]
    public async Task Hub_AgentSaysHelloAndIsOnline_RevocationDisconnectsItAtOnce()
    {
        var server = await CreateServerAsync();
        var enrolled = await EnrollAsync(server.Id);
        await using var client = Client(enrolled.Credential);
        await client.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await client.WaitForConnectedAsync(timeout.Token);

        var welcome = await client.Hub.Hello(new AgentHello(enrolled.AgentId, "1.2.3", AgentConnectorKind.Postfix, "mx1.example.com", []));
        await client.Connection.InvokeAsync(AgentHub.Server.Heartbeat, new AgentHeartbeat(enrolled.AgentId, DateTimeOffset.UtcNow, null), timeout.Token);

        Assert.Equal(TimeSpan.FromSeconds(30), welcome!.HeartbeatInterval);
        var online = await _api.GetFromJsonAsync<AgentStatusDto>($"/api/v1/servers/{server.Id}/agent");
        Assert.Equal(AgentStatusDto.Online, online!.Status);
        Assert.Equal("1.2.3", online.Version);
        Assert.Equal("mx1.example.com", online.HostName);
        Assert.NotNull(online.LastSeenAt);

        Assert.Equal(HttpStatusCode.NoContent, (await _api.DeleteAsync($"/api/v1/servers/{server.Id}/agent")).StatusCode);

        await WaitUntilAsync(() => !client.IsConnected, timeout.Token);
        var offline = await _api.GetFromJsonAsync<AgentStatusDto>($"/api/v1/servers/{server.Id}/agent");
        Assert.Equal(AgentStatusDto.NeverConnected, offline!.Status);
        Assert.Null(offline.AgentId);

        // The credential is dead: the client's next attempt is refused with 401, and it stops for good.
        var refusal = await client.CredentialRefused.WaitAsync(timeout.Token);
        Assert.True(AgentHubConnection.IsCredentialRefused(refusal));
        Assert.False(client.IsConnected);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.DeleteAsync($"/api/v1/servers/{server.Id}/agent")).StatusCode);
    }

    [Fact]
    public async Task Hub_AgentClaimingAnotherIdentity_IsDisconnectedAndAudited()
    {
        var server = await CreateServerAsync();
        var enrolled = await EnrollAsync(server.Id);
        await using var client = Client(enrolled.Credential);
        await client.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await client.WaitForConnectedAsync(timeout.Token);

        await Assert.ThrowsAnyAsync<Exception>(() => client.Hub.Hello(new AgentHello(Guid.NewGuid(), "1.0", AgentConnectorKind.Postfix, "evil", [])));

        var audit = await _api.GetFromJsonAsync<PagedResult<AuditEntryDto>>($"/api/v1/audit?action={AuditActions.AgentIdentityMismatch}");
        Assert.Single(audit!.Items);
    }

    [Fact]
    public async Task Hub_ForgedCredential_CannotConnect()
    {
        await using var client = Client("bsca_" + new string('y', 43));
        await client.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));

        var refusal = await client.CredentialRefused.WaitAsync(timeout.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, Assert.IsType<HttpRequestException>(refusal).StatusCode);
        Assert.False(client.IsConnected);
        Assert.Contains("401", client.LastError ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enrollment_OfASecondAgent_RetiresAndDisconnectsTheFirst()
    {
        var server = await CreateServerAsync();
        var first = await EnrollAsync(server.Id);
        await using var client = Client(first.Credential);
        await client.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await client.WaitForConnectedAsync(timeout.Token);

        var second = await EnrollAsync(server.Id);

        await WaitUntilAsync(() => !client.IsConnected, timeout.Token);
        var status = await _api.GetFromJsonAsync<AgentStatusDto>($"/api/v1/servers/{server.Id}/agent");
        Assert.Equal(second.AgentId, status!.AgentId);
        await client.CredentialRefused.WaitAsync(timeout.Token);
    }

    [Fact]
    public async Task SnapshotRequest_ReachesTheConnectedAgent_RefusedWhenOfflineOrNotEnrolled()
    {
        var server = await CreateServerAsync();
        var path = $"/api/v1/servers/{server.Id}/agent/snapshot-requests";
        var none = await _api.PostAsync(path, null);
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Contains("no enrolled agent", (await none.Content.ReadFromJsonAsync<ProblemBody>())!.Detail, StringComparison.Ordinal);

        var enrolled = await EnrollAsync(server.Id);
        var offline = await _api.PostAsync(path, null);
        Assert.Equal(HttpStatusCode.Conflict, offline.StatusCode);
        Assert.Contains("not connected", (await offline.Content.ReadFromJsonAsync<ProblemBody>())!.Detail, StringComparison.Ordinal);

        var requested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = Client(enrolled.Credential);
        client.Connection.On(AgentHub.Agent.RequestSnapshot, () => requested.TrySetResult());
        await client.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await client.WaitForConnectedAsync(timeout.Token);

        var accepted = await _api.PostAsync(path, null);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal($"/api/v1/servers/{server.Id}/settings-snapshots/latest", accepted.Headers.Location?.ToString());
        await requested.Task.WaitAsync(timeout.Token);
        var audit = await _api.GetFromJsonAsync<PagedResult<AuditEntryDto>>($"/api/v1/audit?action={AuditActions.AgentSnapshotRequested}&objectId={server.Id}");
        Assert.Single(audit!.Items);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.PostAsync($"/api/v1/servers/{Guid.NewGuid()}/agent/snapshot-requests", null)).StatusCode);
    }

    [Fact]
    public async Task Hub_MalformedMailboxFacts_AreRefusedWholeAndNothingIsStored()
    {
        var server = await CreateServerAsync();
        var enrolled = await EnrollAsync(server.Id);
        await using var client = Client(enrolled.Credential);
        await client.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await client.WaitForConnectedAsync(timeout.Token);
        var snapshot = Domain.Settings.PostconfParser.ParseSnapshot("soft_bounce = no\n", null, DateTimeOffset.UtcNow).Value with
        {
            Source = Shared.Settings.SettingsSources.Agent,
            Mailboxes = new Shared.Settings.MailboxFacts(DateTimeOffset.UtcNow, "hash:/etc/postfix/disabled", [new Shared.Settings.DisabledMailboxInfo("gone@example.org", "disabled", null!)], false, null),
        };

        var refused = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() =>
            client.Connection.InvokeAsync(AgentHub.Server.ReportSnapshot, new AgentSnapshotReport(enrolled.AgentId, snapshot, [], null), timeout.Token));

        Assert.Contains("every disabled mailbox a name, a status and its addresses", refused.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetAsync($"/api/v1/servers/{server.Id}/settings-snapshots/latest")).StatusCode);
        Assert.True(client.IsConnected);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static EnrollmentRequest Request(string token) => KestrelApp.EnrollmentRequest(token);

    private AgentHubConnection Client(string credential) => _app.AgentConnection(credential);

    private Task<ServerDto> CreateServerAsync() => _app.CreateServerAsync();

    private Task<EnrollmentResponse> EnrollAsync(Guid serverId) => _app.EnrollAsync(serverId);

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(50, cancellationToken);
        }
    }

    private sealed record ProblemBody(string? Title, string? Detail);
}
