using BackscatterConsole.Server.Agents;
using BackscatterConsole.Server.Cluster;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace BackscatterConsole.Server.Live;

/// <summary>
/// Several instances: with <c>SignalR:Redis</c> set, the status hub and the agents hub use the Redis backplane of
/// Microsoft.AspNetCore.SignalR.StackExchangeRedis (a broadcast or a call to an agent reaches connections on every
/// instance), and the live bus feeds the in-process notifier with the other instances' events. The portal's circuits keep
/// the in-process lifetime manager: a circuit lives on one instance (the load balancer keeps it there), and its pages get
/// other instances' events through the notifier, so they keep working while Redis is away.
/// </summary>
internal static class Backplane
{
    public const string HealthCheckName = "backplane";

    public static IHostApplicationBuilder AddBackplane(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(BackplaneOptions.Section).Get<BackplaneOptions>() ?? new BackplaneOptions();
        var services = builder.Services;
        if (string.IsNullOrWhiteSpace(options.Redis))
        {
            services.AddHealthChecks().AddCheck(HealthCheckName, () => HealthCheckResult.Healthy("Not configured (SignalR:Redis is empty): one instance, live events stay in the process."), tags: [Health.HealthEndpoints.ReadyTag]);
            return builder;
        }

        services.AddSingleton(sp => new RedisConnection(options, sp.GetRequiredService<ClusterInstance>().Id, sp.GetRequiredService<ILogger<RedisConnection>>()));
        services.AddOptions<RedisOptions>().Configure<RedisConnection>((redis, connection) => redis.ConnectionFactory = _ => connection.GetAsync());
        services.AddSingleton<HubLifetimeManager<StatusHub>, RedisHubLifetimeManager<StatusHub>>();
        services.AddSingleton<HubLifetimeManager<AgentsHub>, RedisHubLifetimeManager<AgentsHub>>();
        services.AddHostedService<RedisLiveBus>();
        services.AddHealthChecks().AddCheck<BackplaneHealthCheck>(HealthCheckName, tags: [Health.HealthEndpoints.ReadyTag]);
        return builder;
    }

    /// <summary>Degraded, not unhealthy, without Redis: the instance still serves the API and its own pages, so a load balancer must keep it.</summary>
    private sealed class BackplaneHealthCheck(RedisConnection redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await redis.GetAsync();
            }
            catch (RedisException e)
            {
                return HealthCheckResult.Degraded($"Redis at {redis.Endpoints} cannot be reached: {e.Message}");
            }

            return redis.IsConnected
                ? HealthCheckResult.Healthy($"Redis at {redis.Endpoints} is connected.")
                : HealthCheckResult.Degraded($"Redis at {redis.Endpoints} is not connected: live events of other instances do not reach this one and hub connections are refused until it is back; the API works.");
        }
    }
}
