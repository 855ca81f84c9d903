using System.Security.Claims;
using BackscatterConsole.Client.Portal;
using BackscatterConsole.Server.Access;
using BackscatterConsole.Shared.Live;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace BackscatterConsole.Client.Tests.Support;

/// <summary>
/// A bUnit context wired like the portal: MudBlazor's services, the console's real authorization policies and live
/// notifier, and <see cref="PortalServices"/> running every operation on the real console of <see cref="ConsoleHost"/>.
/// </summary>
public abstract class PortalTest : BunitContext, IClassFixture<ConsoleHost>, IAsyncLifetime
{
    private readonly TestAuthenticationStateProvider _authentication = new();

    protected PortalTest(ConsoleHost host)
    {
        Host = host;
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(o => o.SnackbarConfiguration.ShowTransitionDuration = 0);
        Services.AddAuthorizationBuilder().AddConsolePolicies();

        // bUnit registers a placeholder authorization service first, and AddAuthorization only adds one when none is
        // there: the real one must win, or AuthorizeView and [Authorize] pages cannot be rendered.
        Services.AddTransient<IAuthorizationService, DefaultAuthorizationService>();
        Services.AddSingleton<AuthenticationStateProvider>(_authentication);
        Services.AddCascadingAuthenticationState();
        Services.AddSingleton(host.Services.GetRequiredService<ILiveEvents>());
        Services.AddScoped<PortalCircuit>();
        Services.AddScoped(sp => new PortalServices(host.Scopes, sp.GetRequiredService<AuthenticationStateProvider>(), sp.GetRequiredService<PortalCircuit>()));
    }

    protected ConsoleHost Host { get; }

    /// <summary>Creates a user with these roles and makes them the signed-in user.</summary>
    protected async Task<ClaimsPrincipal> SignInAsync(params string[] roles)
    {
        var user = await Host.CreateUserAsync(roles);
        _authentication.SetUser(user);
        return user;
    }

    /// <summary>Signs the current user out, as a failed revalidation does.</summary>
    protected void SignOut() => _authentication.SetUser(new ClaimsPrincipal(new ClaimsIdentity()));

    /// <summary>
    /// Renders MudBlazor's providers (menus, selects, dialogs and snackbars need them) and then the page, both inside
    /// the authentication state cascade as in the portal's layout.
    /// </summary>
    protected IRenderedComponent<TPage> RenderPage<TPage>(Action<ComponentParameterCollectionBuilder<TPage>>? parameters = null)
        where TPage : IComponent
    {
        Providers = Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<MudSnackbarProvider>(2);
            builder.CloseComponent();
        });
        return Render(parameters ?? (_ => { }));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor registers services that only dispose asynchronously; xunit 2 calls this before Dispose, which then finds
    // the container already disposed.
    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    /// <summary>The rendered providers: dialogs and snackbars appear here, not in the page's markup.</summary>
    protected IRenderedComponent<IComponent> Providers { get; private set; } = default!;
}
