using BackscatterConsole.Shared.Live;

namespace BackscatterConsole.Server.Live;

internal static class LiveExtensions
{
    public static IHostApplicationBuilder AddLive(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<LiveNotifier>();
        builder.Services.AddSingleton<ILiveNotifier>(sp => sp.GetRequiredService<LiveNotifier>());
        builder.Services.AddSingleton<ILiveEvents>(sp => sp.GetRequiredService<LiveNotifier>());
        builder.Services.AddHostedService<StatusHubRelay>();
        builder.AddBackplane();
        return builder;
    }

    public static WebApplication MapStatusHub(this WebApplication app)
    {
        app.MapHub<StatusHub>(StatusHub.Path);
        return app;
    }
}
