using System.Globalization;

namespace BackscatterConsole.Domain.Posture;

/// <summary>DMARC policies, weakest first.</summary>
public enum DmarcPolicy
{
    /// <summary><c>none</c>: monitor only.</summary>
    None,

    /// <summary><c>quarantine</c>: treat failing mail as suspicious.</summary>
    Quarantine,

    /// <summary><c>reject</c>: refuse failing mail.</summary>
    Reject,
}

/// <summary>A parsed <c>v=DMARC1</c> record (RFC 7489 §6.3, updated by RFC 9989).</summary>
/// <param name="Text">The record as published.</param>
/// <param name="Policy">p=; <see cref="DmarcPolicy.None"/> when absent (RFC 9989 lets a record carry only rua).</param>
/// <param name="PolicyPresent">Whether p= was published.</param>
/// <param name="SubdomainPolicy">sp=, or null.</param>
/// <param name="NonExistentPolicy">np= (RFC 9989), or null.</param>
/// <param name="Percent">pct= (removed by RFC 9989 but still read by older receivers), or null.</param>
/// <param name="Testing">t=y (RFC 9989 testing mode).</param>
/// <param name="Psd">psd= : 'y', 'n' or 'u' (RFC 9989), or null.</param>
/// <param name="AggregateReportUris">rua= URIs.</param>
/// <param name="Tags">All tags as published.</param>
public sealed record DmarcRecord(
    string Text,
    DmarcPolicy Policy,
    bool PolicyPresent,
    DmarcPolicy? SubdomainPolicy,
    DmarcPolicy? NonExistentPolicy,
    int? Percent,
    bool Testing,
    char? Psd,
    IReadOnlyList<string> AggregateReportUris,
    IReadOnlyDictionary<string, string> Tags)
{
    /// <summary>True when a TXT string is meant as a DMARC record: it starts with the <c>v=DMARC1</c> tag.</summary>
    /// <param name="text">TXT text.</param>
    public static bool LooksLikeDmarc(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = text.Split(';')[0].Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\t", string.Empty, StringComparison.Ordinal);
        return first.Equals("v=DMARC1", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Parses a record; false with a reason when it is invalid.</summary>
    /// <param name="text">Record text.</param>
    /// <param name="record">The record.</param>
    /// <param name="error">Why it is invalid.</param>
    public static bool TryParse(string text, out DmarcRecord? record, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        record = null;
        if (!TagValueList.TryParse(text, out var tags, out error))
        {
            return false;
        }

        if (tags.Count == 0 || tags[0].Key != "v" || tags[0].Value != "DMARC1")
        {
            error = "The record must start with v=DMARC1.";
            return false;
        }

        var map = tags.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        DmarcPolicy policy = DmarcPolicy.None;
        var policyPresent = map.TryGetValue("p", out var p);
        if (policyPresent && !TryPolicy(p!, out policy))
        {
            error = $"p={p} is not none, quarantine or reject.";
            return false;
        }

        DmarcPolicy? sp = null;
        if (map.TryGetValue("sp", out var spText))
        {
            if (!TryPolicy(spText, out var parsed))
            {
                error = $"sp={spText} is not none, quarantine or reject.";
                return false;
            }

            sp = parsed;
        }

        DmarcPolicy? np = null;
        if (map.TryGetValue("np", out var npText))
        {
            if (!TryPolicy(npText, out var parsed))
            {
                error = $"np={npText} is not none, quarantine or reject.";
                return false;
            }

            np = parsed;
        }

        int? pct = null;
        if (map.TryGetValue("pct", out var pctText))
        {
            if (!int.TryParse(pctText, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > 100)
            {
                error = $"pct={pctText} is not a number from 0 to 100.";
                return false;
            }

            pct = value;
        }

        var rua = map.TryGetValue("rua", out var ruaText)
            ? ruaText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList()
            : [];
        char? psd = map.TryGetValue("psd", out var psdText) && psdText.Length == 1 ? char.ToLowerInvariant(psdText[0]) : null;
        var testing = map.TryGetValue("t", out var t) && t.Equals("y", StringComparison.OrdinalIgnoreCase);
        record = new DmarcRecord(text, policy, policyPresent, sp, np, pct, testing, psd, rua, map);
        return true;
    }

    /// <summary>The mailbox domain of a <c>mailto:</c> URI (size suffix and query dropped), or null for other schemes.</summary>
    /// <param name="uri">A rua/ruf URI.</param>
    public static string? MailtoDomain(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var address = uri[7..];
        var bang = address.IndexOf('!', StringComparison.Ordinal);
        if (bang >= 0)
        {
            address = address[..bang];
        }

        var query = address.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            address = address[..query];
        }

        var at = address.LastIndexOf('@');
        return at <= 0 || at == address.Length - 1 ? null : address[(at + 1)..].ToLowerInvariant();
    }

    private static bool TryPolicy(string text, out DmarcPolicy policy)
    {
        switch (text.ToLowerInvariant())
        {
            case "none": policy = DmarcPolicy.None; return true;
            case "quarantine": policy = DmarcPolicy.Quarantine; return true;
            case "reject": policy = DmarcPolicy.Reject; return true;
            default: policy = DmarcPolicy.None; return false;
        }
    }
}
