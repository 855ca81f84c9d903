using System.Net;

namespace BackscatterConsole.Domain.Dns;

/// <summary>One resource record. Owner names are lower-case presentation form without the trailing dot.</summary>
/// <param name="Name">Owner name.</param>
/// <param name="Type">Record type.</param>
/// <param name="Ttl">Time to live in seconds.</param>
public abstract record DnsRecord(string Name, DnsRecordType Type, uint Ttl)
{
    /// <summary>The record data in presentation form, for evidence and traces.</summary>
    public abstract string DataText { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {Ttl} IN {Type} {DataText}";
}

/// <summary>An A or AAAA record.</summary>
/// <param name="Name">Owner name.</param>
/// <param name="Type"><see cref="DnsRecordType.A"/> or <see cref="DnsRecordType.AAAA"/>.</param>
/// <param name="Ttl">Time to live in seconds.</param>
/// <param name="Address">The address.</param>
public sealed record AddressRecord(string Name, DnsRecordType Type, uint Ttl, IPAddress Address) : DnsRecord(Name, Type, Ttl)
{
    /// <inheritdoc/>
    public override string DataText => Address.ToString();
}

/// <summary>A record whose data is one domain name: CNAME, PTR or NS.</summary>
/// <param name="Name">Owner name.</param>
/// <param name="Type">Record type.</param>
/// <param name="Ttl">Time to live in seconds.</param>
/// <param name="Target">The name in the record data.</param>
public sealed record NameRecord(string Name, DnsRecordType Type, uint Ttl, string Target) : DnsRecord(Name, Type, Ttl)
{
    /// <inheritdoc/>
    public override string DataText => Target + ".";
}

/// <summary>An MX record.</summary>
/// <param name="Name">Owner name.</param>
/// <param name="Ttl">Time to live in seconds.</param>
/// <param name="Preference">Lower is preferred.</param>
/// <param name="Exchange">Mail exchanger host name; empty for the null MX of RFC 7505.</param>
public sealed record MxRecord(string Name, uint Ttl, ushort Preference, string Exchange) : DnsRecord(Name, DnsRecordType.MX, Ttl)
{
    /// <inheritdoc/>
    public override string DataText => $"{Preference} {Exchange}.";
}

/// <summary>A TXT (or legacy SPF) record. <see cref="Text"/> joins the character-strings with nothing between them (RFC 7208 §3.3).</summary>
/// <param name="Name">Owner name.</param>
/// <param name="Type">TXT or SPF.</param>
/// <param name="Ttl">Time to live in seconds.</param>
/// <param name="Strings">The character-strings as published.</param>
public sealed record TxtRecord(string Name, DnsRecordType Type, uint Ttl, IReadOnlyList<string> Strings) : DnsRecord(Name, Type, Ttl)
{
    /// <summary>The strings concatenated.</summary>
    public string Text { get; } = Strings.Count == 1 ? Strings[0] : string.Concat(Strings);

    /// <inheritdoc/>
    public override string DataText => string.Join(' ', Strings.Select(s => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""));
}

/// <summary>An SOA record; its minimum field bounds negative caching (RFC 2308).</summary>
/// <param name="Name">Owner (zone apex).</param>
/// <param name="Ttl">Time to live in seconds.</param>
/// <param name="PrimaryServer">MNAME.</param>
/// <param name="Mailbox">RNAME.</param>
/// <param name="Serial">Zone serial.</param>
/// <param name="Minimum">Negative-caching TTL.</param>
public sealed record SoaRecord(string Name, uint Ttl, string PrimaryServer, string Mailbox, uint Serial, uint Minimum) : DnsRecord(Name, DnsRecordType.SOA, Ttl)
{
    /// <inheritdoc/>
    public override string DataText => $"{PrimaryServer}. {Mailbox}. {Serial} ... {Minimum}";
}

/// <summary>A record of a type the resolver does not interpret.</summary>
/// <param name="Name">Owner name.</param>
/// <param name="Type">Record type.</param>
/// <param name="Ttl">Time to live in seconds.</param>
/// <param name="DataLength">Length of the record data in octets.</param>
public sealed record OpaqueRecord(string Name, DnsRecordType Type, uint Ttl, int DataLength) : DnsRecord(Name, Type, Ttl)
{
    /// <inheritdoc/>
    public override string DataText => $"\\# {DataLength}";
}
