using System.Globalization;
using System.Text;

namespace BackscatterConsole.Domain.Smtp;

/// <summary>Helpers that keep untrusted server text safe to show and store.</summary>
internal static class SmtpText
{
    /// <summary>Escapes control characters and shortens the text, so a binary banner cannot corrupt logs or pages.</summary>
    public static string Printable(string text, int maxLength = 1000)
    {
        var builder = new StringBuilder(Math.Min(text.Length, maxLength) + 8);
        foreach (var c in text)
        {
            if (builder.Length >= maxLength)
            {
                builder.Append('…');
                break;
            }

            if (char.IsControl(c))
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
