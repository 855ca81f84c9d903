using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace BackscatterConsole.Domain.Spf;

/// <summary>Mechanism kinds (RFC 7208 §5).</summary>
public enum SpfMechanismKind
{
    /// <summary><c>all</c>.</summary>
    All,

    /// <summary><c>include:</c>.</summary>
    Include,

    /// <summary><c>a</c>.</summary>
    A,

    /// <summary><c>mx</c>.</summary>
    Mx,

    /// <summary><c>ptr</c> (deprecated by RFC 7208 §5.5).</summary>
    Ptr,

    /// <summary><c>ip4:</c>.</summary>
    Ip4,

    /// <summary><c>ip6:</c>.</summary>
    Ip6,

    /// <summary><c>exists:</c>.</summary>
    Exists,
}

/// <summary>One parsed mechanism.</summary>
/// <param name="Text">The term as published.</param>
/// <param name="Qualifier">The result when it matches (<c>+</c> by default).</param>
/// <param name="Kind">Mechanism kind.</param>
/// <param name="DomainSpec">The unexpanded domain-spec, or null when the current domain applies.</param>
/// <param name="Network">The address for ip4/ip6.</param>
/// <param name="Cidr4">IPv4 prefix length.</param>
/// <param name="Cidr6">IPv6 prefix length.</param>
public sealed record SpfMechanism(string Text, SpfResult Qualifier, SpfMechanismKind Kind, string? DomainSpec, IPAddress? Network, int Cidr4, int Cidr6)
{
    /// <summary>True for mechanisms that cost a DNS-querying term (RFC 7208 §4.6.4).</summary>
    public bool QueriesDns => Kind is SpfMechanismKind.Include or SpfMechanismKind.A or SpfMechanismKind.Mx or SpfMechanismKind.Ptr or SpfMechanismKind.Exists;
}

/// <summary>One modifier.</summary>
/// <param name="Name">Lower-case name.</param>
/// <param name="Value">The unexpanded value.</param>
public sealed record SpfModifier(string Name, string Value);

/// <summary>Thrown when a record does not follow the RFC 7208 grammar.</summary>
public sealed class SpfSyntaxException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SpfSyntaxException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong.</param>
    public SpfSyntaxException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">Cause.</param>
    public SpfSyntaxException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A parsed <c>v=spf1</c> record. The whole record is checked before evaluation (RFC 7208 §4.6: any syntax error is a permerror).</summary>
public sealed partial class SpfRecord
{
    private const int MaxParsedRecords = 10_000;
    private static readonly ConcurrentDictionary<string, (SpfRecord? Record, string? Error)> ParsedRecords = new(StringComparer.Ordinal);
    private static int _parsedCount;

    private SpfRecord(string text, IReadOnlyList<SpfMechanism> mechanisms, IReadOnlyList<SpfModifier> modifiers)
    {
        Text = text;
        Mechanisms = mechanisms;
        Modifiers = modifiers;
    }

    /// <summary>The record as published.</summary>
    public string Text { get; }

    /// <summary>Mechanisms in order.</summary>
    public IReadOnlyList<SpfMechanism> Mechanisms { get; }

    /// <summary>All modifiers, known and unknown.</summary>
    public IReadOnlyList<SpfModifier> Modifiers { get; }

    /// <summary>The <c>redirect=</c> domain-spec, if any.</summary>
    public string? Redirect => Modifiers.FirstOrDefault(m => m.Name == "redirect")?.Value;

    /// <summary>The <c>exp=</c> domain-spec, if any.</summary>
    public string? Exp => Modifiers.FirstOrDefault(m => m.Name == "exp")?.Value;

