using System.Net;
using System.Text;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Server.Tests.Access;

/// <summary>
/// Calls every API endpoint as anonymous, as a user without roles and as each role, and every portal page as
/// each role. A new endpoint without a row here fails the test, so nobody adds one without deciding who may call it.
/// </summary>
public sealed class AuthorizationMatrixTests(AppFactory factory) : IClassFixture<AppFactory>
{
    private const string NoRole = "(no role)";

    // Agents enroll before they have any credential: the one-time token in the body is what authenticates them.
    private const string Anonymous = "(anonymous)";
    private static readonly string[] Everyone = [Roles.Admin, Roles.Operator, Roles.Reviewer, Roles.Viewer, NoRole];
    private static readonly string[] Readers = [Roles.Admin, Roles.Operator, Roles.Reviewer, Roles.Viewer];
    private static readonly string[] Writers = [Roles.Admin, Roles.Operator];
    private static readonly string[] Admins = [Roles.Admin];
    private static readonly string[] Auditors = [Roles.Admin, Roles.Reviewer];

    private static readonly Dictionary<string, string[]> ApiMatrix = new()
    {
        ["GET /api/v1/servers"] = Readers,
        ["GET /api/v1/servers/{id:guid}"] = Readers,
        ["POST /api/v1/servers"] = Writers,
        ["PUT /api/v1/servers/{id:guid}"] = Writers,
        ["DELETE /api/v1/servers/{id:guid}"] = Writers,
        ["GET /api/v1/users"] = Admins,
        ["GET /api/v1/users/{id:guid}"] = Admins,
        ["POST /api/v1/users"] = Admins,
        ["PUT /api/v1/users/{id:guid}"] = Admins,
        ["GET /api/v1/tokens"] = Everyone,
        ["GET /api/v1/tokens/{id:guid}"] = Everyone,
        ["POST /api/v1/tokens"] = Everyone,
        ["DELETE /api/v1/tokens/{id:guid}"] = Everyone,
        ["GET /api/v1/account"] = Everyone,
        ["POST /api/v1/account/password"] = Everyone,
        ["GET /api/v1/account/preferences"] = Everyone,
        ["PUT /api/v1/account/preferences"] = Everyone,
        ["POST /api/v1/servers/tags"] = Writers,
        ["POST /api/v1/servers/{id:guid}/scans"] = Writers,
        ["GET /api/v1/servers/{id:guid}/scans"] = Readers,
        ["GET /api/v1/servers/{id:guid}/checklist"] = Readers,
        ["POST /api/v1/scans"] = Writers,
        ["GET /api/v1/scans/{scanId:guid}"] = Readers,
        ["POST /api/v1/scans/{scanId:guid}/cancel"] = Writers,
        ["POST /api/v1/servers/{id:guid}/settings-snapshots"] = Writers,
        ["GET /api/v1/servers/{id:guid}/settings-snapshots/latest"] = Readers,
        ["POST /api/v1/spf/evaluate"] = Readers,
        ["POST /api/v1/dns-checks"] = Readers,
        ["GET /api/v1/servers/{id:guid}/posture"] = Readers,
        ["GET /api/v1/audit"] = Auditors,
        ["GET /api/v1/audit/verify"] = Auditors,
        ["GET /api/v1/audit/export"] = Auditors,
        ["POST /api/v1/servers/{id:guid}/agent-enrollments"] = Writers,
        ["GET /api/v1/servers/{id:guid}/agent"] = Readers,
        ["DELETE /api/v1/servers/{id:guid}/agent"] = Writers,
        ["POST /api/v1/servers/{id:guid}/agent/snapshot-requests"] = Writers,
        ["POST /api/v1/agents/enroll"] = [Anonymous, .. Everyone],
        ["POST /api/v1/jobs"] = Writers,
        ["GET /api/v1/jobs/{id:guid}"] = Readers,
        ["POST /api/v1/jobs/{id:guid}/cancel"] = Writers,
        ["GET /api/v1/servers/{id:guid}/jobs"] = Readers,
        ["GET /api/v1/servers/{id:guid}/jobs/fixable"] = Readers,
        ["GET /api/v1/change-requests"] = Readers,
        ["GET /api/v1/change-requests/{id:guid}"] = Readers,
        ["POST /api/v1/change-requests"] = Writers,
        ["PUT /api/v1/change-requests/{id:guid}"] = Writers,
        ["POST /api/v1/change-requests/{id:guid}/submit"] = Writers,
        ["POST /api/v1/change-requests/{id:guid}/approve"] = Auditors,
        ["POST /api/v1/change-requests/{id:guid}/reject"] = Auditors,
        ["POST /api/v1/change-requests/{id:guid}/withdraw"] = Writers,
        ["POST /api/v1/change-requests/{id:guid}/apply"] = Writers,
        ["POST /api/v1/change-requests/{id:guid}/comments"] = Readers,
        ["GET /api/v1/servers/{id:guid}/bounce-emission"] = Readers,
        ["GET /api/v1/servers/{id:guid}/bounce-emission/causes"] = Readers,
        ["GET /api/v1/fleet/summary"] = Readers,
        ["GET /api/v1/fleet/trends"] = Readers,
        ["GET /api/v1/alerts"] = Readers,
        ["GET /api/v1/alerts/webhook"] = Admins,
        ["PUT /api/v1/alerts/webhook"] = Admins,
    };

