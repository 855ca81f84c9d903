using BackscatterConsole.Domain.Dnsbl;

namespace BackscatterConsole.Server.Dnsbl;

/// <summary>The <c>Dnsbl</c> section: whether scans look egress addresses up on blocklists, and in which zones.</summary>
public sealed class DnsblOptions
{
    public const string Section = "Dnsbl";

    /// <summary>False leaves <c>dnsbl.listing</c> out of scans (for a console without a resolver that may query blocklists).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The zones; empty uses <see cref="DnsblZone.Defaults"/> (configuring any replaces all of them).</summary>
    public List<DnsblZone> Zones { get; set; } = [];

    /// <summary>The zones in effect.</summary>
    public IReadOnlyList<DnsblZone> EffectiveZones => Zones.Count > 0 ? Zones : DnsblZone.Defaults;
}
