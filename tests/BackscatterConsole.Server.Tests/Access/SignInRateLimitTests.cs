using System.Net;
using BackscatterConsole.Server.Tests.Infrastructure;

namespace BackscatterConsole.Server.Tests.Access;

public sealed class SignInRateLimitTests : IDisposable
{
    private readonly AppFactory _factory = new() { Settings = new() { ["SignInRateLimit:PermitLimit"] = "3", ["SignInRateLimit:Window"] = "00:10:00" } };

    [Fact]
    public async Task SignIn_TooManyPostsFromOneClient_Returns429EvenForOtherAccounts()
    {
        using var session = new PortalSession(_factory);
        for (var i = 0; i < 3; i++)
        {
            var attempt = await session.SubmitAsync("/account/login", "login", new() { ["Input.UserName"] = $"guess{i}", ["Input.Password"] = "Wrong-Pass-1!" });
            Assert.Equal(HttpStatusCode.OK, attempt.StatusCode);
        }

        var limited = await session.SubmitAsync("/account/login", "login", new() { ["Input.UserName"] = "admin", ["Input.Password"] = AppFactory.AdminPassword });

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/account/login")).StatusCode);
    }

    public void Dispose() => _factory.Dispose();
}
