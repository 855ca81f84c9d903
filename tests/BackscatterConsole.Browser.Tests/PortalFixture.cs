using System.Net;
using BackscatterConsole.Domain.Tests.Fixtures;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace BackscatterConsole.Browser.Tests;

/// <summary>
/// The real server on Kestrel (loopback, a free port, temporary data), resolving DNS through a real knotd with the
/// test zones, and Debian's Chromium driven by Playwright.
/// Playwright's own browser download cannot work here, so the system browser is launched by path.
/// </summary>
public sealed class PortalFixture : IAsyncLifetime
{
    public const string AdminPassword = "Admin-Pass-2026!";
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>Admin API token for setting up data faster than through the forms.</summary>
    public const string ApiToken = "bsc_browser_test_bootstrap_token";

    /// <summary>How often open portal pages check that their user may still be signed in (<c>Portal:RevalidationInterval</c>).</summary>
    public static readonly TimeSpan RevalidationInterval = TimeSpan.FromSeconds(1);

    private readonly KnotFixture _knot = new();
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "bsc-browser-" + Guid.NewGuid().ToString("N"));
    private Factory? _factory;
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = default!;

    public Uri BaseAddress { get; private set; } = default!;

    /// <summary>The console's services, for seeding history that cannot be produced through the API in a test's time.</summary>
    public IServiceProvider Services => _factory!.Services;

    /// <summary>Where screenshots go, so a failed run can be looked at.</summary>
    public string ArtifactsDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's chromium (the README's test command does).");
        }

        Directory.CreateDirectory(ArtifactsDirectory);
        await _knot.InitializeAsync();
        _factory = new Factory(_dataDirectory, _knot.Endpoint);
        _factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        var address = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);

        // The first render of the sign-in and inventory pages compiles a lot of code; on two busy cores that alone can
        // eat a test's 15 s navigation budget, so do it once here, outside every test's timing.
        using (var warmUp = CreateApiClient())
        {
            (await warmUp.GetAsync("/account/login")).EnsureSuccessStatusCode();
            (await warmUp.GetAsync("/api/v1/servers")).EnsureSuccessStatusCode();
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Timeout = 30_000,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A fresh browser context (own cookies) already signed in as admin.</summary>
    public Task<IPage> SignedInPageAsync() => SignedInPageAsync("admin", AdminPassword);

    /// <summary>A fresh browser context (own cookies) signed in as <paramref name="userName"/>, on the inventory with its circuit up.</summary>
    public async Task<IPage> SignedInPageAsync(string userName, string password, string colorScheme = "light")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1366, Height = 900 },
            ColorScheme = colorScheme == "dark" ? ColorScheme.Dark : ColorScheme.Light,
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        await SignInAsync(page, userName, password);
        return page;
    }

    /// <summary>Signs in on the static sign-in page and waits until the interactive portal shows the inventory.</summary>
    public static async Task SignInAsync(IPage page, string userName, string password)
    {
        await page.GotoAsync("/servers");
        await page.FillAsync("#userName", userName);
        await page.FillAsync("#password", password);
        await page.ClickAsync("[data-testid=sign-in]");

        // Signing in hashes the password on purpose slowly; allow it more than an ordinary step under load.
        await page.WaitForURLAsync("**/servers", new PageWaitForURLOptions { Timeout = 45_000 });
        await WaitForPortalAsync(page);
    }

    /// <summary>
    /// Waits until the interactive portal rendered (pages are not prerendered: the layout appears once the circuit is up),
    /// so clicks are not lost on a page that is not interactive yet.
    /// </summary>
    public static Task WaitForPortalAsync(IPage page) =>
        page.Locator(".mud-appbar").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });

    /// <summary>
    /// Runs axe on the page as it is now and fails on any critical or serious violation, naming the rule and the
    /// elements, with a screenshot under <see cref="ArtifactsDirectory"/>.
    /// </summary>
    public async Task AssertAccessibleAsync(IPage page, string name)
    {
        var result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "critical" or "serious").ToList();
        if (serious.Count > 0)
        {
            await ScreenshotAsync(page, "axe-" + name);
            Assert.Fail($"{name}: {serious.Count} critical or serious accessibility violation(s):" + Environment.NewLine + string.Join(Environment.NewLine, serious.Select(Describe)));
        }

        static string Describe(AxeResultItem v) =>
            $"- {v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Take(5).Select(n => n.Target?.ToString() ?? n.Html))}";
    }

    /// <summary>An API client acting as the bootstrap admin.</summary>
    public HttpClient CreateApiClient()
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiToken);
        return client;
    }

    public Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ArtifactsDirectory, name + ".png"), FullPage = true });

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        await _knot.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private sealed class Factory(string dataDirectory, string dnsServer) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("Storage:DataDirectory", dataDirectory);
            builder.UseSetting("Bootstrap:AdminPassword", AdminPassword);
            builder.UseSetting("SignInRateLimit:PermitLimit", "100000");
            builder.UseSetting("Bootstrap:ApiToken", ApiToken);
            builder.UseSetting("Dns:Servers:0", dnsServer);
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            builder.UseSetting("Scans:ScheduleEnabled", "false");
            builder.UseSetting("Dnsbl:Enabled", "false");
            builder.UseSetting("Probe:SinkAddress", "probe@sink.backscatter.test");
            builder.UseSetting("Probe:HeloName", "probe.backscatter.test");

            // Open pages re-check their user every second instead of every 30: a disabled user or a session ended by a
            // password change elsewhere must lose its page within that bound, and the tests wait for exactly that.
            builder.UseSetting("Portal:RevalidationInterval", RevalidationInterval.ToString("c", System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
