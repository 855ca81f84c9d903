using System.Net;
using System.Text.Json;
using BackscatterConsole.Server.Tests.Infrastructure;

namespace BackscatterConsole.Server.Tests.Hosting;

public sealed class HostingTests(AppFactory factory) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task Healthz_Anonymous_Returns200()
    {
        using var client = factory.CreateApiClient(token: null);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task Readyz_DatabaseGone_Returns503()
    {
        using var broken = new AppFactory();
        using var client = broken.CreateApiClient(token: null);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(broken.DataDirectory, "*.db*"))
        {
            File.Delete(file);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesEveryApiPathWithBearerSecurity()
    {
        using var client = factory.CreateApiClient(token: null);
        var json = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement;

        var paths = json.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var path in new[] { "/api/v1/servers", "/api/v1/servers/{id}", "/api/v1/users", "/api/v1/users/{id}", "/api/v1/tokens", "/api/v1/tokens/{id}", "/api/v1/account", "/api/v1/account/password" })
        {
            Assert.Contains(path, paths);
        }

        Assert.True(json.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("bearer", out _));
        var create = json.GetProperty("paths").GetProperty("/api/v1/servers").GetProperty("post");
        Assert.True(create.GetProperty("responses").TryGetProperty("409", out _));
        Assert.True(create.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.Contains("ServerDto", create.GetProperty("responses").GetProperty("201").ToString(), StringComparison.Ordinal);

        // Every operation documents its success response, not only its errors.
        foreach (var path in json.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var codes = operation.Value.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
                Assert.True(codes.Any(c => c.StartsWith('2')), $"{operation.Name.ToUpperInvariant()} {path.Name} documents no success response");
            }
        }
    }

    [Fact]
    public async Task Pages_CarrySecurityHeadersWithStrictCsp()
    {
        using var client = factory.CreateApiClient(token: null);
        var response = await client.GetAsync("/account/login");

        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        // MudBlazor positions popovers with style attributes and writes its palette in a <style> element: styles may be
        // inline, scripts may not.
        Assert.Contains("style-src 'self' 'unsafe-inline'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src 'self' 'unsafe-inline'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FormPost_WithoutAntiforgeryToken_IsRejected()
    {
        using var session = new PortalSession(factory);
        var response = await session.PostFormAsync("/account/login", new() { ["_handler"] = "login", ["Input.UserName"] = "admin", ["Input.Password"] = AppFactory.AdminPassword });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await session.GetAsync("/servers")).StatusCode);
    }

    [Fact]
    public async Task StaticAssets_AreServedFromTheTopLevelWebRoot()
    {
        using var client = factory.CreateApiClient(token: null);
        // Ours from the top-level web root, MudBlazor's and Blazor's from their packages' static web assets.
        foreach (var asset in new[] { "/css/app.css", "/lib/roboto/400.css", "/favicon.svg", "/_content/MudBlazor/MudBlazor.min.css", "/_content/MudBlazor/MudBlazor.min.js", "/_framework/blazor.web.js" })
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(asset)).StatusCode);
        }
    }
}
