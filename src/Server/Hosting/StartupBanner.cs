using BackscatterConsole.Server.Access;
using BackscatterConsole.Server.Data;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace BackscatterConsole.Server.Hosting;

internal static class StartupBanner
{
    /// <summary>Migrates, runs the first-run bootstrap and prints where the portal listens and how to sign in.</summary>
    public static async Task InitializeAsync(this WebApplication app)
    {
        await app.MigrateDatabaseAsync();
        BootstrapOutcome outcome;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            outcome = await scope.ServiceProvider.GetRequiredService<FirstRunBootstrap>().RunAsync(app.Lifetime.ApplicationStopping);
        }

        var data = app.Services.GetRequiredService<DataLocation>();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var lines = new List<string> { string.Empty, "BackscatterConsole is running." };
            lines.AddRange(addresses.Select(a => $"  Portal:   {a}"));
            lines.Add($"  Database: {data.Database}");
            if (outcome.CreatedAdmin)
            {
                lines.Add($"  First run: sign in as '{FirstRunBootstrap.AdminUserName}' with " +
                    (outcome.GeneratedPassword is { } password ? $"the password {password}  (shown once; change it under Account)" : "the password from Bootstrap:AdminPassword"));
            }

            if (outcome.CreatedApiToken)
            {
                lines.Add("  First run: Bootstrap:ApiToken is an Admin API token.");
            }

            lines.Add(string.Empty);
            Console.Out.WriteLine(string.Join(Environment.NewLine, lines));
        });
    }
}