    private static readonly Dictionary<string, string[]> PageMatrix = new()
    {
        ["/"] = Readers,
        ["/servers"] = Readers,
        ["/servers/new"] = Writers,
        ["/users"] = Admins,
        ["/users/{userId}"] = Admins,
        ["/account/tokens"] = Everyone,
        ["/account/password"] = Everyone,
        ["/servers/{serverId}"] = Readers,
        ["/servers/{serverId}/settings"] = Readers,
        ["/servers/{serverId}/edit"] = Writers,
        ["/servers/{serverId}/delete"] = Writers,
        ["/servers/{serverId}/posture"] = Readers,
        ["/scans/{scanId}"] = Readers,
        ["/posture"] = Readers,
        ["/posture/spf"] = Readers,
        ["/audit"] = Auditors,
        ["/audit/export"] = Auditors,
        ["/change-requests"] = Readers,
        ["/servers/{serverId}/agent"] = Readers,
        ["/change-requests/new"] = Writers,
    };

    [Fact]
    public void ApiMatrix_CoversEveryApiEndpoint()
    {
        var endpoints = ApiEndpoints().Select(e => e.Key).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(ApiMatrix.Keys.Order(StringComparer.Ordinal), endpoints);
    }

    [Fact]
    public async Task EveryApiEndpoint_AnswersEachCallerAsTheMatrixSays()
    {
        var callers = new Dictionary<string, HttpClient> { [Anonymous] = factory.CreateApiClient(token: null) };
        foreach (var role in Everyone)
        {
            callers[role] = (await factory.CreateUserAsync(role == NoRole ? [] : [role])).Api;
        }

        var failures = new List<string>();
        foreach (var (endpoint, allowed) in ApiMatrix)
        {
            var method = endpoint[..endpoint.IndexOf(' ', StringComparison.Ordinal)];
            var path = endpoint[(method.Length + 1)..].Replace("{id:guid}", Guid.NewGuid().ToString(), StringComparison.Ordinal).Replace("{scanId:guid}", Guid.NewGuid().ToString(), StringComparison.Ordinal);
            foreach (var (caller, client) in callers)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (method is "POST" or "PUT")
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                    request.Headers.TryAddWithoutValidation("If-Match", "*");
                }

                var response = await client.SendAsync(request);
                var status = (int)response.StatusCode;
                var expected = allowed.Contains(caller) ? "not 401/403" : caller == Anonymous ? "401" : "403";
                var ok = expected switch
                {
                    "401" => status == 401,
                    "403" => status == 403,
                    _ => status is not (401 or 403),
                };
                if (!ok)
                {
                    failures.Add($"{endpoint} as {caller}: got {status}, expected {expected}");
                }
                else if (status is 401 or 403)
                {
                    Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task EveryPortalPage_AnswersEachRoleAsTheMatrixSays()
    {
        var failures = new List<string>();
        using var admin = factory.CreateApiClient();
        var server = await ScanApi.CreateServerAsync(admin);
        var scanId = await ScanApi.StartAsync(admin, server.Id);
        using var someone = await factory.CreateUserAsync(Roles.Viewer);
        string Url(string page) => page.Replace("{serverId}", server.Id.ToString(), StringComparison.Ordinal).Replace("{scanId}", scanId.ToString(), StringComparison.Ordinal)
            .Replace("{userId}", someone.Id.ToString(), StringComparison.Ordinal);
        using var anonymous = new PortalSession(factory);
        foreach (var page in PageMatrix.Keys)
        {
            var response = await anonymous.GetAsync(Url(page));
            if (response.StatusCode != HttpStatusCode.Redirect || !response.Headers.Location!.ToString().Contains("/account/login", StringComparison.Ordinal))
            {
                failures.Add($"{page} as anonymous: {response.StatusCode} {response.Headers.Location}");
            }
        }

        foreach (var role in Everyone)
        {
            using var user = await factory.CreateUserAsync(role == NoRole ? [] : [role]);
            using var session = await PortalSession.SignInAsync(factory, user.UserName, user.Password);
            foreach (var (page, allowed) in PageMatrix)
            {
                var response = await session.GetAsync(Url(page));
                var denied = response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.ToString().Contains("/account/access-denied", StringComparison.Ordinal);
                var expectAllowed = allowed.Contains(role);
                if (expectAllowed ? response.StatusCode != HttpStatusCode.OK : !denied)
                {
                    failures.Add($"{page} as {role}: {response.StatusCode} {response.Headers.Location}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private IEnumerable<KeyValuePair<string, RouteEndpoint>> ApiEndpoints()
    {
        var sources = factory.Services.GetRequiredService<IEnumerable<EndpointDataSource>>();
        foreach (var endpoint in sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>())
        {
            var route = "/" + endpoint.RoutePattern.RawText!.Trim('/');
            // The API reference under /api/docs is a portal page (sign-in cookie), covered by ApiReferenceTests.
            if (!route.StartsWith("/api/", StringComparison.Ordinal) || route.StartsWith("/api/docs", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])
            {
                yield return new($"{method} {route}", endpoint);
            }
        }
    }
}
