using System.Globalization;

namespace BackscatterConsole.Domain.Smtp;

/// <summary>
/// A complete SMTP reply (RFC 5321 §4.2): a three-digit code, optionally an RFC 3463 enhanced status code
/// taken from the first line, and the text of every line.
/// </summary>
/// <param name="Code">The reply code, 200–599.</param>
/// <param name="EnhancedCode">The enhanced status code such as <c>5.1.1</c>, when the server sent one.</param>
/// <param name="Lines">The text after the code and separator of each line, in order.</param>
public sealed record SmtpReply(int Code, string? EnhancedCode, IReadOnlyList<string> Lines)
{
    /// <summary>2xx: the command was accepted.</summary>
    public bool IsPositive => Code is >= 200 and < 300;

    /// <summary>4xx: a temporary failure; the same command may work later.</summary>
    public bool IsTransientNegative => Code is >= 400 and < 500;

    /// <summary>5xx: a permanent refusal.</summary>
    public bool IsPermanentNegative => Code is >= 500 and < 600;

    /// <summary>The text of all lines joined with a space.</summary>
    public string Text => string.Join(' ', Lines);

    /// <summary>The reply as it would appear on one line, for summaries: <c>550 5.1.1 &lt;x@y&gt;: Recipient address rejected</c>.</summary>
    public override string ToString() =>
        Lines.Count == 0 || Lines[0].Length == 0
            ? Code.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{Code} {Text}");
}

/// <summary>One parsed reply line.</summary>
/// <param name="Code">The three-digit code.</param>
/// <param name="IsLast">True for <c>250 text</c> or a bare <c>250</c>, false for a <c>250-text</c> continuation.</param>
/// <param name="Text">The text after the separator.</param>
public readonly record struct SmtpReplyLine(int Code, bool IsLast, string Text);

/// <summary>Pure parsing of SMTP reply lines (RFC 5321 §4.2) and enhanced status codes (RFC 3463).</summary>
public static class SmtpReplyParser
{
    /// <summary>
    /// Parses one reply line (without CRLF). A line is a reply code (first digit 2–5, second 0–5, third 0–9) followed by
    /// <c>-</c> (more lines follow), a space (last line) or nothing (a bare last line). Anything else is not SMTP.
    /// </summary>
    public static bool TryParseLine(string line, out SmtpReplyLine parsed)
    {
        ArgumentNullException.ThrowIfNull(line);
        parsed = default;
        if (line.Length < 3
            || line[0] is < '2' or > '5'
            || line[1] is < '0' or > '5'
            || !char.IsAsciiDigit(line[2]))
        {
            return false;
        }

        var code = ((line[0] - '0') * 100) + ((line[1] - '0') * 10) + (line[2] - '0');
        if (line.Length == 3)
        {
            parsed = new SmtpReplyLine(code, true, string.Empty);
            return true;
        }

        switch (line[3])
        {
            case '-':
                parsed = new SmtpReplyLine(code, false, line[4..]);
                return true;
            case ' ':
                parsed = new SmtpReplyLine(code, true, line[4..]);
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Parses a whole reply from its raw lines. Fails when a line is not a reply line, when the codes differ between lines,
    /// when a continuation line ends the list, or when a last line is followed by more lines.
    /// </summary>
    public static bool TryParse(IReadOnlyList<string> rawLines, out SmtpReply? reply, out string error)
    {
        ArgumentNullException.ThrowIfNull(rawLines);
        reply = null;
        var accumulator = new SmtpReplyAccumulator(int.MaxValue);
        for (var i = 0; i < rawLines.Count; i++)
        {
            var state = accumulator.Add(rawLines[i]);
            if (state == SmtpReplyAccumulatorState.Malformed)
            {
                error = accumulator.Error;
                return false;
            }

            if (state == SmtpReplyAccumulatorState.Complete)
            {
                if (i != rawLines.Count - 1)
                {
                    error = "Lines follow the last line of the reply.";
                    return false;
                }

                reply = accumulator.Reply;
                error = string.Empty;
                return true;
            }
        }

        error = "The reply ends with a continuation line (code followed by '-').";
        return false;
    }

    /// <summary>
    /// Reads an RFC 3463 enhanced status code (<c>class.subject.detail</c>, class 2, 4 or 5, subject and detail of one to three digits)
    /// at the start of <paramref name="text"/>; its class must match the first digit of the reply code.
    /// </summary>
    public static string? ParseEnhancedCode(int replyCode, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var end = text.IndexOf(' ', StringComparison.Ordinal);
        var token = end < 0 ? text : text[..end];
        var parts = token.Split('.');
        if (parts.Length != 3
            || parts[0].Length != 1
            || parts[0][0] != (char)('0' + (replyCode / 100))
            || !IsDigits(parts[1])
            || !IsDigits(parts[2]))
        {
            return null;
        }

        return token;
    }

    private static bool IsDigits(string part) => part.Length is >= 1 and <= 3 && part.All(char.IsAsciiDigit);
}

/// <summary>Where a <see cref="SmtpReplyAccumulator"/> stands after a line.</summary>
public enum SmtpReplyAccumulatorState
{
    /// <summary>More lines are needed.</summary>
    NeedMore,

    /// <summary>The reply is complete; read <see cref="SmtpReplyAccumulator.Reply"/>.</summary>
    Complete,

    /// <summary>The input is not a valid reply; read <see cref="SmtpReplyAccumulator.Error"/>.</summary>
    Malformed,

    /// <summary>The reply has more lines than allowed.</summary>
    TooManyLines,
}

/// <summary>
/// Collects the lines of one reply as they arrive. The line cap exists because a server (or something pretending to be one)
/// can send <c>250-</c> lines forever; the probe must end that as an error, not grow memory until it dies.
/// </summary>
public sealed class SmtpReplyAccumulator
{
    private readonly int _maxLines;
    private readonly List<string> _texts = [];
    private int _code = -1;

    /// <summary>Creates an accumulator that gives up after <paramref name="maxLines"/> lines.</summary>
    public SmtpReplyAccumulator(int maxLines)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLines, 1);
        _maxLines = maxLines;
    }

