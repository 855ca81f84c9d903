using BackscatterConsole.Client.Components;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace BackscatterConsole.Client.Tests.Support;

/// <summary>
/// Renders a page the way the portal's router does: through <see cref="AuthorizeRouteView"/>, so the page's
/// <c>[Authorize]</c> policy decides whether the signed-in user sees it or the access-denied panel.
/// </summary>
public static class RouteAuthorization
{
    public static IRenderedComponent<AuthorizeRouteView> RenderRoute<TPage>(this BunitContext context, IReadOnlyDictionary<string, object?>? routeValues = null)
        where TPage : IComponent
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Render<AuthorizeRouteView>(p => p
            .Add(v => v.RouteData, new RouteData(typeof(TPage), routeValues ?? new Dictionary<string, object?>()))
            .Add(v => v.NotAuthorized, _ => builder =>
            {
                builder.OpenComponent<AccessDeniedPanel>(0);
                builder.CloseComponent();
            }));
    }
}