    /// <summary>True when <paramref name="text"/> is an SPF version 1 record: <c>v=spf1</c> followed by a space or nothing (RFC 7208 §4.5).</summary>
    /// <param name="text">TXT record text.</param>
    public static bool IsSpfRecord(string? text) =>
        text is not null && text.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) && (text.Length == 6 || text[6] == ' ');

    /// <summary>Parses a record, or explains why it is not valid.</summary>
    /// <param name="text">The record text starting with <c>v=spf1</c>.</param>
    /// <param name="record">The record.</param>
    /// <param name="error">The syntax error.</param>
    public static bool TryParse(string text, out SpfRecord? record, out string? error)
    {
        try
        {
            record = Parse(text);
            error = null;
            return true;
        }
        catch (SpfSyntaxException ex)
        {
            record = null;
            error = ex.Message;
            return false;
        }
    }

    /// <summary>Records are immutable once parsed, and the same includes recur across thousands of domains: parse each text once.</summary>
    internal static bool TryParseCached(string text, out SpfRecord? record, out string? error)
    {
        if (!ParsedRecords.TryGetValue(text, out var parsed))
        {
            var ok = TryParse(text, out var fresh, out var freshError);
            parsed = (ok ? fresh : null, freshError);
            // ConcurrentDictionary.Count takes every lock, so keep our own approximate count for the bound.
            if (Interlocked.Increment(ref _parsedCount) > MaxParsedRecords)
            {
                ParsedRecords.Clear();
                Interlocked.Exchange(ref _parsedCount, 0);
            }

            ParsedRecords[text] = parsed;
        }

        (record, error) = parsed;
        return record is not null;
    }

    /// <summary>Parses a record.</summary>
    /// <param name="text">The record text starting with <c>v=spf1</c>.</param>
    /// <exception cref="SpfSyntaxException">The record is invalid.</exception>
    public static SpfRecord Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!IsSpfRecord(text))
        {
            throw new SpfSyntaxException("The record does not start with 'v=spf1'.");
        }

        var badIndex = text.AsSpan().IndexOfAnyExceptInRange(' ', '~');
        if (badIndex >= 0)
        {
            throw new SpfSyntaxException(string.Create(CultureInfo.InvariantCulture, $"The record holds the character U+{(int)text[badIndex]:X4}; SPF records are printable 7-bit ASCII."));
        }

        var mechanisms = new List<SpfMechanism>();
        var modifiers = new List<SpfModifier>();

        // Terms are separated by one or more spaces, and only spaces (RFC 7208 §4.6.1).
        foreach (var term in text[6..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var modifier = ModifierPattern().Match(term);
            if (modifier.Success)
            {
                var name = modifier.Groups[1].Value.ToLowerInvariant();
                var value = modifier.Groups[2].Value;
                if (name is "redirect" or "exp")
                {
                    if (modifiers.Any(m => m.Name == name))
                    {
                        throw new SpfSyntaxException($"'{name}=' appears more than once.");
                    }

                    ValidateDomainSpec(value, term);
                }
                else
                {
                    SpfMacro.Validate(value, allowExplanationLetters: false, term);
                }

                modifiers.Add(new SpfModifier(name, value));
                continue;
            }

            mechanisms.Add(ParseMechanism(term));
        }

        return new SpfRecord(text, mechanisms, modifiers);
    }

    private static SpfMechanism ParseMechanism(string term)
    {
        var qualifier = SpfResult.Pass;
        var rest = term;
        switch (rest[0])
        {
            case '+': qualifier = SpfResult.Pass; rest = rest[1..]; break;
            case '-': qualifier = SpfResult.Fail; rest = rest[1..]; break;
            case '~': qualifier = SpfResult.SoftFail; rest = rest[1..]; break;
            case '?': qualifier = SpfResult.Neutral; rest = rest[1..]; break;
            default: break;
        }

        var nameEnd = 0;
        while (nameEnd < rest.Length && char.IsAsciiLetterOrDigit(rest[nameEnd]))
        {
            nameEnd++;
        }

        var name = rest[..nameEnd].ToLowerInvariant();
        var arg = rest[nameEnd..];
        switch (name)
        {
            case "all":
                if (arg.Length != 0)
                {
                    throw new SpfSyntaxException($"'{term}': 'all' takes no argument.");
                }

                return new SpfMechanism(term, qualifier, SpfMechanismKind.All, null, null, 32, 128);
            case "include":
            case "exists":
                if (!arg.StartsWith(':') || arg.Length == 1)
                {
                    throw new SpfSyntaxException($"'{term}': '{name}' needs ':domain'.");
                }

                ValidateDomainSpec(arg[1..], term);
                return new SpfMechanism(term, qualifier, name == "include" ? SpfMechanismKind.Include : SpfMechanismKind.Exists, arg[1..], null, 32, 128);
            case "a":
            case "mx":
                {
                    var (domain, cidr4, cidr6) = SplitDualCidr(arg, term);
                    return new SpfMechanism(term, qualifier, name == "a" ? SpfMechanismKind.A : SpfMechanismKind.Mx, domain, null, cidr4, cidr6);
                }

            case "ptr":
                {
                    string? domain = null;
                    if (arg.Length > 0)
                    {
                        if (arg[0] != ':' || arg.Length == 1)
                        {
                            throw new SpfSyntaxException($"'{term}': 'ptr' takes only an optional ':domain'.");
                        }

                        domain = arg[1..];
                        ValidateDomainSpec(domain, term);
                    }

                    return new SpfMechanism(term, qualifier, SpfMechanismKind.Ptr, domain, null, 32, 128);
                }

            case "ip4":
                return ParseIp(term, qualifier, arg, AddressFamily.InterNetwork);
            case "ip6":
                return ParseIp(term, qualifier, arg, AddressFamily.InterNetworkV6);
            default:
                throw new SpfSyntaxException($"'{term}' is not a known mechanism or a well-formed modifier.");
        }
    }

    private static SpfMechanism ParseIp(string term, SpfResult qualifier, string arg, AddressFamily family)
    {
        var v4 = family == AddressFamily.InterNetwork;
        if (!arg.StartsWith(':'))
        {
            throw new SpfSyntaxException($"'{term}' needs ':address'.");
        }

        var body = arg[1..];
        var max = v4 ? 32 : 128;
        var cidr = max;
        var slash = body.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            cidr = ParseCidr(body[(slash + 1)..], max, term);
            body = body[..slash];
        }

        if (v4 ? !Ip4Pattern().IsMatch(body) : !body.Contains(':', StringComparison.Ordinal))
        {
            throw new SpfSyntaxException($"'{term}': '{body}' is not an {(v4 ? "IPv4" : "IPv6")} address.");
        }

        if (!IPAddress.TryParse(body, out var address) || address.AddressFamily != family)
        {
            throw new SpfSyntaxException($"'{term}': '{body}' is not an {(v4 ? "IPv4" : "IPv6")} address.");
        }

        return new SpfMechanism(term, qualifier, v4 ? SpfMechanismKind.Ip4 : SpfMechanismKind.Ip6, null, address, v4 ? cidr : 32, v4 ? 128 : cidr);
    }

    private static (string? Domain, int Cidr4, int Cidr6) SplitDualCidr(string arg, string term)
    {
        var cidr4 = 32;
        var cidr6 = 128;
        var match = DualCidrPattern().Match(arg);
        var head = arg[..match.Index];
        if (match.Groups[1].Success)
        {
            cidr4 = ParseCidr(match.Groups[1].Value, 32, term);
        }

        if (match.Groups[2].Success)
        {
            cidr6 = ParseCidr(match.Groups[2].Value, 128, term);
        }

        if (head.Length == 0)
        {
            return (null, cidr4, cidr6);
        }

        if (head[0] != ':' || head.Length == 1)
        {
            throw new SpfSyntaxException($"'{term}' is malformed: expected ':domain' and/or '/cidr'.");
        }

        ValidateDomainSpec(head[1..], term);
        return (head[1..], cidr4, cidr6);
    }

    private static int ParseCidr(string digits, int max, string term)
    {
        // Leading zeros are refused as for ip4-network (RFC 7208 §5.6 and the conformance suite).
        if (digits.Length == 0 || digits.Length > 3 || !digits.All(char.IsAsciiDigit) || (digits.Length > 1 && digits[0] == '0'))
        {
            throw new SpfSyntaxException($"'{term}': '/{digits}' is not a prefix length.");
        }

        var value = int.Parse(digits, CultureInfo.InvariantCulture);
        if (value > max)
        {
            throw new SpfSyntaxException($"'{term}': the prefix length {value} exceeds {max}.");
        }

        return value;
    }

    /// <summary>domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) / macro-expand (RFC 7208 §7.1).</summary>
    internal static void ValidateDomainSpec(string spec, string term)
    {
        if (spec.Length == 0)
        {
            throw new SpfSyntaxException($"'{term}': the domain is empty.");
        }

        var endsWithMacro = SpfMacro.Validate(spec, allowExplanationLetters: false, term);
        if (endsWithMacro)
        {
            return;
        }

        var body = spec.EndsWith('.') ? spec[..^1] : spec;
        var dot = body.LastIndexOf('.');
        if (dot < 0)
        {
            throw new SpfSyntaxException($"'{term}': '{spec}' is not a fully qualified domain name.");
        }

        var top = body[(dot + 1)..];
        if (!TopLabelPattern().IsMatch(top))
        {
            throw new SpfSyntaxException($"'{term}': '{top}' is not a valid top-level label (letters, digits and inner hyphens, not all digits).");
        }
    }

    [GeneratedRegex(@"^([A-Za-z][A-Za-z0-9\-_.]*)=(.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex ModifierPattern();

    [GeneratedRegex(@"(?:/([0-9]+))?(?://([0-9]+))?$", RegexOptions.CultureInvariant)]
    private static partial Regex DualCidrPattern();

    [GeneratedRegex(@"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$", RegexOptions.CultureInvariant)]
    private static partial Regex Ip4Pattern();

    [GeneratedRegex(@"^(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9\-]*[A-Za-z0-9])$", RegexOptions.CultureInvariant)]
    private static partial Regex TopLabelPattern();
}
