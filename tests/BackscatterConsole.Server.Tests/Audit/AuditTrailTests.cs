using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Shared.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Server.Tests.Audit;

/// <summary>
/// Each test gets its own server and database: tampering must not leak into other tests. The SQL that plays the attacker
/// quotes its identifiers, so the same statements run on SQLite and (through a subclass) on PostgreSQL.
/// </summary>
public class AuditTrailTests : IDisposable
{
    private readonly AppFactory _factory;
    private readonly HttpClient _api;

    public AuditTrailTests()
        : this(new AppFactory())
    {
    }

    protected AuditTrailTests(AppFactory factory)
    {
        _factory = factory;
        _api = _factory.CreateApiClient();
    }

    [Fact]
    public async Task Actions_AreRecordedWithActorSourceObjectAndBeforeAfter()
    {
        var server = await (await _api.PostAsJsonAsync("/api/v1/servers", new { name = "audited", hostname = "a.example.com", platform = "postfix" })).Content.ReadFromJsonAsync<ServerDto>();
        using var put = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/servers/{server!.Id}") { Content = JsonContent.Create(new { name = "audited", hostname = "b.example.com", platform = "postfix" }) };
        put.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        (await _api.SendAsync(put)).EnsureSuccessStatusCode();
        using var user = await _factory.CreateUserAsync(Roles.Viewer);
        (await _api.PutAsJsonAsync($"/api/v1/users/{user.Id}", new { roles = new[] { "Operator" } })).EnsureSuccessStatusCode();
        using var session = new PortalSession(_factory);
        await session.SubmitAsync("/account/login", "login", new() { ["Input.UserName"] = user.UserName, ["Input.Password"] = "wrong-password" });

        var page = await _api.GetFromJsonAsync<PagedResult<AuditEntryDto>>("/api/v1/audit?pageSize=100");
        var entries = page!.Items;

        var updated = entries.Single(e => e.Action == AuditActions.ServerUpdated);
        Assert.Equal("admin", updated.ActorName);
        Assert.Equal(server.Id.ToString(), updated.ObjectId);
        Assert.Contains("a.example.com", updated.Before, StringComparison.Ordinal);
        Assert.Contains("b.example.com", updated.After, StringComparison.Ordinal);
        Assert.Contains(entries, e => e.Action == AuditActions.ServerCreated);
        Assert.Contains(entries, e => e.Action == AuditActions.UserCreated && e.After!.Contains(user.UserName, StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Action == AuditActions.TokenCreated && e.After!.Contains(user.UserName, StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => (e.After ?? string.Empty).Contains(user.Token, StringComparison.Ordinal));
        var roleChange = entries.Single(e => e.Action == AuditActions.UserUpdated);
        Assert.Contains("Viewer → Operator", roleChange.Detail, StringComparison.Ordinal);
        Assert.Contains(entries, e => e.Action == AuditActions.SignInFailed && e.ActorName == user.UserName);
        Assert.Contains(entries, e => e.Action == AuditActions.UserCreated && e.ActorName == "system (first run)");

        var filtered = await _api.GetFromJsonAsync<PagedResult<AuditEntryDto>>($"/api/v1/audit?objectType=server&objectId={server.Id}");
        Assert.Equal([AuditActions.ServerUpdated, AuditActions.ServerCreated], filtered!.Items.Select(e => e.Action));
    }

    [Fact]
    public async Task Verify_UntouchedTrail_IsIntact()
    {
        await _api.PostAsJsonAsync("/api/v1/servers", new { name = "v1", hostname = "v1.example.com", platform = "postfix" });

        var verification = await _api.GetFromJsonAsync<AuditVerification>("/api/v1/audit/verify");

        Assert.True(verification!.Intact);
        Assert.True(verification.Checked >= 2);
        Assert.Null(verification.FirstBrokenId);
    }

    [Fact]
    public async Task Verify_EntryAlteredDirectlyInTheDatabase_ReportsTheFirstBrokenEntry()
    {
        await _api.PostAsJsonAsync("/api/v1/servers", new { name = "t1", hostname = "t1.example.com", platform = "postfix" });
        await _api.PostAsJsonAsync("/api/v1/servers", new { name = "t2", hostname = "t2.example.com", platform = "postfix" });
        var target = (await _api.GetFromJsonAsync<PagedResult<AuditEntryDto>>("/api/v1/audit?action=server.created"))!.Items.Single(e => e.Detail!.Contains("t1", StringComparison.Ordinal));

        await using (var scope = _factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();

            // The table refuses updates; an attacker with the file would drop the trigger first.
            var refused = await Assert.ThrowsAnyAsync<DbException>(() => db.Database.ExecuteSqlRawAsync("""UPDATE "AuditEntries" SET "ActorName" = 'mallory' WHERE "Id" = {0}""", target.Id));
            Assert.Contains("append-only", refused.Message, StringComparison.Ordinal);
            await db.Database.ExecuteSqlRawAsync(_factory.DropTriggerSql("AuditEntries", "AuditEntries_NoUpdate"));
            await db.Database.ExecuteSqlRawAsync("""UPDATE "AuditEntries" SET "ActorName" = 'mallory' WHERE "Id" = {0}""", target.Id);
        }

        var verification = await _api.GetFromJsonAsync<AuditVerification>("/api/v1/audit/verify");

        Assert.False(verification!.Intact);
        Assert.Equal(target.Id, verification.FirstBrokenId);
    }

    [Fact]
    public async Task Verify_EntryDeletedDirectly_IsDetected()
    {
        for (var i = 0; i < 3; i++)
        {
            await _api.PostAsJsonAsync("/api/v1/servers", new { name = $"d{i}", hostname = "d.example.com", platform = "postfix" });
        }

        long removed;
        await using (var scope = _factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            removed = await db.AuditEntries.Where(e => e.Action == AuditActions.ServerCreated).MinAsync(e => e.Id);
            var refused = await Assert.ThrowsAnyAsync<DbException>(() => db.Database.ExecuteSqlRawAsync("""DELETE FROM "AuditEntries" WHERE "Id" = {0}""", removed));
            Assert.Contains("append-only", refused.Message, StringComparison.Ordinal);
            await db.Database.ExecuteSqlRawAsync(_factory.DropTriggerSql("AuditEntries", "AuditEntries_NoDelete"));
            await db.Database.ExecuteSqlRawAsync("""DELETE FROM "AuditEntries" WHERE "Id" = {0}""", removed);
        }

        var verification = await _api.GetFromJsonAsync<AuditVerification>("/api/v1/audit/verify");

        Assert.False(verification!.Intact);
        Assert.Equal(removed + 1, verification.FirstBrokenId);
    }

    [Fact]
    public async Task ConcurrentWriters_KeepOneUnbrokenChain()
    {
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => _api.PostAsJsonAsync("/api/v1/servers", new { name = $"c{i}", hostname = "c.example.com", platform = "postfix" })));

        var verification = await _api.GetFromJsonAsync<AuditVerification>("/api/v1/audit/verify");

        Assert.True(verification!.Intact);
        Assert.True(verification.Checked >= 21);
    }

    [Fact]
    public async Task Export_CsvAndJson_ContainTheFilteredEntries()
    {
        await _api.PostAsJsonAsync("/api/v1/servers", new { name = "=cmd", hostname = "x.example.com", platform = "postfix" });

        var csv = await _api.GetAsync("/api/v1/audit/export?format=csv&action=server.created");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("id,occurredAt,actorId", lines[0], StringComparison.Ordinal);
        Assert.Equal(2, lines.Length);
        Assert.Contains("server.created", lines[1], StringComparison.Ordinal);

        var json = JsonDocument.Parse(await _api.GetStringAsync("/api/v1/audit/export?format=json&action=server.created")).RootElement;
        Assert.Equal(1, json.GetArrayLength());
        Assert.Equal(64, json[0].GetProperty("hash").GetString()!.Length);

        Assert.Equal(HttpStatusCode.BadRequest, (await _api.GetAsync("/api/v1/audit/export?format=xml")).StatusCode);
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _api.Dispose();
            _factory.Dispose();
        }
    }
}
