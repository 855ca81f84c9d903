using System.Collections.Concurrent;
using System.Net;
using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Domain.Dnsbl;

namespace BackscatterConsole.Server.Dnsbl;

internal static class DnsblExtensions
{
    public static IHostApplicationBuilder AddDnsbl(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DnsblOptions>().Bind(builder.Configuration.GetSection(DnsblOptions.Section))
            .Validate(o => o.Zones.All(z => !string.IsNullOrWhiteSpace(z.Zone) && !string.IsNullOrWhiteSpace(z.Name)), "Every Dnsbl:Zones entry needs a Zone and a Name.")
            .Validate(o => o.Zones.All(z => z.Codes.Keys.Concat(z.ErrorCodes.Keys).All(c => IPAddress.TryParse(c, out _))), "Dnsbl:Zones codes must be IP addresses (for example 127.0.0.2).")
            .Validate(o => o.Zones.All(z => z.Servers.All(s => Try(() => DnsResolverOptions.ParseServer(s)))), "Dnsbl:Zones servers must be address[:port] entries.")
            .ValidateOnStart();
        builder.Services.AddSingleton<DnsblResolvers>();
        builder.Services.AddSingleton(sp => new DnsblChecker(sp.GetRequiredService<IDnsResolver>(), sp.GetRequiredService<DnsblResolvers>().For));
        return builder;
    }

    private static bool Try(Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>
/// Resolvers of zones that name their own servers: the console's resolver settings (timeouts, attempts, concurrency,
/// cache) with only the servers changed, one per distinct server list, disposed with the host.
/// </summary>
internal sealed class DnsblResolvers(DnsResolverOptions defaults, TimeProvider clock) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<DnsResolver>> _resolvers = new(StringComparer.Ordinal);

    public IDnsResolver For(DnsblZone zone) => _resolvers.GetOrAdd(string.Join(',', zone.Servers), _ => new Lazy<DnsResolver>(() => new DnsResolver(new DnsResolverOptions
    {
        Servers = [.. zone.Servers],
        Timeout = defaults.Timeout,
        Attempts = defaults.Attempts,
        MaxConcurrentQueries = defaults.MaxConcurrentQueries,
        MaxCnameChain = defaults.MaxCnameChain,
        UdpPayloadSize = defaults.UdpPayloadSize,
        CacheEnabled = defaults.CacheEnabled,
        MaxCacheEntries = defaults.MaxCacheEntries,
        MaxCacheTtl = defaults.MaxCacheTtl,
    }, clock))).Value;

    public void Dispose()
    {
        foreach (var resolver in _resolvers.Values.Where(r => r.IsValueCreated))
        {
            resolver.Value.Dispose();
        }
    }
}
