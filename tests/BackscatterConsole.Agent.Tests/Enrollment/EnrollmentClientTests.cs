using System.Runtime.Versioning;
using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Enrollment;
using BackscatterConsole.Agent.Tests.Support;
using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Agent.Tests.Enrollment;

[UnsupportedOSPlatform("windows")]
public sealed class EnrollmentClientTests : IDisposable
{
    private readonly TempDirectory _state = new();

    public void Dispose() => _state.Dispose();

    private EnrollmentClient Client(TestHubServer server, string? token = ConsoleLog.Token, HttpClient? http = null) => new(
        http ?? new HttpClient(),
        new CredentialStore(new StateDirectory(_state.Combine("state"))),
        new AgentOptions { ServerUrl = $"http://127.0.0.1:{server.Port}/", EnrollmentToken = token, StateDirectory = _state.Combine("state"), Connector = "postfix" },
        TimeProvider.System);

    [Fact]
    public async Task EnsureEnrolledAsync_ValidToken_StoresOwnerOnlyCredentialAndReusesItAfterRestart()
    {
        var log = new ConsoleLog();
        await using var server = await FakeConsole.StartAsync(log);

        var first = await Client(server).EnsureEnrolledAsync(CancellationToken.None);
        var afterRestart = await Client(server).EnsureEnrolledAsync(CancellationToken.None);

        Assert.Equal(1, log.Enrollments);
        Assert.Equal(ConsoleLog.AgentId, first.AgentId);
        Assert.Equal(ConsoleLog.ServerId, first.ServerId);
        Assert.Equal(log.Credential, afterRestart.Credential);
        Assert.Equal(first, afterRestart);
        var request = Assert.Single(log.EnrollmentRequests);
        Assert.Equal(AgentConnectorKind.Postfix, request.Connector);
        Assert.False(string.IsNullOrEmpty(request.HostName));
        var file = _state.Combine("state", CredentialStore.FileName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_state.Combine("state")));
        Assert.Contains(log.Credential, await File.ReadAllTextAsync(file), StringComparison.Ordinal);
        Assert.DoesNotContain(log.Credential, first.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureEnrolledAsync_TokenAlreadyUsed_ThrowsWithConsolesReasonAndStoresNothing()
    {
        var log = new ConsoleLog { TokenSpent = true };
        await using var server = await FakeConsole.StartAsync(log);

        var exception = await Assert.ThrowsAsync<EnrollmentException>(() => Client(server).EnsureEnrolledAsync(CancellationToken.None));

        Assert.Contains("401", exception.Message, StringComparison.Ordinal);
        Assert.Contains("already used", exception.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_state.Combine("state", CredentialStore.FileName)));
    }

    [Fact]
    public async Task EnsureEnrolledAsync_NoTokenAndNoCredential_ThrowsSayingWhichSettingToSet()
    {
        await using var server = await FakeConsole.StartAsync(new ConsoleLog());

        var exception = await Assert.ThrowsAsync<EnrollmentException>(() => Client(server, token: null).EnsureEnrolledAsync(CancellationToken.None));

        Assert.Contains("Agent:EnrollmentToken", exception.Message, StringComparison.Ordinal);
    }
}
