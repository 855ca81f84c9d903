namespace BackscatterConsole.Shared.Posture;

/// <summary>
/// The stable ids of the DNS posture checks (the <c>spf.*</c>, <c>dkim.*</c>, <c>dmarc.*</c> and <c>mx.*</c> rows of the check catalogue).
/// <see cref="SpfRecord"/>, <see cref="DmarcRecord"/>, <see cref="MxRecords"/> and <see cref="MxResolvable"/> always appear.
/// The SPF detail checks (<see cref="SpfAll"/>, <see cref="SpfLookups"/>, <see cref="SpfPtr"/>) appear when an SPF record exists (or the
/// lookup failed, as <c>error</c>); the DMARC detail checks (<see cref="DmarcPolicy"/> to <see cref="DmarcPct"/>) only when a valid DMARC
/// record applies. DKIM gives one <c>dkim.&lt;selector&gt;</c> per selector, or <see cref="DkimSelectors"/> when none is known.
/// </summary>
public static class PostureCheckIds
{
    /// <summary>Exactly one syntactically valid <c>v=spf1</c> record, and every include/redirect resolves to one. fail: none, several, syntax or include errors.</summary>
    public const string SpfRecord = "spf.record";

    /// <summary>What a sender not listed gets: pass <c>-all</c>; warn <c>~all</c> (tolerable behind enforcing DMARC), <c>?all</c> or no all; fail <c>+all</c>.</summary>
    public const string SpfAll = "spf.all";

    /// <summary>RFC 7208 limits: fail over 10 DNS-querying terms across includes or over 2 void lookups.</summary>
    public const string SpfLookups = "spf.lookups";

    /// <summary>warn: the policy uses the deprecated <c>ptr</c> mechanism anywhere in its tree.</summary>
    public const string SpfPtr = "spf.ptr";

    /// <summary>Prefix of the per-selector DKIM key check: the id is <c>dkim.&lt;selector&gt;</c>.</summary>
    public const string DkimPrefix = "dkim.";

    /// <summary>unknown: no DKIM selector was given, and selectors cannot be listed from DNS.</summary>
    public const string DkimSelectors = "dkim.selectors";

    /// <summary>A valid <c>v=DMARC1</c> record applies (at <c>_dmarc.&lt;domain&gt;</c> or found by the tree walk). fail: none or invalid.</summary>
    public const string DmarcRecord = "dmarc.record";

    /// <summary>warn <c>p=none</c>; pass quarantine or reject.</summary>
    public const string DmarcPolicy = "dmarc.policy";

    /// <summary>warn: <c>sp</c> or <c>np</c> weaker than <c>p</c>.</summary>
    public const string DmarcSubdomainPolicy = "dmarc.subdomain-policy";

    /// <summary>warn: no (valid or authorized) <c>rua</c> aggregate-report address.</summary>
    public const string DmarcRua = "dmarc.rua";

    /// <summary>warn: <c>pct</c> below 100 or testing mode <c>t=y</c>.</summary>
    public const string DmarcPct = "dmarc.pct";

    /// <summary>fail: no MX record (a null MX, RFC 7505, is reported as info).</summary>
    public const string MxRecords = "mx.records";

    /// <summary>fail: no exchanger resolves to an address; warn: some do not.</summary>
    public const string MxResolvable = "mx.resolvable";

    /// <summary>The id of the DKIM check for <paramref name="selector"/>.</summary>
    /// <param name="selector">DKIM selector.</param>
    public static string Dkim(string selector) => DkimPrefix + selector;
}