    /// <summary>The reply once <see cref="Add"/> returned <see cref="SmtpReplyAccumulatorState.Complete"/>.</summary>
    public SmtpReply? Reply { get; private set; }

    /// <summary>Why the input was rejected.</summary>
    public string Error { get; private set; } = string.Empty;

    /// <summary>Number of lines taken so far.</summary>
    public int LineCount => _texts.Count;

    /// <summary>Adds one raw line (without CRLF).</summary>
    public SmtpReplyAccumulatorState Add(string rawLine)
    {
        ArgumentNullException.ThrowIfNull(rawLine);
        if (Reply is not null)
        {
            Error = "The reply is already complete.";
            return SmtpReplyAccumulatorState.Malformed;
        }

        if (!SmtpReplyParser.TryParseLine(rawLine, out var line))
        {
            Error = "Not an SMTP reply line: " + SmtpText.Printable(rawLine, 80);
            return SmtpReplyAccumulatorState.Malformed;
        }

        if (_code >= 0 && line.Code != _code)
        {
            Error = string.Create(CultureInfo.InvariantCulture, $"The reply code changed from {_code} to {line.Code} within one reply.");
            return SmtpReplyAccumulatorState.Malformed;
        }

        _code = line.Code;
        _texts.Add(line.Text);
        if (line.IsLast)
        {
            var enhanced = SmtpReplyParser.ParseEnhancedCode(_code, _texts[0]);
            Reply = new SmtpReply(_code, enhanced, _texts.ToArray());
            return SmtpReplyAccumulatorState.Complete;
        }

        if (_texts.Count >= _maxLines)
        {
            Error = string.Create(CultureInfo.InvariantCulture, $"The reply went on for more than {_maxLines} lines.");
            return SmtpReplyAccumulatorState.TooManyLines;
        }

        return SmtpReplyAccumulatorState.NeedMore;
    }
}
