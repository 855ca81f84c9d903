using System.Threading.RateLimiting;

namespace BackscatterConsole.Server.Access;

/// <summary>
/// Lockout protects one account; this slows one client trying many accounts (credential stuffing): sign-in posts are
/// limited per client address. Everything else is unlimited.
/// </summary>
internal static class SignInRateLimit
{
    public sealed class Options
    {
        public const string Section = "SignInRateLimit";

        /// <summary>Sign-in attempts one client address may make per window.</summary>
        public int PermitLimit { get; set; } = 20;

        public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
    }

    public static IHostApplicationBuilder AddSignInRateLimit(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(Options.Section).Get<Options>() ?? new Options();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Equals("/account/login", StringComparison.OrdinalIgnoreCase)
                    ? RateLimitPartition.GetFixedWindowLimiter(
                        context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                        _ => new FixedWindowRateLimiterOptions { PermitLimit = options.PermitLimit, Window = options.Window, QueueLimit = 0 })
                    : RateLimitPartition.GetNoLimiter(string.Empty));
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                context.HttpContext.Response.ContentType = "text/plain; charset=utf-8";
                await context.HttpContext.Response.WriteAsync("Too many sign-in attempts from this address; wait a minute and try again.", cancellationToken);
            };
        });
        return builder;
    }
}
