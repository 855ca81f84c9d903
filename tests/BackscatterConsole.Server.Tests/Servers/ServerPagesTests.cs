using System.Net;
using System.Net.Http.Json;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Servers;

namespace BackscatterConsole.Server.Tests.Servers;

/// <summary>The portal's server pages over plain HTTP: what a browser without script gets.</summary>
public sealed class ServerPagesTests(AppFactory factory) : IClassFixture<AppFactory>
{
    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task CreateForm_InvalidInput_ShowsFieldErrorsAndKeepsWhatWasTyped()
    {
        using var session = await PortalSession.SignInAsync(factory, "admin", AppFactory.AdminPassword);
        var name = Unique("ui");

        var response = await session.SubmitAsync("/servers/new", "server", new()
        {
            ["Input.Name"] = name,
            ["Input.Hostname"] = "bad host!",
            ["Input.Platform"] = "postfix",
            ["Input.SmtpPort"] = "abc",
            ["Input.Domains"] = "good.example.com: s1\nnodot",
            ["Input.Tags"] = "prod",
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var page = await PortalSession.ParseAsync(response);
        Assert.Equal(name, page.QuerySelector("#name")!.GetAttribute("value"));
        Assert.Equal("abc", page.QuerySelector("#smtpPort")!.GetAttribute("value"));
        Assert.Contains("nodot", page.QuerySelector("#domains")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("is-invalid", page.QuerySelector("#hostname")!.ClassName, StringComparison.Ordinal);
        var messages = string.Join(" | ", page.QuerySelectorAll(".invalid-feedback").Select(m => m.TextContent));
        Assert.Contains("not a valid hostname", messages, StringComparison.Ordinal);
        Assert.Contains("not a port number", messages, StringComparison.Ordinal);
        Assert.Contains("Line 2:", messages, StringComparison.Ordinal);

        using var api = factory.CreateApiClient();
        var stored = await api.GetFromJsonAsync<PagedResult<ServerDto>>($"/api/v1/servers?q={name}");
        Assert.Equal(0, stored!.Total);
    }

    [Fact]
    public async Task CreateForm_Valid_RedirectsToDetailsWithConfirmation()
    {
        using var session = await PortalSession.SignInAsync(factory, "admin", AppFactory.AdminPassword);
        var name = Unique("ok");

        var response = await session.SubmitAsync("/servers/new", "server", new()
        {
            ["Input.Name"] = name,
            ["Input.Hostname"] = "mx.example.net",
            ["Input.Platform"] = "mailenable",
            ["Input.SmtpPort"] = "587",
            ["Input.Domains"] = "example.net: s1, s2\nexample.org",
            ["Input.Tags"] = "eu, prod",
            ["Input.ProbeEnabled"] = "true",
        });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var details = await session.GetPageAsync(response.Headers.Location!.ToString());
        Assert.Contains("was added", details.QuerySelector("[data-testid=flash]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("example.org", details.QuerySelector("[data-testid=domain-table]")!.TextContent, StringComparison.Ordinal);
        var again = await session.GetPageAsync(response.Headers.Location!.ToString());
        Assert.Null(again.QuerySelector("[data-testid=flash]"));
    }

    [Fact]
    public async Task EditForm_SomeoneElseSavedMeanwhile_ShowsConflictAndKeepsInput()
    {
        using var api = factory.CreateApiClient();
        var name = Unique("edit");
        var created = await (await api.PostAsJsonAsync("/api/v1/servers", new { name, hostname = "a.example.com", platform = "postfix" })).Content.ReadFromJsonAsync<ServerDto>();
        using var session = await PortalSession.SignInAsync(factory, "admin", AppFactory.AdminPassword);
        var form = await session.GetPageAsync($"/servers/{created!.Id}/edit");
        var fields = form.Forms.Single(f => f.QuerySelector("input[name=_handler][value=server]") is not null).Elements
            .OfType<AngleSharp.Html.Dom.IHtmlInputElement>().Where(i => i.Type == "hidden").ToDictionary(i => i.Name!, i => i.Value);

        using var put = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/servers/{created.Id}") { Content = JsonContent.Create(new { name, hostname = "b.example.com", platform = "postfix" }) };
        put.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        (await api.SendAsync(put)).EnsureSuccessStatusCode();

        fields["Input.Name"] = name;
        fields["Input.Hostname"] = "c.example.com";
        fields["Input.Platform"] = "postfix";
        var response = await session.PostFormAsync($"/servers/{created.Id}/edit", fields);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var page = await PortalSession.ParseAsync(response);
        Assert.Contains("changed by someone else", page.QuerySelector("[data-testid=form-error]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("c.example.com", page.QuerySelector("#hostname")!.GetAttribute("value"));
        var current = await api.GetFromJsonAsync<ServerDto>($"/api/v1/servers/{created.Id}");
        Assert.Equal("b.example.com", current!.Hostname);
    }

    [Fact]
    public async Task List_FiltersByQueryString()
    {
        using var api = factory.CreateApiClient();
        var tag = Unique("f");
        await api.PostAsJsonAsync("/api/v1/servers", new { name = tag + "-one", hostname = "one.example.com", platform = "postfix", tags = new[] { tag } });
        await api.PostAsJsonAsync("/api/v1/servers", new { name = tag + "-two", hostname = "two.example.com", platform = "zimbra", tags = new[] { tag } });
        using var session = await PortalSession.SignInAsync(factory, "admin", AppFactory.AdminPassword);

        var page = await session.GetPageAsync($"/servers?tag={tag}&platform=zimbra");

        var rows = page.QuerySelectorAll("[data-testid=server-table] tbody tr").Select(r => r.TextContent).ToList();
        Assert.Single(rows);
        Assert.Contains(tag + "-two", rows[0], StringComparison.Ordinal);
    }
}
