using BackscatterConsole.Client.Features.Audit;
using BackscatterConsole.Client.Tests.Support;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Client.Tests.Audit;

public sealed class AuditLogTests(ConsoleHost host) : PortalTest(host)
{
    [Theory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.Operator)]
    public async Task AuditLog_RoleWithoutAuditRead_SeesAccessDenied(string role)
    {
        await SignInAsync(role);

        var cut = this.RenderRoute<AuditLog>();

        Assert.NotNull(cut.Find("[data-testid=access-denied]"));
        Assert.Empty(cut.FindAll("[data-testid=audit-grid]"));
    }

    [Fact]
    public async Task AuditLog_Reviewer_SeesNewestFirstAndVerifiesAnIntactChain()
    {
        var first = await Host.AddServerAsync(Unique("first"));
        var second = await Host.AddServerAsync(Unique("second"));
        await SignInAsync(Roles.Reviewer);

        var cut = RenderPage<AuditLog>();

        cut.WaitForAssertion(() => Assert.Contains(second.Name, cut.Markup));
        var rows = cut.FindAll("[data-testid=audit-action]").Select(a => a.GetAttribute("data-action")).ToList();
        Assert.Contains(AuditActions.ServerCreated, rows);
        var markup = cut.Markup;
        Assert.True(markup.IndexOf(second.Name, StringComparison.Ordinal) < markup.IndexOf(first.Name, StringComparison.Ordinal), "newest first");

        await cut.Find("[data-testid=verify]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=verification]").GetAttribute("data-intact")));
        Assert.Contains("The chain is intact", cut.Find("[data-testid=verification]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditLog_FiltersFromAddress_AreAppliedKeptInTheAddressAndCarriedIntoTheExport()
    {
        var server = await Host.AddServerAsync(Unique("only"));
        await Host.AddServerAsync(Unique("other"));
        await SignInAsync(Roles.Admin);
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo($"audit?action=server.created&objectType=server&objectId={server.Id}&from=2020-01-01");

        var cut = RenderPage<AuditLog>();

        cut.WaitForAssertion(() => Assert.Equal("1 entry", cut.Find("[data-testid=audit-count]").TextContent.Trim()));
        Assert.Contains(server.Name, cut.Markup);
        Assert.Contains($"objectId={server.Id}", navigation.Uri, StringComparison.Ordinal);
        Assert.Contains("from=2020-01-01", navigation.Uri, StringComparison.Ordinal);
        var csv = cut.Find("[data-testid=export-csv]").GetAttribute("href")!;
        Assert.StartsWith("audit/export?format=csv&", csv, StringComparison.Ordinal);
        Assert.Contains("action=server.created", csv, StringComparison.Ordinal);
        Assert.Contains($"objectId={server.Id}", csv, StringComparison.Ordinal);
        Assert.Contains("from=2020-01-01T00%3A00%3A00Z", csv, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("[data-testid=export-json]").GetAttribute("download"));
    }

    [Fact]
    public async Task AuditLog_ClickOnAnAction_FiltersByItAndOffersToClearTheFilters()
    {
        await Host.AddServerAsync(Unique("click"));
        await SignInAsync(Roles.Admin);
        var navigation = Services.GetRequiredService<NavigationManager>();
        var cut = RenderPage<AuditLog>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-action='server.created']")));

        await cut.Find("[data-action='server.created']").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("action=server.created", navigation.Uri, StringComparison.Ordinal));
        cut.WaitForAssertion(() => Assert.All(cut.FindAll("[data-testid=audit-action]"), a => Assert.Equal("server.created", a.GetAttribute("data-action"))));

        await cut.Find("[data-testid=clear-filters]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.DoesNotContain("action=", navigation.Uri, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AuditLog_ToBeforeFrom_ShowsTheServicesReasonOnTheField()
    {
        await SignInAsync(Roles.Reviewer);
        Services.GetRequiredService<NavigationManager>().NavigateTo("audit?from=2026-12-05&to=2026-12-01");

        var cut = RenderPage<AuditLog>();

        cut.WaitForAssertion(() => Assert.Contains("'to' must be after 'from'.", cut.Find("[data-testid=problem]").TextContent, StringComparison.Ordinal));
        Assert.Contains("'to' must be after 'from'.", cut.FieldText("filter-to"), StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=audit-action]"));
    }

    [Fact]
    public async Task AuditLog_NothingMatches_ShowsAnEmptyStateThatClearsTheFilters()
    {
        await SignInAsync(Roles.Reviewer);
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("audit?actor=nobody-" + Guid.NewGuid().ToString("N"));

        var cut = RenderPage<AuditLog>();

        cut.WaitForAssertion(() => Assert.Contains("No entries match", cut.Find("[data-testid=empty-state]").TextContent, StringComparison.Ordinal));
        await cut.Find("[data-testid=empty-state] button").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=audit-action]")));
        Assert.DoesNotContain("actor=", navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditLog_ExpandARow_ShowsItsBeforeAndAfterJsonIndented()
    {
        var server = await Host.AddServerAsync(Unique("json"));
        await SignInAsync(Roles.Admin);
        Services.GetRequiredService<NavigationManager>().NavigateTo($"audit?objectId={server.Id}");
        var cut = RenderPage<AuditLog>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=audit-expand]")));
        Assert.Empty(cut.FindAll("[data-testid=audit-detail]"));

        await cut.Find("[data-testid=audit-expand]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=audit-detail]")));
        Assert.Equal("—", cut.Find("[data-testid=audit-before]").TextContent);
        var after = cut.Find("[data-testid=audit-after]").TextContent;
        Assert.Contains($"\"name\": \"{server.Name}\"", after, StringComparison.Ordinal);
        Assert.Contains("\n", after, StringComparison.Ordinal);
        Assert.Equal("true", cut.Find("[data-testid=audit-expand]").GetAttribute("aria-expanded"));
    }

    [Fact]
    public async Task AuditLog_PageFromAddress_ShowsThatPageAndKeepsItInTheAddress()
    {
        var prefix = Unique("page");
        for (var i = 0; i < 26; i++)
        {
            await Host.AddServerAsync($"{prefix}-{i}");
        }

        await SignInAsync(Roles.Admin);
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("audit?action=server.created&page=2&pageSize=25");

        var cut = RenderPage<AuditLog>();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=audit-action]")));
        // The 25 newest are this test's last 25 servers; the second page starts with its first one.
        var what = cut.FindAll("[data-testid=audit-grid] tbody tr").Select(r => r.TextContent).ToList();
        Assert.Contains($"'{prefix}-0'", what[0], StringComparison.Ordinal);
        Assert.DoesNotContain(what, w => w.Contains($"'{prefix}-25'", StringComparison.Ordinal));
        Assert.Contains("page=2", navigation.Uri, StringComparison.Ordinal);
        Assert.Contains("pageSize=25", navigation.Uri, StringComparison.Ordinal);
    }

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..6];
}

