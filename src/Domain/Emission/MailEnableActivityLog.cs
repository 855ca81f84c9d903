using System.Text;

namespace BackscatterConsole.Domain.Emission;

/// <summary>
/// MailEnable's SMTP activity log, as its knowledge base (article ME020170) and the files themselves describe it: daily
/// files <c>SMTP-Activity-YYMMDD.log</c> under <c>Logging\SMTP</c> of the installation, opened by a line
/// <c>[MM/dd/yy HH:mm:ss]****** LOG FILE STARTED ******</c>, then one tab-separated line per SMTP command:
/// <list type="number">
/// <item>date and time, <c>MM/dd/yy HH:mm:ss</c>, local time;</item>
/// <item>direction: <c>SMTP-IN</c> (a client or server talking to MailEnable) or <c>SMTP-OU</c> (MailEnable delivering out);</item>
/// <item>message id / message file name (for example <c>4C1E3B2A.MAI</c>), which ties the lines of one message together;</item>
/// <item>local socket number;</item>
/// <item>remote address;</item>
/// <item>the command verb (<c>CONN</c>, <c>EHLO</c>, <c>MAIL</c>, <c>RCPT</c>, <c>DATA</c>, <c>QUIT</c>, …);</item>
/// <item>the command as sent (<c>MAIL FROM:&lt;&gt; SIZE=2048</c>, <c>RCPT TO:&lt;victim@example.org&gt;</c>);</item>
/// <item>the reply (<c>250 Requested mail action okay, completed</c>);</item>
/// <item>bytes sent and received, the account, and the subject — the reader never looks at those.</item>
/// </list>
/// MailEnable's notifications leave through <c>SMTP-OU</c> sessions whose <c>MAIL FROM</c> is empty. The activity log does
/// not say which kind of notification a message is, so every such message counts as a non-delivery notification.
/// </summary>
public static class MailEnableActivityLog
{
    /// <summary>What an activity line is.</summary>
    public enum Kind
    {
        /// <summary>Empty line.</summary>
        Blank,

        /// <summary>A well-formed line that does not matter (inbound, other commands, the file header).</summary>
        Other,

        /// <summary>A line that could not be read.</summary>
        Unparsed,

        /// <summary>An outbound <c>MAIL FROM:&lt;&gt;</c>: MailEnable sending a null-sender message.</summary>
        NullSenderMail,

        /// <summary>An outbound <c>RCPT TO:&lt;…&gt;</c>.</summary>
        Recipient,
    }

    /// <summary>A parsed activity line.</summary>
    public readonly ref struct Line
    {
        /// <summary>What the line is.</summary>
        public Kind Kind { get; init; }

        /// <summary>UTC time; meaningful when <see cref="HasTime"/>.</summary>
        public DateTime Time { get; init; }

        /// <summary>True when the time was read.</summary>
        public bool HasTime { get; init; }

        /// <summary>The message file name.</summary>
        public ReadOnlySpan<byte> MessageId { get; init; }

        /// <summary>For <see cref="Kind.Recipient"/>: the recipient's domain.</summary>
        public ReadOnlySpan<byte> RecipientDomain { get; init; }
    }

