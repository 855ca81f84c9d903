using BackscatterConsole.Domain.Tests.Fixtures;

namespace BackscatterConsole.Client.Tests.Support;

/// <summary>The console resolving DNS through a real knotd that serves the test zones (good.test, plusall.test, ...).</summary>
public sealed class PostureHost : ConsoleHost, IAsyncLifetime
{
    private readonly KnotFixture _knot = new();

    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Dns:Servers:0", _knot.Endpoint)];

    public Task InitializeAsync() => _knot.InitializeAsync();

    Task IAsyncLifetime.DisposeAsync() => _knot.DisposeAsync();
}
