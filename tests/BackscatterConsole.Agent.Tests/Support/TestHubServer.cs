using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BackscatterConsole.Agent.Tests.Support;

/// <summary>ASP.NET Core with SignalR on Kestrel at 127.0.0.1, on a free port or a given one (to restart "the same server").</summary>
public sealed class TestHubServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestHubServer(WebApplication app)
    {
        _app = app;
    }

    public int Port { get; private set; }

    public IServiceProvider Services => _app.Services;

    public static async Task<TestHubServer> StartAsync(int port = 0, Action<WebApplication>? map = null, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Services.AddSignalR(o => o.EnableDetailedErrors = false);
        configure?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseWebSockets();
        map?.Invoke(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new TestHubServer(app) { Port = new Uri(address).Port };
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