    /// <summary>Parses one line (without its line break).</summary>
    public static Line Parse(ReadOnlySpan<byte> line, LogClock clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        if (line.Length > 0 && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (line.IsEmpty || line.IndexOfAnyExcept((byte)' ', (byte)'\t') < 0)
        {
            return new Line { Kind = Kind.Blank };
        }

        if (line[0] == (byte)'[')
        {
            return line.IndexOf("LOG FILE"u8) > 0 && TryTime(line[1..], clock, out var started)
                ? new Line { Kind = Kind.Other, Time = started, HasTime = true }
                : new Line { Kind = Kind.Unparsed };
        }

        if (!TryTime(line, clock, out var time) || line.Length < 18 || line[17] != (byte)'\t')
        {
            return new Line { Kind = Kind.Unparsed };
        }

        var rest = line[18..];
        Span<Range> fields = stackalloc Range[7];
        var count = 0;
        foreach (var field in rest.Split((byte)'\t'))
        {
            if (count == fields.Length)
            {
                count++;
                break;
            }

            fields[count++] = field;
        }

        if (count < fields.Length)
        {
            return new Line { Kind = Kind.Unparsed, Time = time, HasTime = true };
        }

        var direction = rest[fields[0]];
        var messageId = rest[fields[1]];
        var verb = rest[fields[4]];
        var command = rest[fields[5]];
        var other = new Line { Kind = Kind.Other, Time = time, HasTime = true };
        if (!direction.SequenceEqual("SMTP-OU"u8))
        {
            return direction.SequenceEqual("SMTP-IN"u8) ? other : new Line { Kind = Kind.Unparsed, Time = time, HasTime = true };
        }

        if (verb.SequenceEqual("MAIL"u8))
        {
            var address = Angle(command, "FROM:"u8, out var ok);
            if (!ok)
            {
                return new Line { Kind = Kind.Unparsed, Time = time, HasTime = true };
            }

            return address.IsEmpty ? new Line { Kind = Kind.NullSenderMail, Time = time, HasTime = true, MessageId = messageId } : other;
        }

        if (verb.SequenceEqual("RCPT"u8))
        {
            var address = Angle(command, "TO:"u8, out var ok);
            if (!ok || address.IsEmpty)
            {
                return new Line { Kind = Kind.Unparsed, Time = time, HasTime = true };
            }

            var at = address.LastIndexOf((byte)'@');
            return new Line { Kind = Kind.Recipient, Time = time, HasTime = true, MessageId = messageId, RecipientDomain = at < 0 ? [] : address[(at + 1)..] };
        }

        return other;
    }

    /// <summary>Feeds one line into <paramref name="ledger"/>: a null-sender message is a notification (once per message), each recipient a delivery attempt.</summary>
    public static void Count(in Line line, EmissionLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        if (line.HasTime)
        {
            ledger.Seen(line.Time);
        }

        switch (line.Kind)
        {
            case Kind.Unparsed:
                ledger.Unparsed(line.HasTime ? line.Time : null);
                break;
            case Kind.NullSenderMail:
                ledger.RecordNotification(Encoding.ASCII.GetString(line.MessageId), NotificationKind.NonDelivery, line.Time);
                break;
            case Kind.Recipient:
                ledger.RecordDelivery(Encoding.ASCII.GetString(line.MessageId), Encoding.ASCII.GetString(line.RecipientDomain), line.Time);
                break;
        }
    }

    private static ReadOnlySpan<byte> Angle(ReadOnlySpan<byte> command, ReadOnlySpan<byte> keyword, out bool ok)
    {
        ok = false;
        var at = IndexOfIgnoreCase(command, keyword);
        if (at < 0)
        {
            return default;
        }

        var rest = command[(at + keyword.Length)..].TrimStart((byte)' ');
        if (rest.IsEmpty || rest[0] != (byte)'<')
        {
            return default;
        }

        var close = rest.IndexOf((byte)'>');
        if (close < 0)
        {
            return default;
        }

        ok = true;
        return rest[1..close];
    }

    private static int IndexOfIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> upperKeyword)
    {
        for (var i = 0; i + upperKeyword.Length <= text.Length; i++)
        {
            var match = true;
            for (var j = 0; j < upperKeyword.Length && match; j++)
            {
                var c = text[i + j];
                match = (c is >= (byte)'a' and <= (byte)'z' ? (byte)(c - 32) : c) == upperKeyword[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary><c>MM/dd/yy HH:mm:ss</c>, local time.</summary>
    private static bool TryTime(ReadOnlySpan<byte> text, LogClock clock, out DateTime utc)
    {
        utc = default;
        if (text.Length < 17 || text[2] != (byte)'/' || text[5] != (byte)'/' || text[8] != (byte)' ' || text[11] != (byte)':' || text[14] != (byte)':')
        {
            return false;
        }

        return Two(text, 0, out var month) && Two(text, 3, out var day) && Two(text, 6, out var year) && Two(text, 9, out var hour) && Two(text, 12, out var minute) && Two(text, 15, out var second)
            && clock.TryLocal(2000 + year, month, day, hour, minute, second, 0, out utc);
    }

    private static bool Two(ReadOnlySpan<byte> text, int at, out int value)
    {
        value = 0;
        if (text[at] is < (byte)'0' or > (byte)'9' || text[at + 1] is < (byte)'0' or > (byte)'9')
        {
            return false;
        }

        value = ((text[at] - '0') * 10) + text[at + 1] - '0';
        return true;
    }
}
