using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BackscatterConsole.Domain.Spf;

/// <summary>The values macros expand to (RFC 7208 §7.2).</summary>
/// <param name="Sender">&lt;sender&gt; as local-part@domain.</param>
/// <param name="Domain">The current &lt;domain&gt; (changes with include and redirect).</param>
/// <param name="Ip">The client address.</param>
/// <param name="Helo">HELO/EHLO domain.</param>
/// <param name="ReceivingDomain">%{r}.</param>
/// <param name="Timestamp">%{t}.</param>
internal sealed record SpfMacroContext(string Sender, string Domain, IPAddress Ip, string Helo, string ReceivingDomain, long Timestamp)
{
    public string LocalPart
    {
        get
        {
            var at = Sender.LastIndexOf('@');
            var local = at < 0 ? string.Empty : Sender[..at];
            return local.Length == 0 ? "postmaster" : local;
        }
    }

    public string SenderDomain
    {
        get
        {
            var at = Sender.LastIndexOf('@');
            return at < 0 ? Sender : Sender[(at + 1)..];
        }
    }
}

/// <summary>Validation and expansion of SPF macro-strings (RFC 7208 §7).</summary>
internal static class SpfMacro
{
    private const string DomainLetters = "slodiphv";
    private const string ExplanationLetters = "slodiphvcrt";
    private const string Delimiters = ".-+,/_=";

    /// <summary>Checks macro syntax; returns true when the string ends with a macro-expand.</summary>
    public static bool Validate(string text, bool allowExplanationLetters, string term)
    {
        var letters = allowExplanationLetters ? ExplanationLetters : DomainLetters;
        var endsWithMacro = false;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c != '%')
            {
                if (c is < '!' or > '~' && !(allowExplanationLetters && c == ' '))
                {
                    throw new SpfSyntaxException($"'{term}': the character U+{(int)c:X4} is not allowed here.");
                }

                endsWithMacro = false;
                i++;
                continue;
            }

            if (i + 1 >= text.Length)
            {
                throw new SpfSyntaxException($"'{term}': a lone '%' ends the macro string.");
            }

            var next = text[i + 1];
            if (next is '%' or '_' or '-')
            {
                endsWithMacro = true;
                i += 2;
                continue;
            }

            if (next != '{')
            {
                throw new SpfSyntaxException($"'{term}': '%{next}' is not a macro; write '%%' for a percent sign.");
            }

            var close = text.IndexOf('}', i + 2);
            if (close < 0)
            {
                throw new SpfSyntaxException($"'{term}': a macro is not closed with '}}'.");
            }

            ParseExpand(text[(i + 2)..close], letters, term);
            endsWithMacro = true;
            i = close + 1;
        }

        return endsWithMacro;
    }

    /// <summary>Expands a validated macro-string.</summary>
    public static async Task<string> ExpandAsync(string text, SpfMacroContext context, bool explanation, Func<Task<string>> validatedDomain)
    {
        var letters = explanation ? ExplanationLetters : DomainLetters;
        var sb = new StringBuilder(text.Length + 32);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c != '%')
            {
                sb.Append(c);
                i++;
                continue;
            }

            var next = text[i + 1];
            switch (next)
            {
                case '%': sb.Append('%'); i += 2; continue;
                case '_': sb.Append(' '); i += 2; continue;
                case '-': sb.Append("%20"); i += 2; continue;
                default: break;
            }

            var close = text.IndexOf('}', i + 2);
            var (letter, digits, reverse, delimiters, upper) = ParseExpand(text[(i + 2)..close], letters, text);
            var value = letter switch
            {
                's' => context.Sender,
                'l' => context.LocalPart,
                'o' => context.SenderDomain,
                'd' => context.Domain,
                'i' => DottedAddress(context.Ip),
                'p' => await validatedDomain().ConfigureAwait(false),
                'v' => context.Ip.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "in-addr",
                'h' => context.Helo,
                'c' => context.Ip.ToString(),
                'r' => context.ReceivingDomain,
                't' => context.Timestamp.ToString(CultureInfo.InvariantCulture),
                _ => string.Empty,
            };
            value = Transform(value, digits, reverse, delimiters);
            sb.Append(upper ? Uri.EscapeDataString(value) : value);
            i = close + 1;
        }

        return sb.ToString();
    }

    /// <summary>
    /// %{i}: dotted quad for IPv4, dot-separated nibbles for IPv6 (RFC 7208 §7.3). Nibbles are upper case as in the reference
    /// implementation and the conformance suite's explanations; DNS ignores the case when the result is a query name.
    /// </summary>
    public static string DottedAddress(IPAddress ip)
    {
        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            return ip.ToString();
        }

        var bytes = ip.GetAddressBytes();
        var sb = new StringBuilder(63);
        foreach (var b in bytes)
        {
            if (sb.Length > 0)
            {
                sb.Append('.');
            }

            sb.Append("0123456789ABCDEF"[b >> 4]).Append('.').Append("0123456789ABCDEF"[b & 0xF]);
        }

        return sb.ToString();
    }

    private static string Transform(string value, int digits, bool reverse, string delimiters)
    {
        if (digits == 0 && !reverse && delimiters == ".")
        {
            return value;
        }

        var parts = value.Split(delimiters.ToCharArray());
        if (reverse)
        {
            Array.Reverse(parts);
        }

        if (digits > 0 && digits < parts.Length)
        {
            parts = parts[^digits..];
        }

        return string.Join('.', parts);
    }

    private static (char Letter, int Digits, bool Reverse, string Delimiters, bool Upper) ParseExpand(string body, string letters, string term)
    {
        if (body.Length == 0)
        {
            throw new SpfSyntaxException($"'{term}': empty macro '%{{}}'.");
        }

        var raw = body[0];
        var letter = char.ToLowerInvariant(raw);
        if (!letters.Contains(letter, StringComparison.Ordinal))
        {
            throw new SpfSyntaxException($"'{term}': '%{{{raw}' is not a macro letter allowed here.");
        }

        var p = 1;
        var digitStart = p;
        while (p < body.Length && char.IsAsciiDigit(body[p]))
        {
            p++;
        }

        var digits = 0;
        if (p > digitStart)
        {
            var digitText = body[digitStart..p];
            if (digitText.Length > 3 || (digits = int.Parse(digitText, CultureInfo.InvariantCulture)) == 0)
            {
                throw new SpfSyntaxException($"'{term}': the label count in '%{{{body}}}' must be 1 to 999.");
            }
        }

        var reverse = false;
        if (p < body.Length && body[p] is 'r' or 'R')
        {
            reverse = true;
            p++;
        }

        var delimiters = body[p..];
        if (delimiters.Any(d => !Delimiters.Contains(d, StringComparison.Ordinal)))
        {
            throw new SpfSyntaxException($"'{term}': '%{{{body}}}' has an invalid delimiter.");
        }

        return (letter, digits, reverse, delimiters.Length == 0 ? "." : delimiters, char.IsAsciiLetterUpper(raw));
    }
}
