using System.Globalization;
using System.Text.Json.Serialization;

namespace BackscatterConsole.Shared.Smtp;

/// <summary>Who produced a transcript line.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SmtpTranscriptDirection>))]
public enum SmtpTranscriptDirection
{
    /// <summary>A line the probe sent.</summary>
    [JsonStringEnumMemberName("client")] Client,

    /// <summary>A line the server sent.</summary>
    [JsonStringEnumMemberName("server")] Server,

    /// <summary>An event seen by the probe (connect, TLS, timeout, disconnect), not a protocol line.</summary>
    [JsonStringEnumMemberName("note")] Note,
}

/// <summary>One timestamped line of an SMTP conversation, kept as evidence.</summary>
/// <param name="At">When the line was sent, received or noted (UTC).</param>
/// <param name="Direction">Who produced it.</param>
/// <param name="Text">The line without its CRLF; control characters are escaped.</param>
public sealed record SmtpTranscriptEntry(DateTimeOffset At, SmtpTranscriptDirection Direction, string Text)
{
    /// <summary>The line as shown in evidence lists: <c>06:34:01.123 C: EHLO probe.example</c>.</summary>
    public string ToEvidenceLine()
    {
        var prefix = Direction switch
        {
            SmtpTranscriptDirection.Client => "C:",
            SmtpTranscriptDirection.Server => "S:",
            _ => "--",
        };
        return string.Create(CultureInfo.InvariantCulture, $"{At.UtcDateTime:HH:mm:ss.fff} {prefix} {Text}");
    }
}
