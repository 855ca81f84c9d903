namespace BackscatterConsole.Domain.Dns;

/// <summary>Resource record types the resolver writes and reads (RFC 1035 §3.2.2, RFC 3596, RFC 6891).</summary>
#pragma warning disable CA1028 // The wire value is a 16-bit field.
public enum DnsRecordType : ushort
#pragma warning restore CA1028
{
    /// <summary>IPv4 address.</summary>
    A = 1,

    /// <summary>Authoritative name server.</summary>
    NS = 2,

    /// <summary>Canonical name (alias).</summary>
    CNAME = 5,

    /// <summary>Start of authority.</summary>
    SOA = 6,

    /// <summary>Domain name pointer (reverse lookups).</summary>
    PTR = 12,

    /// <summary>Mail exchanger.</summary>
    MX = 15,

    /// <summary>Text strings.</summary>
    TXT = 16,

    /// <summary>IPv6 address.</summary>
    AAAA = 28,

    /// <summary>EDNS0 pseudo-record (RFC 6891).</summary>
    OPT = 41,

    /// <summary>The obsolete SPF record type (RFC 7208 §3.1 says to use TXT only).</summary>
    SPF = 99,
}

/// <summary>How a query ended. Only <see cref="Success"/> carries records; the others are told apart so callers can judge them.</summary>
public enum DnsResponseStatus
{
    /// <summary>Records of the asked type exist.</summary>
    Success,

    /// <summary>The name exists but has no record of the asked type (NOERROR with an empty answer).</summary>
    NoData,

    /// <summary>The name does not exist (RCODE 3).</summary>
    NxDomain,

    /// <summary>The server could not answer (RCODE 2); a temporary failure.</summary>
    ServerFailure,

    /// <summary>The server refused the query (RCODE 5).</summary>
    Refused,

    /// <summary>No usable answer arrived within the time allowed.</summary>
    Timeout,

    /// <summary>The server answered with a malformed message or a FORMERR/NOTIMP code.</summary>
    FormatError,

    /// <summary>The network failed (unreachable, connection refused); a temporary failure.</summary>
    NetworkError,

    /// <summary>The name cannot be queried (label over 63 octets, name over 253, empty label, bad IDN).</summary>
    InvalidName,

    /// <summary>The CNAME chain was too long or looped.</summary>
    CnameLoop,
}
