using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace BackscatterConsole.Domain.Names;

/// <summary>
/// Validates and normalizes DNS host and domain names (RFC 1035 §2.3.4, RFC 1123 §2.1):
/// labels of 1–63 octets of letters, digits and hyphens, not starting or ending with a hyphen, 253 octets in all.
/// Internationalized names are turned into their ASCII (A-label) form with IDNA.
/// </summary>
public static class HostName
{
    /// <summary>Longest presentation-form name without the trailing dot (RFC 1035: 255 octets on the wire).</summary>
    public const int MaxLength = 253;

    /// <summary>Longest label.</summary>
    public const int MaxLabelLength = 63;

    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    /// <summary>
    /// Normalizes <paramref name="input"/> to lower-case ASCII without a trailing dot.
    /// Returns false with a user-facing <paramref name="error"/> when it is not a valid host name.
    /// </summary>
    /// <param name="input">What the user typed.</param>
    /// <param name="normalized">The lower-case A-label form.</param>
    /// <param name="error">Why the name is invalid.</param>
    /// <param name="allowUnderscore">Allow underscores, as in service labels such as <c>_dmarc</c> or DKIM selectors.</param>
    public static bool TryNormalize(string? input, out string normalized, out string error, bool allowUnderscore = false)
    {
        normalized = string.Empty;
        if (!TryPrepare(input, out var text, out error))
        {
            return false;
        }

        if (text.Length > MaxLength)
        {
            error = $"It is {text.Length} characters long; a DNS name has at most {MaxLength}.";
            return false;
        }

        foreach (var label in text.Split('.'))
        {
            if (!IsValidLabel(label, allowUnderscore, out error))
            {
                return false;
            }
        }

        normalized = text;
        error = string.Empty;
        return true;
    }

    /// <summary>
    /// Normalizes a name to be sent in a DNS query. Looser than <see cref="TryNormalize"/>: DNS itself allows any octet in a label,
    /// and names built by SPF macros or service labels (<c>_dmarc</c>, DKIM selectors, local parts) legitimately hold characters such as
    /// <c>_</c>, <c>+</c> or <c>=</c>. Spaces are legal octets too (the RFC 7208 suite queries one). Still enforced: printable ASCII after IDNA, no backslash, no empty label, labels of at most 63 octets, 253 in all.
    /// </summary>
    /// <param name="input">The name.</param>
    /// <param name="normalized">Lower-case form without the trailing dot.</param>
    /// <param name="error">Why the name cannot be queried.</param>
    public static bool TryNormalizeQueryName(string? input, out string normalized, out string error)
    {
        // Resolvers call this for every lookup; names already in normal form skip the allocations below.
        if (IsNormalQueryName(input))
        {
            normalized = input!;
            error = string.Empty;
            return true;
        }

        normalized = string.Empty;
        if (!TryPrepare(input, out var text, out error))
        {
            return false;
        }

        if (text.Length > MaxLength)
        {
            error = $"It is {text.Length} characters long; a DNS name has at most {MaxLength}.";
            return false;
        }

        foreach (var label in text.Split('.'))
        {
            if (label.Length == 0)
            {
                error = "It has an empty label (two dots in a row, or a leading dot).";
                return false;
            }

            if (label.Length > MaxLabelLength)
            {
                error = $"The label '{Shorten(label)}' is {label.Length} characters long; a label has at most {MaxLabelLength}.";
                return false;
            }

            if (label.Any(c => c is < ' ' or > '~' or '\\'))
            {
                error = $"The label '{Shorten(label)}' holds a control character or a backslash.";
                return false;
            }
        }

        normalized = text;
        error = string.Empty;
        return true;
    }

    private static bool IsNormalQueryName(string? input)
    {
        if (input is null || input.Length is 0 or > MaxLength)
        {
            return false;
        }

        var labelLength = 0;
        foreach (var c in input)
        {
            if (c == '.')
            {
                if (labelLength == 0)
                {
                    return false;
                }

                labelLength = 0;
                continue;
            }

            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_') || ++labelLength > MaxLabelLength)
            {
                return false;
            }
        }

        return labelLength > 0;
    }

    /// <summary>True when <paramref name="input"/> is an IPv4 or IPv6 address literal.</summary>
    public static bool IsIpAddress(string? input) =>
        IPAddress.TryParse(input?.Trim(), out var address)
        && (address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
        && (address.AddressFamily != AddressFamily.InterNetwork || input!.Trim().Count(c => c == '.') == 3);

    /// <summary>Trims, drops the root dot, and turns an internationalized name into lower-case A-labels.</summary>
    private static bool TryPrepare(string? input, out string text, out string error)
    {
        text = input?.Trim() ?? string.Empty;
        if (text.EndsWith('.'))
        {
            text = text[..^1];
        }

        if (text.Length == 0)
        {
            error = "A name is required.";
            return false;
        }

        if (text.Any(c => c > 0x7F))
        {
            try
            {
                text = Idn.GetAscii(text);
            }
            catch (ArgumentException)
            {
                error = "It is not a valid internationalized domain name.";
                return false;
            }
        }

        text = text.ToLowerInvariant();
        error = string.Empty;
        return true;
    }

    private static bool IsValidLabel(string label, bool allowUnderscore, out string error)
    {
        if (label.Length == 0)
        {
            error = "It has an empty label (two dots in a row, or a leading dot).";
            return false;
        }

        if (label.Length > MaxLabelLength)
        {
            error = $"The label '{Shorten(label)}' is {label.Length} characters long; a label has at most {MaxLabelLength}.";
            return false;
        }

        if (label[0] == '-' || label[^1] == '-')
        {
            error = $"The label '{label}' starts or ends with a hyphen.";
            return false;
        }

        foreach (var c in label)
        {
            var ok = c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' || (allowUnderscore && c == '_');
            if (!ok)
            {
                error = $"The character '{c}' is not allowed in a host name (letters, digits and hyphens only).";
                return false;
            }
        }

        error = string.Empty;
        return true;
    }

    private static string Shorten(string label) => label.Length <= 20 ? label : label[..20] + "…";
}
