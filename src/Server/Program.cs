using BackscatterConsole.Server.Access;
using BackscatterConsole.Server.Alerts;
using BackscatterConsole.Server.Agents;
using BackscatterConsole.Server.Audit;
using BackscatterConsole.Server.ChangeRequests;
using BackscatterConsole.Server.Checks;
using BackscatterConsole.Server.Cluster;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Dnsbl;
using BackscatterConsole.Server.Emission;
using BackscatterConsole.Server.Fleet;
using BackscatterConsole.Server.Health;
using BackscatterConsole.Server.Hosting;
using BackscatterConsole.Server.Jobs;
using BackscatterConsole.Server.Live;
using BackscatterConsole.Server.Posture;
using BackscatterConsole.Server.Servers;
using BackscatterConsole.Server.Settings;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, WebRootPath = WebRoot.Locate(args) });
builder.AddData();
builder.AddCluster();
builder.AddAccess();
builder.AddSignInRateLimit();
builder.AddAudit();
builder.AddLive();
builder.AddApi();
builder.AddUi();
builder.AddHealth();
builder.AddServers();
builder.AddPosture();
builder.AddSettingsSnapshots();
builder.AddDnsbl();
builder.AddChecks();
builder.AddAgents();
builder.AddJobs();
builder.AddChangeRequests();
builder.AddEmission();
builder.AddFleet();
builder.AddAlerts();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseApiReferenceContentSecurityPolicy();
app.UseSecurityHeaders();
app.UseApiBodyLimit();
app.UseStaticFiles();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
app.MapApiReference();
app.MapHealth();
app.MapGroup("/api/v1").MapAccessApi().MapServersApi().MapPostureApi().MapAuditApi().MapSettingsApi().MapChecksApi().MapAgentsApi().MapJobsApi().MapChangeRequestsApi().MapEmissionApi().MapFleetApi().MapAlertsApi();
app.MapStatusHub();
app.MapUi();
app.MapAuditExportForPortal();
app.MapAgentsHub();

await app.InitializeAsync();
await app.RunAsync();

/// <summary>Entry point; public so integration tests can host it with WebApplicationFactory.</summary>
public partial class Program;
