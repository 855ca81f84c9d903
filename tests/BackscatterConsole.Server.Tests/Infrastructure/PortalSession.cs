using System.Net;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace BackscatterConsole.Server.Tests.Infrastructure;

/// <summary>A browser-like cookie session against the portal's static server-rendered pages.</summary>
public sealed class PortalSession : IDisposable
{
    private static readonly HtmlParser Parser = new();
    private readonly HttpClient _client;

    public PortalSession(AppFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = factory.ClientOptions.BaseAddress, AllowAutoRedirect = false, HandleCookies = true });
    }

    /// <summary>A session whose cookies live in <paramref name="cookies"/>, so another server instance can be sent the same ones.</summary>
    public PortalSession(AppFactory factory, CookieContainer cookies)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _client = factory.CreateDefaultClient(factory.ClientOptions.BaseAddress, new Microsoft.AspNetCore.Mvc.Testing.Handlers.CookieContainerHandler(cookies));
    }

    public static Task<PortalSession> SignInAsync(AppFactory factory, string userName, string password) =>
        SignInAsync(new PortalSession(factory), userName, password);

    public static async Task<PortalSession> SignInAsync(PortalSession session, string userName, string password)
    {
        ArgumentNullException.ThrowIfNull(session);
        var response = await session.SubmitAsync("/account/login", "login", new() { ["Input.UserName"] = userName, ["Input.Password"] = password });
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"sign-in as {userName} failed: {response.StatusCode}");
        return session;
    }

    public Task<HttpResponseMessage> GetAsync(string url) => _client.GetAsync(url);

    public async Task<IHtmlDocument> GetPageAsync(string url)
    {
        var response = await _client.GetAsync(url);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {response.StatusCode}");
        return await ParseAsync(response);
    }

    /// <summary>Loads <paramref name="url"/>, takes the antiforgery token of the named form and posts the fields, as a browser would.</summary>
    public async Task<HttpResponseMessage> SubmitAsync(string url, string formName, Dictionary<string, string> fields)
    {
        var values = HiddenFields(await GetPageAsync(url), formName);
        foreach (var (key, value) in fields)
        {
            values[key] = value;
        }

        return await PostFormAsync(url, values);
    }

    /// <summary>The hidden fields (antiforgery token, handler name) of the named form.</summary>
    public static Dictionary<string, string> HiddenFields(IHtmlDocument page, string formName)
    {
        ArgumentNullException.ThrowIfNull(page);
        var form = page.Forms.FirstOrDefault(f => f.QuerySelector($"input[name='_handler'][value='{formName}']") is not null)
            ?? throw new InvalidOperationException($"{page.Url} has no form named {formName}.");
        return form.Elements.OfType<IHtmlInputElement>()
            .Where(i => i.Type == "hidden" && !string.IsNullOrEmpty(i.Name))
            .ToDictionary(i => i.Name!, i => i.Value);
    }

    public Task<HttpResponseMessage> PostFormAsync(string url, Dictionary<string, string> values) =>
        _client.PostAsync(url, new FormUrlEncodedContent(values));

    public static async Task<IHtmlDocument> ParseAsync(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return await Parser.ParseDocumentAsync(await response.Content.ReadAsStringAsync());
    }

    public void Dispose() => _client.Dispose();
}
