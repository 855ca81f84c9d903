namespace BackscatterConsole.Domain.Emission;

/// <summary>What a mail log line is, for the emission count.</summary>
public enum LogLineKind
{
    /// <summary>Empty.</summary>
    Blank,

    /// <summary>A well-formed line from a program other than Postfix (dovecot, amavis, …): not counted.</summary>
    NotPostfix,

    /// <summary>A Postfix line that does not concern notifications (connect, cleanup, warnings, …).</summary>
    Other,

    /// <summary>A line the parser could not read (no syslog frame, or a notification or delivery line cut short): counted, never guessed.</summary>
    Unparsed,

    /// <summary><c>postfix/bounce[…]: QID: sender … notification: NEWQID</c>.</summary>
    Notification,

    /// <summary><c>postfix/qmgr[…]: QID: from=&lt;&gt;, …</c>: a message with the null sender entered the active queue.</summary>
    NullSenderQueued,

    /// <summary><c>postfix/smtp|local|error|…[…]: QID: to=&lt;…&gt;, … status=…</c>: a delivery attempt.</summary>
    Delivery,
}

/// <summary>Which notification a bounce line announces.</summary>
public enum NotificationKind
{
    /// <summary><c>sender non-delivery notification</c>: a bounce.</summary>
    NonDelivery,

    /// <summary><c>sender delivery status notification</c>: a success DSN that someone asked for.</summary>
    DeliveryStatus,

    /// <summary><c>sender delay notification</c>.</summary>
    Delay,
}

/// <summary>
/// One parsed mail log line. Spans point into the line, so nothing is allocated for the many lines that do not matter;
/// the ledger copies what it keeps. Only the recipient's domain is ever extracted, never its local part.
/// </summary>
public readonly ref struct PostfixLogLine
{
    /// <summary>What the line is.</summary>
    public LogLineKind Kind { get; init; }

    /// <summary>UTC time of the line; meaningful when <see cref="HasTime"/>.</summary>
    public DateTime Time { get; init; }

    /// <summary>True when the line's timestamp was read.</summary>
    public bool HasTime { get; init; }

    /// <summary>The queue id the line is about (the message bounced, queued or delivered).</summary>
    public ReadOnlySpan<byte> QueueId { get; init; }

    /// <summary>For <see cref="LogLineKind.Notification"/>: the notification's own queue id.</summary>
    public ReadOnlySpan<byte> NotificationQueueId { get; init; }

    /// <summary>For <see cref="LogLineKind.Notification"/>: which notification.</summary>
    public NotificationKind Notification { get; init; }

    /// <summary>For <see cref="LogLineKind.Delivery"/>: the recipient's domain as written (empty for an unqualified recipient).</summary>
    public ReadOnlySpan<byte> RecipientDomain { get; init; }
}

/// <summary>
/// Parses Postfix mail log lines: syslog frames with classic (<c>Dec  4 17:29:13 host postfix/smtp[123]: …</c>, Postfix
/// 2.x and 3.x through syslog; <c>Dec 04 17:29:13</c> as Postfix's own <c>maillog_file</c> writes) or RFC 3339 stamps
/// (<c>2026-12-04T17:29:13.123456+00:00 host postfix/…</c>, rsyslog's high-precision format), program names from
/// <c>postfix/…</c>, multi-instance <c>postfix-out/…</c> and per-service <c>postfix/submission/smtpd</c> tags.
/// </summary>
public static class PostfixLogParser
{
    private static ReadOnlySpan<byte> SenderNonDelivery => "sender non-delivery notification: "u8;

    private static ReadOnlySpan<byte> SenderDeliveryStatus => "sender delivery status notification: "u8;

    private static ReadOnlySpan<byte> SenderDelay => "sender delay notification: "u8;

    private static ReadOnlySpan<byte> ToPrefix => "to=<"u8;

    private static ReadOnlySpan<byte> FromNull => "from=<>,"u8;

    private static ReadOnlySpan<byte> FromPrefix => "from=<"u8;

    private static ReadOnlySpan<byte> StatusField => ", status="u8;

