using Microsoft.AspNetCore.Mvc;

namespace BackscatterConsole.Server.Hosting;

/// <summary>Writes RFC 7807 problem details outside endpoint handlers (authentication, middleware).</summary>
internal static class ProblemResponses
{
    public static async Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}
