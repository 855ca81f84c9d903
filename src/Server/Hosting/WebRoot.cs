using System.Reflection;

namespace BackscatterConsole.Server.Hosting;

/// <summary>
/// The top-level <c>wwwroot/</c> of the repository is the web root. The build records its path in the assembly;
/// a published copy falls back to <c>wwwroot</c> beside the binaries, and <c>--webroot</c> or ASPNETCORE_WEBROOT override both.
/// </summary>
internal static class WebRoot
{
    public static string? Locate(string[] args)
    {
        if (args.Any(a => a.StartsWith("--webroot", StringComparison.OrdinalIgnoreCase))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_WEBROOT")))
        {
            return null;
        }

        var built = typeof(WebRoot).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "WebRoot")?.Value;
        if (built is not null && Directory.Exists(built))
        {
            return built;
        }

        var beside = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        return Directory.Exists(beside) ? beside : null;
    }
}