/// <summary>A trail changed behind the application's back: in a class of its own, since it breaks the chain for good.</summary>
public sealed class AuditLogBrokenChainTests(ConsoleHost host) : PortalTest(host)
{
    [Fact]
    public async Task AuditLog_EntryChangedInTheDatabase_VerifyNamesTheFirstBrokenEntry()
    {
        var server = await Host.AddServerAsync("tampered" + Guid.NewGuid().ToString("N")[..6]);
        var target = await Host.WithAsync<AppDbContext, long>(db => db.AuditEntries.Where(e => e.ObjectId == server.Id.ToString()).Select(e => e.Id).SingleAsync());
        await Host.WithAsync<AppDbContext, int>(async db =>
        {
            // An attacker with the database file drops the append-only trigger first.
            await db.Database.ExecuteSqlRawAsync("""DROP TRIGGER "AuditEntries_NoUpdate" """);
            return await db.Database.ExecuteSqlRawAsync("""UPDATE "AuditEntries" SET "ActorName" = 'mallory' WHERE "Id" = {0}""", target);
        });
        await SignInAsync(Roles.Reviewer);
        var cut = RenderPage<AuditLog>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=audit-action]")));

        await cut.Find("[data-testid=verify]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal("false", cut.Find("[data-testid=verification]").GetAttribute("data-intact")));
        Assert.Equal(target.ToString(System.Globalization.CultureInfo.InvariantCulture), cut.Find("[data-testid=first-broken]").TextContent);
    }
}
