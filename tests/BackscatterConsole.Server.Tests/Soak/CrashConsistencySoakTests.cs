using BackscatterConsole.Soak;
using Xunit.Abstractions;

namespace BackscatterConsole.Server.Tests.Soak;

/// <summary>
/// The crash-consistency soak of <c>tests/BackscatterConsole.Soak</c> (its code is linked here, not copied), ten cycles on
/// each storage provider: the built console and the built agent as processes of their own, a real Postfix on loopback,
/// and in every cycle but one a SIGKILL of the console, the agent or both (on PostgreSQL also a crash-like restart of the
/// database server) at a random moment. Every invariant of the soak is checked after every cycle; see the soak's README.
/// Both tests are in one class so that they run one after the other, not side by side.
/// </summary>
public sealed class CrashConsistencySoakTests(ITestOutputHelper output)
{
    [Fact]
    public Task Soak_TenCyclesOnSqlite_EveryInvariantHolds() => RunAsync(SoakProvider.Sqlite);

    [Fact]
    public Task Soak_TenCyclesOnPostgres_EveryInvariantHolds() => RunAsync(SoakProvider.Postgres);

    private async Task RunAsync(SoakProvider provider)
    {
        using var log = new StringWriter();
        SoakReport report;
        try
        {
            report = await SoakRun.RunAsync(SoakOptions.Short(provider), log, CancellationToken.None);
        }
        finally
        {
            output.WriteLine(log.ToString());
        }

        output.WriteLine(report.ToString());
        Assert.True(report.Violations.Count == 0 && report.StoppedBecause is null, report.ToString());
        Assert.Equal(10, report.Cycles.Count);
    }
}
