using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BackscatterConsole.Agent.Tests.Support;

/// <summary>What the test hub saw.</summary>
public sealed class HubLog
{
    public ConcurrentQueue<string> ConnectionIds { get; } = new();

    public ConcurrentQueue<string?> AccessTokens { get; } = new();

    public ConcurrentQueue<string?> AuthorizationHeaders { get; } = new();

    public ConcurrentQueue<string> Notes { get; } = new();
}

/// <summary>A tiny hub with the shapes the agents hub will use: calls with results, a failing call, a fire-and-forget report.</summary>
public sealed class TestHub(HubLog log) : Hub
{
    public override Task OnConnectedAsync()
    {
        var http = Context.GetHttpContext()!;
        log.ConnectionIds.Enqueue(Context.ConnectionId);
        log.AccessTokens.Enqueue(http.Request.Query["access_token"].ToString());
        log.AuthorizationHeaders.Enqueue(http.Request.Headers.Authorization.ToString());
        return base.OnConnectedAsync();
    }

    public string Echo(string text) => "echo: " + text;

    public int Add(int left, int right) => left + right;

    public void Fail() => throw new HubException("the hub refused this");

    public void Note(string text) => log.Notes.Enqueue(text);
}

/// <summary>ASP.NET Core with SignalR on Kestrel at 127.0.0.1, on a free port or a given one (to restart "the same server").</summary>
public sealed class TestHubServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestHubServer(WebApplication app, HubLog log)
    {
        _app = app;
        Log = log;
    }

    public HubLog Log { get; }

    public int Port { get; private set; }

    public Uri HubUrl => new($"http://127.0.0.1:{Port}/hubs/test");

    public IServiceProvider Services => _app.Services;

    public IHubContext<TestHub> HubContext => _app.Services.GetRequiredService<IHubContext<TestHub>>();

    public static async Task<TestHubServer> StartAsync(int port = 0, HubLog? log = null, Action<WebApplication>? map = null, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        log ??= new HubLog();
        builder.Services.AddSingleton(log);
        builder.Services.AddSignalR(o => o.EnableDetailedErrors = false);
        configure?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseWebSockets();
        app.MapHub<TestHub>("/hubs/test");
        map?.Invoke(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new TestHubServer(app, log) { Port = new Uri(address).Port };
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
