using BackscatterConsole.Domain.Tests.Fixtures;
using BackscatterConsole.Server.Tests.Infrastructure;

namespace BackscatterConsole.Server.Tests.Posture;

/// <summary>A real knotd serving the test zones, and the server configured to resolve through it (Dns:Servers).</summary>
public sealed class PostureFixture : IAsyncLifetime
{
    public KnotFixture Knot { get; } = new();

    public AppFactory App { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        await Knot.InitializeAsync();
        App = new AppFactory { Settings = new() { ["Dns:Servers:0"] = Knot.Endpoint, ["Dns:Timeout"] = "00:00:02" } };
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Knot.DisposeAsync();
    }
}
