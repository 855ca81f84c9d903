using BackscatterConsole.Client;
using BackscatterConsole.Client.Portal;
using BackscatterConsole.Server.Access;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Mvc;
using MudBlazor;
using MudBlazor.Services;

namespace BackscatterConsole.Server.Hosting;

internal static class UiExtensions
{
    public static IHostApplicationBuilder AddUi(this IHostApplicationBuilder builder)
    {
        // Package assets (_content/MudBlazor, _framework/blazor.web.js) come from the build's static web assets manifest,
        // which ASP.NET Core reads by itself only in Development; published copies carry the files in wwwroot instead.
        if (builder is WebApplicationBuilder web)
        {
            web.WebHost.UseStaticWebAssets();
        }

        builder.Services.Configure<PortalOptions>(builder.Configuration.GetSection(PortalOptions.Section));
        builder.Services.AddRazorComponents()
            .AddInteractiveServerComponents(options => options.DetailedErrors = builder.Environment.IsDevelopment());
        builder.Services.AddMudServices(config =>
        {
            config.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomRight;
            config.SnackbarConfiguration.PreventDuplicates = true;
            config.SnackbarConfiguration.VisibleStateDuration = 6000;
        });
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddScoped<AuthenticationStateProvider, PortalAuthenticationStateProvider>();
        builder.Services.AddScoped<PortalCircuit>();
        builder.Services.AddScoped<PortalServices>();
        builder.Services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "bsc.af";
            options.HeaderName = "X-CSRF-TOKEN";
        });
        return builder;
    }

    /// <summary>The portal: every page needs a signed-in user unless it says otherwise (only sign-in does).</summary>
    public static WebApplication MapUi(this WebApplication app)
    {
        app.MapRazorComponents<App>()
            .AddInteractiveServerRenderMode()
            .RequireAuthorization(Policies.Authenticated);
        app.MapPost("/account/logout", async (IAccountService account, [FromForm] string? returnUrl) =>
            {
                await account.SignOutAsync();
                return TypedResults.LocalRedirect("/account/login?signedOut=1");
            })
            .RequireAuthorization(Policies.Authenticated)
            .ExcludeFromDescription();
        return app;
    }
}
