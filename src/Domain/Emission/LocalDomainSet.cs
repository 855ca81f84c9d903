namespace BackscatterConsole.Domain.Emission;

/// <summary>
/// The domains a mail server treats as its own. A recipient domain outside them is <em>foreign</em>: a notification to it
/// leaves the server, and when the sender it answers was forged, it is backscatter.
/// </summary>
/// <remarks>
/// Names match exactly (case-insensitive, a trailing dot ignored); an entry written <c>.example.org</c> matches the
/// subdomains of example.org, as in Postfix domain lists. A recipient without a domain (an unqualified local name) is
/// local. Postfix's <c>parent_domain_matches_subdomains</c> is not applied to bare names.
/// </remarks>
public sealed class LocalDomainSet
{
    private readonly HashSet<string> _exact;
    private readonly HashSet<string> _parents;

    /// <summary>Builds the set from names as the MTA lists them.</summary>
    public LocalDomainSet(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        _exact = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        _parents = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in names)
        {
            var name = Normalize(raw);
            if (name.Length == 0)
            {
                continue;
            }

            if (name[0] == '.')
            {
                if (name.Length > 1)
                {
                    _parents.Add(name[1..]);
                }
            }
            else
            {
                _exact.Add(name);
            }
        }
    }

    /// <summary>An empty set: every qualified domain is foreign.</summary>
    public static LocalDomainSet Empty { get; } = new([]);

    /// <summary>The exact names, sorted, then the subdomain patterns (with their leading dot).</summary>
    public IReadOnlyList<string> Names => [.. _exact.Order(StringComparer.Ordinal), .. _parents.Order(StringComparer.Ordinal).Select(p => "." + p)];

    /// <summary>How many names and patterns the set holds.</summary>
    public int Count => _exact.Count + _parents.Count;

    /// <summary>A set holding these names and <paramref name="more"/>.</summary>
    public LocalDomainSet With(IEnumerable<string> more) => new(Names.Concat(more));

    /// <summary>True when <paramref name="domain"/> is one of the server's own (or empty: an unqualified recipient).</summary>
    public bool IsLocal(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var name = Normalize(domain);
        if (name.Length == 0 || _exact.Contains(name))
        {
            return true;
        }

        if (_parents.Count == 0)
        {
            return false;
        }

        for (var dot = name.IndexOf('.', StringComparison.Ordinal); dot >= 0; dot = name.IndexOf('.', dot + 1))
        {
            if (_parents.Contains(name[(dot + 1)..]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The domain of an address (after its last <c>@</c>), lower-case and without a trailing dot; empty for an unqualified name.</summary>
    public static string DomainOf(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var at = address.LastIndexOf('@');
        return at < 0 ? string.Empty : Normalize(address[(at + 1)..]);
    }

    private static string Normalize(string name) => name.Trim().TrimEnd('.').ToLowerInvariant();
}
