namespace BackscatterConsole.Domain.Spf;

/// <summary>The seven results of <c>check_host()</c> (RFC 7208 §2.6).</summary>
public enum SpfResult
{
    /// <summary>No SPF record, or the domain is not a usable name.</summary>
    None,

    /// <summary>The domain states nothing about the address.</summary>
    Neutral,

    /// <summary>The address is authorized.</summary>
    Pass,

    /// <summary>The address is not authorized.</summary>
    Fail,

    /// <summary>Probably not authorized (<c>~</c>).</summary>
    SoftFail,

    /// <summary>A transient DNS error.</summary>
    TempError,

    /// <summary>The published records are erroneous or exceed the processing limits.</summary>
    PermError,
}

/// <summary>Text forms of <see cref="SpfResult"/> as written in Received-SPF headers.</summary>
public static class SpfResultExtensions
{
    /// <summary>The lower-case RFC 7208 name (<c>pass</c>, <c>softfail</c>, <c>permerror</c>, ...).</summary>
    /// <param name="result">The result.</param>
    public static string ToRfcString(this SpfResult result) => result switch
    {
        SpfResult.None => "none",
        SpfResult.Neutral => "neutral",
        SpfResult.Pass => "pass",
        SpfResult.Fail => "fail",
        SpfResult.SoftFail => "softfail",
        SpfResult.TempError => "temperror",
        SpfResult.PermError => "permerror",
        _ => "unknown",
    };

    /// <summary>Parses the RFC name; false when it is not one.</summary>
    /// <param name="text">The name.</param>
    /// <param name="result">The parsed result.</param>
    public static bool TryParse(string? text, out SpfResult result)
    {
        foreach (var candidate in Enum.GetValues<SpfResult>())
        {
            if (string.Equals(candidate.ToRfcString(), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                result = candidate;
                return true;
            }
        }

        result = SpfResult.None;
        return false;
    }
}
