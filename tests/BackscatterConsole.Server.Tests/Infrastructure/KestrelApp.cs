using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using BackscatterConsole.Agent.Transport;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Servers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Server.Tests.Infrastructure;

/// <summary>The server on real Kestrel (loopback, free port), so the agent's own hub connection can connect to it.</summary>
public sealed class KestrelApp : IAsyncDisposable
{
    private KestrelApp(AppFactory factory, Uri baseAddress)
    {
        Factory = factory;
        BaseAddress = baseAddress;
        Api = new HttpClient { BaseAddress = baseAddress };
        Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AppFactory.AdminToken);
    }

    public AppFactory Factory { get; }

    public Uri BaseAddress { get; }

    /// <summary>An Admin API client.</summary>
    public HttpClient Api { get; }

    /// <summary>Starts the server; a restart test passes the same data directory and port twice and keeps the data.</summary>
    public static KestrelApp Start(Dictionary<string, string?>? settings = null, string? dataDirectory = null, int port = 0, bool keepData = false, TimeProvider? clock = null)
    {
        var factory = dataDirectory is null
            ? new AppFactory { Settings = settings ?? [], DeleteDataOnDispose = !keepData, Clock = clock }
            : new AppFactory { Settings = settings ?? [], DataDirectory = dataDirectory, DeleteDataOnDispose = !keepData, Clock = clock };
        factory.UseKestrel(options => options.Listen(IPAddress.Loopback, port));
        factory.StartServer();
        var address = new Uri(factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        // Clients the factory creates (PortalSession) must talk to the Kestrel port, not the in-memory default.
        factory.ClientOptions.BaseAddress = address;
        return new KestrelApp(factory, address);
    }

    /// <summary>A loopback port that was free a moment ago, for a server that must come back on the same address.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static EnrollmentRequest EnrollmentRequest(string token) => new(token, "mx1.example.com", AgentConnectorKind.Postfix, "1.0.0", "Debian 12");

    public async Task<ServerDto> CreateServerAsync(string platform = "postfix")
    {
        var response = await Api.PostAsJsonAsync("/api/v1/servers", new { name = "agent-" + Guid.NewGuid().ToString("N")[..6], hostname = "mx1.example.com", platform });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ServerDto>())!;
    }

    public async Task<EnrollmentResponse> EnrollAsync(Guid serverId)
    {
        var enrollment = (await (await Api.PostAsJsonAsync($"/api/v1/servers/{serverId}/agent-enrollments", new { })).Content.ReadFromJsonAsync<AgentEnrollmentDto>())!;
        using var anonymous = new HttpClient { BaseAddress = BaseAddress };
        var response = await anonymous.PostAsJsonAsync(AgentHub.EnrollPath, EnrollmentRequest(enrollment.Token));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<EnrollmentResponse>())!;
    }

    /// <summary>
    /// Gets a settings change to the server the only way there is: a change request by the admin, approved by a second
    /// person (a Reviewer made for the purpose), then applied. Returns the job the apply created.
    /// </summary>
    public async Task<Shared.Jobs.JobDto> ApplyThroughChangeRequestAsync(Guid serverId, IReadOnlyList<string> checkIds)
    {
        var name = "rev" + Guid.NewGuid().ToString("N")[..8];
        var user = (await (await Api.PostAsJsonAsync("/api/v1/users", new { userName = name, password = "Review-Pass-2026!", roles = new[] { "Reviewer" } })).Content.ReadFromJsonAsync<Shared.Users.UserDto>())!;
        var token = (await (await Api.PostAsJsonAsync("/api/v1/tokens", new { name = "review", userId = user.Id })).Content.ReadFromJsonAsync<Shared.Tokens.CreatedApiTokenDto>())!;
        using var reviewer = new HttpClient { BaseAddress = BaseAddress };
        reviewer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);

        var created = await Api.PostAsJsonAsync("/api/v1/change-requests", new { title = "Fix " + string.Join(", ", checkIds), items = new[] { new { serverId, checkIds } } });
        var request = (await created.Content.ReadFromJsonAsync<Shared.ChangeRequests.ChangeRequestDto>())!;
        (await Api.PostAsync($"/api/v1/change-requests/{request.Id}/submit", null)).EnsureSuccessStatusCode();
        (await reviewer.PostAsync($"/api/v1/change-requests/{request.Id}/approve", null)).EnsureSuccessStatusCode();
        var applied = await Api.PostAsync($"/api/v1/change-requests/{request.Id}/apply", null);
        applied.EnsureSuccessStatusCode();
        var jobId = (await applied.Content.ReadFromJsonAsync<Shared.ChangeRequests.ChangeRequestDto>())!.Items.Single().JobId!.Value;
        return (await Api.GetFromJsonAsync<Shared.Jobs.JobDto>($"/api/v1/jobs/{jobId}"))!;
    }

    /// <summary>The agent's real hub connection, retrying quickly so tests do not wait on backoff.</summary>
    public AgentHubConnection AgentConnection(string credential) => new(
        new Uri(BaseAddress, AgentHub.Path),
        () => Task.FromResult<string?>(credential),
        new ReconnectBackoff(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)));

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            await Task.Delay(100, cts.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await Factory.DisposeAsync();
    }
}
