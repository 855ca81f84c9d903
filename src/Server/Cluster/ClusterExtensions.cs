using BackscatterConsole.Server.Data;

namespace BackscatterConsole.Server.Cluster;

internal static class ClusterExtensions
{
    /// <summary>This instance's identity, the leases on background work and the heartbeat that keeps them.</summary>
    public static IHostApplicationBuilder AddCluster(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(ClusterOptions.Section).Get<ClusterOptions>() ?? new ClusterOptions();
        options.Validate();
        builder.Services.Configure<ClusterOptions>(builder.Configuration.GetSection(ClusterOptions.Section));
        var id = string.IsNullOrWhiteSpace(options.InstanceId)
            ? $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}"
            : options.InstanceId.Trim();
        id = id.Length <= 200 ? id : id[..200];
        builder.Services.AddSingleton(sp => new ClusterInstance(id, sp.GetRequiredService<DataLocation>().Provider == StorageProviders.Postgres));
        builder.Services.AddScoped<BackgroundLeases>();
        builder.Services.AddHostedService<ClusterMaintenance>();
        return builder;
    }
}
