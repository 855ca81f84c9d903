using System.Net;
using System.Text.RegularExpressions;
using BackscatterConsole.Server.Tests.Infrastructure;

namespace BackscatterConsole.Server.Tests.Hosting;

/// <summary>The Scalar API reference at /api/docs: signed-in users only, local assets, its own CSP on its own paths.</summary>
public sealed partial class ApiReferenceTests(AppFactory factory) : IClassFixture<AppFactory>
{
    // The page needs a signed-in user. Scalar's script bundle stays public: it is the same library for everyone and
    // holds nothing of ours (and the OpenAPI document was public at /openapi/v1.json already).
    [Theory]
    [InlineData("/api/docs")]
    [InlineData("/api/docs/")]
    [InlineData("/api/docs/v1")]
    public async Task ApiReference_AnonymousBrowser_IsSentToSignIn(string url)
    {
        using var anonymous = new PortalSession(factory);

        var response = await anonymous.GetAsync(url);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login?ReturnUrl=", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiReference_AnonymousScript_IsRefusedWith401()
    {
        using var client = factory.CreateApiClient(token: null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/docs/");
        request.Headers.Add("X-Requested-With", "XMLHttpRequest");

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ApiReference_SignedIn_ServesThePageAndItsScriptsLocallyUnderANonce()
    {
        using var session = await PortalSession.SignInAsync(factory, "admin", AppFactory.AdminPassword);

        var response = await session.GetAsync("/api/docs/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        var nonce = Nonce().Match(csp).Groups[1].Value;
        Assert.NotEmpty(nonce);
        Assert.DoesNotContain("'unsafe-inline'", csp.Split(';').Single(d => d.Trim().StartsWith("script-src", StringComparison.Ordinal)), StringComparison.Ordinal);
        var scripts = ScriptTag().Matches(html);
        Assert.NotEmpty(scripts);
        Assert.All(scripts, s => Assert.Contains($"nonce=\"{nonce}\"", s.Value, StringComparison.Ordinal));
        Assert.DoesNotMatch("(src|href)=\"https?:", html);

        var script = await session.GetAsync("/api/docs/scalar.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.True((await script.Content.ReadAsByteArrayAsync()).Length > 100_000, "scalar.js is Scalar's bundle, embedded in the package.");
    }

    [Fact]
    public async Task PortalPages_KeepTheStrictPolicy()
    {
        using var anonymous = new PortalSession(factory);

        var response = await anonymous.GetAsync("/account/login");

        // Portal pages: scripts only from the console itself, no nonce (MudBlazor needs inline styles, not scripts).
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("nonce-", csp, StringComparison.Ordinal);
    }

    [GeneratedRegex("script-src[^;]*'nonce-([A-Za-z0-9_-]+)'")]
    private static partial Regex Nonce();

    [GeneratedRegex("<script[^>]*>")]
    private static partial Regex ScriptTag();
}
