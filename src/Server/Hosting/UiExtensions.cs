using BackscatterConsole.Client;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Mvc;

namespace BackscatterConsole.Server.Hosting;

internal static class UiExtensions
{
    public static IHostApplicationBuilder AddUi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents();
        builder.Services.AddCascadingAuthenticationState();
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
        app.MapRazorComponents<App>().RequireAuthorization(Policies.Authenticated);
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
