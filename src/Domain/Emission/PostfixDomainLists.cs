namespace BackscatterConsole.Domain.Emission;

/// <summary>What a Postfix domain list names: literal domains, files of names, and lookup tables.</summary>
/// <param name="Names">Literal domains (and <c>.parent</c> patterns), lower-case.</param>
/// <param name="Files"><c>/file/name</c> entries: files whose contents are more list entries.</param>
/// <param name="Tables"><c>type:table</c> entries, as written (for example <c>hash:/etc/postfix/vdomains</c>, <c>mysql:/etc/postfix/mysql-domains.cf</c>).</param>
/// <param name="Negated">Entries written with <c>!</c>: excluded from the list, so never counted as local.</param>
public sealed record DomainListEntries(IReadOnlyList<string> Names, IReadOnlyList<string> Files, IReadOnlyList<string> Tables, IReadOnlyList<string> Negated);

/// <summary>
/// Parses the domain lists of <c>postconf -hx mydestination virtual_mailbox_domains virtual_alias_domains relay_domains</c>
/// (postconf's own <c>$name</c> expansion already applied) and the tables Postfix keeps domains in. No I/O: the agent reads
/// files and runs <c>postmap</c>.
/// </summary>
public static class PostfixDomainLists
{
    /// <summary>The parameters whose domains are the server's own.</summary>
    public static IReadOnlyList<string> Parameters { get; } = ["mydestination", "virtual_mailbox_domains", "virtual_alias_domains", "relay_domains"];

    /// <summary>Table types <c>postmap -s</c> can list (the indexed file types).</summary>
    public static IReadOnlyList<string> ListableTypes { get; } = ["hash", "btree", "lmdb", "cdb", "dbm", "sdbm"];

    /// <summary>
    /// Splits list values into entries. Separators are commas and white space, except inside <c>{ … }</c> (an
    /// <c>inline:{ … }</c> table is one entry).
    /// </summary>
    public static DomainListEntries Parse(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var names = new List<string>();
        var files = new List<string>();
        var tables = new List<string>();
        var negated = new List<string>();
        foreach (var entry in values.SelectMany(Split))
        {
            if (entry.StartsWith('!'))
            {
                negated.Add(entry[1..]);
            }
            else if (entry.StartsWith('/'))
            {
                files.Add(entry);
            }
            else if (IsTable(entry))
            {
                tables.Add(entry);
            }
            else
            {
                names.Add(entry.TrimEnd('.').ToLowerInvariant());
            }
        }

        return new DomainListEntries(names.Distinct(StringComparer.Ordinal).ToList(), files.Distinct(StringComparer.Ordinal).ToList(), tables.Distinct(StringComparer.Ordinal).ToList(), negated);
    }

    /// <summary>The entries of a <c>/file/name</c> list: the same syntax, <c>#</c> starting a comment.</summary>
    public static DomainListEntries ParseFile(string contents)
    {
        ArgumentNullException.ThrowIfNull(contents);
        return Parse(contents.ReplaceLineEndings("\n").Split('\n').Select(l => l.Split('#')[0]));
    }

    /// <summary>The table type of an entry (<c>hash</c> of <c>hash:/etc/x</c>; the inner type of <c>proxy:mysql:…</c>).</summary>
    public static string TableType(string table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var inner = table.StartsWith("proxy:", StringComparison.Ordinal) ? table["proxy:".Length..] : table;
        var colon = inner.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? inner : inner[..colon];
    }

    /// <summary>True when <c>postmap -s</c> can list the table's keys.</summary>
    public static bool IsListable(string table) => ListableTypes.Contains(TableType(table), StringComparer.Ordinal);

    /// <summary>
    /// The keys of an <c>inline:{ key=value, key2, … }</c> table, or null when <paramref name="table"/> is not one. A domain
    /// list looks the domain up as a key.
    /// </summary>
    public static IReadOnlyList<string>? InlineKeys(string table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (!table.StartsWith("inline:{", StringComparison.Ordinal) || !table.EndsWith('}'))
        {
            return null;
        }

        return table["inline:{".Length..^1]
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2)[0].Trim().TrimStart('{').TrimEnd('}').Trim())
            .Where(k => k.Length > 0)
            .ToList();
    }

    /// <summary>
    /// The domains among the keys <c>postmap -s</c> printed (<c>key value</c> per line) or a <c>texthash:</c> file holds:
    /// keys with an <c>@</c> are addresses, which a domain lookup never matches, so they are left out.
    /// </summary>
    public static IReadOnlyList<string> DomainKeys(string tableDump)
    {
        ArgumentNullException.ThrowIfNull(tableDump);
        return tableDump.ReplaceLineEndings("\n").Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split([' ', '\t'], 2)[0])
            .Where(k => !k.Contains('@', StringComparison.Ordinal))
            .Select(k => k.TrimEnd('.').ToLowerInvariant())
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    private static bool IsTable(string entry)
    {
        var colon = entry.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && entry[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
    }

    private static IEnumerable<string> Split(string value)
    {
        var depth = 0;
        var start = -1;
        for (var i = 0; i <= value.Length; i++)
        {
            var c = i < value.Length ? value[i] : ',';
            if (c == '{')
            {
                depth++;
            }
            else if (c == '}')
            {
                depth = Math.Max(0, depth - 1);
            }

            var separator = depth == 0 && (c == ',' || char.IsWhiteSpace(c));
            if (separator)
            {
                if (start >= 0)
                {
                    yield return value[start..i];
                    start = -1;
                }
            }
            else if (start < 0)
            {
                start = i;
            }
        }
    }
}
