using Microsoft.AspNetCore.Http;

namespace BackscatterConsole.Client.Components;

/// <summary>
/// One-shot confirmation messages that survive the redirect of post-redirect-get: set before redirecting,
/// shown and cleared by the next page.
/// </summary>
public static class Flash
{
    private const string CookieName = "bsc.flash";

    public static void Set(HttpContext context, string message, FlashKind kind = FlashKind.Success)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Cookies.Append(CookieName, $"{kind}|{message}", new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            IsEssential = true,
            Path = "/",
            MaxAge = TimeSpan.FromMinutes(1),
        });
    }

    public static (FlashKind Kind, string Message)? Take(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (!context.Response.HasStarted)
        {
            context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/" });
        }

        var separator = value.IndexOf('|', StringComparison.Ordinal);
        return separator > 0 && Enum.TryParse<FlashKind>(value[..separator], out var kind)
            ? (kind, value[(separator + 1)..])
            : null;
    }
}

public enum FlashKind
{
    Success,
    Warning,
    Danger,
}