    /// <summary>Parses <paramref name="line"/> (without its line break).</summary>
    public static PostfixLogLine Parse(ReadOnlySpan<byte> line, LogClock clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        if (line.Length > 0 && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (line.IsEmpty || line.IndexOfAnyExcept((byte)' ', (byte)'\t') < 0)
        {
            return new PostfixLogLine { Kind = LogLineKind.Blank };
        }

        if (!SyslogFrame.TryParse(line, clock, out var time, out var tag, out var message))
        {
            return new PostfixLogLine { Kind = LogLineKind.Unparsed };
        }

        if (!TryPostfixProgram(tag, out var program))
        {
            return new PostfixLogLine { Kind = LogLineKind.NotPostfix, Time = time, HasTime = true };
        }

        var other = new PostfixLogLine { Kind = LogLineKind.Other, Time = time, HasTime = true };
        var unparsed = new PostfixLogLine { Kind = LogLineKind.Unparsed, Time = time, HasTime = true };
        var idLength = QueueIdLength(message);
        if (idLength == 0 || message.Length < idLength + 2 || message[idLength] != (byte)':' || message[idLength + 1] != (byte)' ')
        {
            // NOQUEUE lines, warnings, start-up messages: Postfix lines, but not about a queued message.
            return other;
        }

        var queueId = message[..idLength];
        var rest = message[(idLength + 2)..];
        if (program.SequenceEqual("bounce"u8))
        {
            return Bounce(rest, queueId, time, other, unparsed);
        }

        if (rest.StartsWith(ToPrefix))
        {
            var address = rest[ToPrefix.Length..];
            var close = address.IndexOf((byte)'>');
            if (close < 0)
            {
                return unparsed;
            }

            var status = address[close..].IndexOf(StatusField);
            if (status < 0 || address.Length <= close + status + StatusField.Length)
            {
                return unparsed;
            }

            var recipient = address[..close];
            var at = recipient.LastIndexOf((byte)'@');
            return new PostfixLogLine
            {
                Kind = LogLineKind.Delivery,
                Time = time,
                HasTime = true,
                QueueId = queueId,
                RecipientDomain = at < 0 ? [] : recipient[(at + 1)..],
            };
        }

        if (program.SequenceEqual("qmgr"u8) && rest.StartsWith(FromPrefix))
        {
            if (rest.StartsWith(FromNull))
            {
                return new PostfixLogLine { Kind = LogLineKind.NullSenderQueued, Time = time, HasTime = true, QueueId = queueId };
            }

            // A sender that never closes is a line cut short; either way it is not the null sender.
            return rest.IndexOf((byte)'>') < 0 ? unparsed : other;
        }

        return other;
    }

    private static PostfixLogLine Bounce(ReadOnlySpan<byte> rest, ReadOnlySpan<byte> queueId, DateTime time, PostfixLogLine other, PostfixLogLine unparsed)
    {
        NotificationKind kind;
        int prefix;
        if (rest.StartsWith(SenderNonDelivery))
        {
            (kind, prefix) = (NotificationKind.NonDelivery, SenderNonDelivery.Length);
        }
        else if (rest.StartsWith(SenderDeliveryStatus))
        {
            (kind, prefix) = (NotificationKind.DeliveryStatus, SenderDeliveryStatus.Length);
        }
        else if (rest.StartsWith(SenderDelay))
        {
            (kind, prefix) = (NotificationKind.Delay, SenderDelay.Length);
        }
        else if (rest.StartsWith("postmaster "u8) && rest.IndexOf(" notification: "u8) > 0 && QueueIdLength(rest[(rest.IndexOf(" notification: "u8) + 15)..]) > 0)
        {
            // Copies to the postmaster (notify_classes) go to a local address: not emission.
            return other;
        }
        else
        {
            // bounce(8) writes notification lines and warnings only; a queue id followed by anything else is a line cut short.
            return unparsed;
        }

        var newId = rest[prefix..].TrimEnd((byte)' ');
        var length = QueueIdLength(newId);
        return length == 0 || length != newId.Length
            ? unparsed
            : new PostfixLogLine { Kind = LogLineKind.Notification, Time = time, HasTime = true, QueueId = queueId, NotificationQueueId = newId, Notification = kind };
    }

    /// <summary>
    /// True for a Postfix syslog tag: <c>postfix/smtp[123]</c>, <c>postfix-out/smtp[9]</c>, <c>postfix/submission/smtpd[7]</c>;
    /// <paramref name="program"/> is the last path segment (the daemon).
    /// </summary>
    private static bool TryPostfixProgram(ReadOnlySpan<byte> tag, out ReadOnlySpan<byte> program)
    {
        program = default;
        var bracket = tag.IndexOf((byte)'[');
        var name = bracket >= 0 ? tag[..bracket] : tag;
        var slash = name.IndexOf((byte)'/');
        if (slash <= 0 || name[..slash].IndexOf("postfix"u8) < 0)
        {
            return false;
        }

        program = name[(name.LastIndexOf((byte)'/') + 1)..];
        return program.Length > 0;
    }

    /// <summary>
    /// Length of the queue id at the start of <paramref name="text"/>, 0 when there is none. Short ids are upper-case hex;
    /// long ids (<c>enable_long_queue_ids</c>) use digits and letters without vowels, so words such as <c>warning</c> or
    /// <c>NOQUEUE</c> are never taken for an id.
    /// </summary>
    private static int QueueIdLength(ReadOnlySpan<byte> text)
    {
        var hex = true;
        var longId = true;
        var i = 0;
        while (i < text.Length && i <= 32 && (hex || longId))
        {
            var b = text[i];
            var isHex = b is >= (byte)'0' and <= (byte)'9' or >= (byte)'A' and <= (byte)'F';
            var isLong = b is >= (byte)'0' and <= (byte)'9' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z'
                && b is not ((byte)'A' or (byte)'E' or (byte)'I' or (byte)'O' or (byte)'U' or (byte)'a' or (byte)'e' or (byte)'i' or (byte)'o' or (byte)'u');
            if (!isHex && !isLong)
            {
                break;
            }

            hex &= isHex;
            longId &= isLong;
            i++;
        }

        return i is >= 5 and <= 32 && (hex || longId) ? i : 0;
    }
}

/// <summary>The syslog frame of a line: timestamp, host, tag, message.</summary>
public static class SyslogFrame
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>Reads the frame; false when the line does not start with a timestamp, host and <c>tag: </c>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, LogClock clock, out DateTime utc, out ReadOnlySpan<byte> tag, out ReadOnlySpan<byte> message)
    {
        ArgumentNullException.ThrowIfNull(clock);
        tag = default;
        message = default;
        int consumed;
        if (line.Length > 0 && IsDigit(line[0]))
        {
            if (!TryRfc3339(line, out utc, out consumed))
            {
                return false;
            }
        }
        else if (!TryClassic(line, clock, out utc, out consumed))
        {
            return false;
        }

        if (consumed >= line.Length || line[consumed] != (byte)' ')
        {
            return false;
        }

        var rest = line[(consumed + 1)..];
        var hostEnd = rest.IndexOf((byte)' ');
        if (hostEnd <= 0)
        {
            return false;
        }

        rest = rest[(hostEnd + 1)..];
        var colon = rest.IndexOf(": "u8);
        var space = rest.IndexOf((byte)' ');
        if (colon <= 0 || (space >= 0 && space < colon))
        {
            return false;
        }

        tag = rest[..colon];
        message = rest[(colon + 2)..];
        return true;
    }

    /// <summary><c>Mmm dd HH:MM:SS[.ffffff]</c> with the day space- or zero-padded.</summary>
    public static bool TryClassic(ReadOnlySpan<byte> line, LogClock clock, out DateTime utc, out int consumed)
    {
        ArgumentNullException.ThrowIfNull(clock);
        utc = default;
        consumed = 0;
        if (line.Length < 15 || line[3] != (byte)' ' || line[6] != (byte)' ' || line[9] != (byte)':' || line[12] != (byte)':')
        {
            return false;
        }

        var month = 0;
        for (var m = 0; m < Months.Length; m++)
        {
            var name = Months[m];
            if (line[0] == name[0] && line[1] == name[1] && line[2] == name[2])
            {
                month = m + 1;
                break;
            }
        }

        int day;
        if (line[4] == (byte)' ' && IsDigit(line[5]))
        {
            day = line[5] - '0';
        }
        else if (IsDigit(line[4]) && IsDigit(line[5]))
        {
            day = ((line[4] - '0') * 10) + line[5] - '0';
        }
        else
        {
            return false;
        }

        if (month == 0 || !TwoDigits(line, 7, out var hour) || !TwoDigits(line, 10, out var minute) || !TwoDigits(line, 13, out var second))
        {
            return false;
        }

        consumed = 15;
        var fraction = Fraction(line, ref consumed);
        return clock.TryClassic(month, day, hour, minute, second, fraction, out utc);
    }

    /// <summary><c>YYYY-MM-DDTHH:MM:SS[.f…](Z|±HH:MM)</c>.</summary>
    public static bool TryRfc3339(ReadOnlySpan<byte> line, out DateTime utc, out int consumed)
    {
        utc = default;
        consumed = 0;
        if (line.Length < 20 || line[4] != (byte)'-' || line[7] != (byte)'-' || (line[10] != (byte)'T' && line[10] != (byte)' ') || line[13] != (byte)':' || line[16] != (byte)':')
        {
            return false;
        }

        if (!TwoDigits(line, 0, out var century) || !TwoDigits(line, 2, out var yy) || !TwoDigits(line, 5, out var month) || !TwoDigits(line, 8, out var day)
            || !TwoDigits(line, 11, out var hour) || !TwoDigits(line, 14, out var minute) || !TwoDigits(line, 17, out var second))
        {
            return false;
        }

        var year = (century * 100) + yy;
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Max(1, year), month) || hour > 23 || minute > 59 || second > 59 || year < 1)
        {
            return false;
        }

        var position = 19;
        var fraction = Fraction(line, ref position);
        TimeSpan offset;
        if (position < line.Length && line[position] == (byte)'Z')
        {
            offset = TimeSpan.Zero;
            position++;
        }
        else if (position + 5 <= line.Length && line[position] is (byte)'+' or (byte)'-' && TwoDigits(line, position + 1, out var offsetHours))
        {
            // +HH:MM as RFC 3339 writes it, or +HHMM as journalctl's short-iso-precise does.
            var colon = line[position + 3] == (byte)':' ? 1 : 0;
            if (!TwoDigits(line, position + 3 + colon, out var offsetMinutes))
            {
                return false;
            }

            offset = new TimeSpan(offsetHours, offsetMinutes, 0);
            if (line[position] == (byte)'-')
            {
                offset = -offset;
            }

            position += 5 + colon;
        }
        else
        {
            return false;
        }

        utc = DateTime.SpecifyKind(new DateTime(year, month, day, hour, minute, second).AddTicks(fraction) - offset, DateTimeKind.Utc);
        consumed = position;
        return true;
    }

    private static long Fraction(ReadOnlySpan<byte> line, ref int position)
    {
        if (position >= line.Length || line[position] != (byte)'.')
        {
            return 0;
        }

        position++;
        long ticks = 0;
        var digits = 0;
        while (position < line.Length && IsDigit(line[position]))
        {
            if (digits < 7)
            {
                ticks = (ticks * 10) + (line[position] - '0');
                digits++;
            }

            position++;
        }

        for (; digits < 7; digits++)
        {
            ticks *= 10;
        }

        return ticks;
    }

    private static bool TwoDigits(ReadOnlySpan<byte> line, int at, out int value)
    {
        value = 0;
        if (at + 1 >= line.Length || !IsDigit(line[at]) || !IsDigit(line[at + 1]))
        {
            return false;
        }

        value = ((line[at] - '0') * 10) + line[at + 1] - '0';
        return true;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';
}
