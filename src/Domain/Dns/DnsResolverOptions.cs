using System.Globalization;
using System.Net;

namespace BackscatterConsole.Domain.Dns;

/// <summary>
/// Settings of <see cref="DnsResolver"/>, bindable from configuration (for example the <c>Dns</c> section).
/// </summary>
public sealed class DnsResolverOptions
{
    /// <summary>Default DNS port.</summary>
    public const int DefaultPort = 53;

    /// <summary>
    /// Recursive servers as <c>address</c> or <c>address:port</c> (<c>127.0.0.1:5353</c>, <c>[::1]:5353</c>, <c>::1</c>), tried in order.
    /// Empty means the <c>nameserver</c> lines of <see cref="ResolvConfPath"/>.
    /// </summary>
    public IList<string> Servers { get; init; } = [];

    /// <summary>File read when <see cref="Servers"/> is empty.</summary>
    public string ResolvConfPath { get; set; } = "/etc/resolv.conf";

    /// <summary>Time to wait for one answer from one server.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Rounds over the server list before giving up.</summary>
    public int Attempts { get; set; } = 2;

    /// <summary>Queries in flight at once.</summary>
    public int MaxConcurrentQueries { get; set; } = 64;

    /// <summary>Aliases followed before the chain is reported as a loop.</summary>
    public int MaxCnameChain { get; set; } = 8;

    /// <summary>EDNS0 UDP payload size advertised (1232 avoids IP fragmentation, per the DNS flag day 2020 advice).</summary>
    public int UdpPayloadSize { get; set; } = 1232;

    /// <summary>Cache answers for their TTL.</summary>
    public bool CacheEnabled { get; set; } = true;

    /// <summary>Upper bound on entries kept in the cache.</summary>
    public int MaxCacheEntries { get; set; } = 50_000;

    /// <summary>Upper bound on how long any answer is cached.</summary>
    public TimeSpan MaxCacheTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Parses <see cref="Servers"/>, falling back to resolv.conf, then to 127.0.0.1.</summary>
    /// <exception cref="FormatException">A server entry is not an address with an optional port.</exception>
    public IReadOnlyList<IPEndPoint> ResolveServerEndPoints()
    {
        var entries = Servers.Count > 0 ? Servers.ToList() : ReadResolvConf(ResolvConfPath);
        if (entries.Count == 0)
        {
            entries = ["127.0.0.1"];
        }

        return entries.Select(ParseServer).ToList();
    }

    /// <summary>Parses one server entry.</summary>
    /// <param name="entry"><c>address</c>, <c>address:port</c> or <c>[v6]:port</c>.</param>
    /// <exception cref="FormatException">Not an address.</exception>
    public static IPEndPoint ParseServer(string entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var text = entry.Trim();
        if (IPAddress.TryParse(text, out var bare) && !text.StartsWith('['))
        {
            return new IPEndPoint(bare, DefaultPort);
        }

        if (IPEndPoint.TryParse(text, out var endPoint) && endPoint.Port is > 0 and <= 65535)
        {
            return endPoint;
        }

        if (IPEndPoint.TryParse(text, out endPoint) && endPoint.Port == 0 && !text.EndsWith(":0", StringComparison.Ordinal))
        {
            return new IPEndPoint(endPoint.Address, DefaultPort);
        }

        throw new FormatException($"'{entry}' is not a DNS server address (expected for example 127.0.0.1, 127.0.0.1:5353 or [::1]:5353).");
    }

    /// <summary>The <c>nameserver</c> entries of a resolv.conf file; empty when the file cannot be read.</summary>
    /// <param name="path">File path.</param>
    public static List<string> ReadResolvConf(string path)
    {
        try
        {
            return ParseResolvConf(File.ReadAllText(path));
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Extracts <c>nameserver</c> addresses from resolv.conf text (comments with <c>#</c> or <c>;</c>, IPv6 zone ids dropped).</summary>
    /// <param name="text">File contents.</param>
    public static List<string> ParseResolvConf(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var servers = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && parts[0].Equals("nameserver", StringComparison.OrdinalIgnoreCase))
            {
                var address = parts[1];
                var zone = address.IndexOf('%', StringComparison.Ordinal);
                if (zone >= 0)
                {
                    address = address[..zone];
                }

                if (IPAddress.TryParse(address, out var ip))
                {
                    servers.Add(ip.ToString());
                }
            }
        }

        return servers;
    }

    internal static string Describe(IPEndPoint endPoint) =>
        endPoint.Port == DefaultPort ? endPoint.Address.ToString() : endPoint.ToString();

    internal void Validate()
    {
        if (Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "The timeout must be positive.");
        }

        if (Attempts < 1 || MaxConcurrentQueries < 1 || MaxCnameChain < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Attempts), string.Create(CultureInfo.InvariantCulture, $"Attempts ({Attempts}), MaxConcurrentQueries ({MaxConcurrentQueries}) and MaxCnameChain ({MaxCnameChain}) must be at least 1."));
        }

        if (UdpPayloadSize is < 512 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(UdpPayloadSize), UdpPayloadSize, "The EDNS payload size must be 512 to 65535.");
        }
    }
}
