using BackscatterConsole.Shared.Users;
using Scalar.AspNetCore;

namespace BackscatterConsole.Server.Hosting;

/// <summary>
/// The interactive API reference (Scalar) at <c>/api/docs</c>, for signed-in users. Scalar's script and styles are
/// embedded in its package and served from here, so the page works without internet access; everything that would reach
/// Scalar's own servers (fonts, telemetry, the AI chat, MCP, the developer toolbar with share and SDK generation) is off.
/// </summary>
internal static class ApiReference
{
    public const string Path = "/api/docs";

    public static WebApplication MapApiReference(this WebApplication app)
    {
        app.MapScalarApiReference(Path, options => options
                .WithTitle("BackscatterConsole API reference")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                .AddDocument("v1")
                .AddPreferredSecuritySchemes(["bearer"])
                .WithNonce()
                .DisableDefaultFonts()
                .DisableTelemetry()
                .HideDeveloperTools()
                .DisableAgent()
                .DisableMcp())
            .RequireAuthorization(Policies.Authenticated)
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// Gives the reference's responses their own Content-Security-Policy. Scalar's page starts with an inline module
    /// script (allowed by the per-request nonce Scalar puts on its script tags) and its components set inline styles;
    /// everything else stays as strict as the portal's policy. Registered before the general security headers, so this
    /// response-starting callback runs after theirs and has the last word for these paths only.
    /// </summary>
    public static IApplicationBuilder UseApiReferenceContentSecurityPolicy(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Request.Path.StartsWithSegments(Path))
        {
            context.Response.OnStarting(() =>
            {
                var nonce = context.Items[ScalarOptions.NonceHttpContextItemKey] as string;
                var scripts = nonce is null ? "'self'" : $"'self' 'nonce-{nonce}'";
                context.Response.Headers.ContentSecurityPolicy =
                    $"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " +
                    "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'";
                return Task.CompletedTask;
            });
        }

        return next(context);
    });
}
