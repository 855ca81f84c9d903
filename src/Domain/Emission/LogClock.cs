namespace BackscatterConsole.Domain.Emission;

/// <summary>
/// Turns log timestamps into UTC. RFC 3339 stamps (<c>2026-12-04T17:29:13.123456+01:00</c>, rsyslog's high-precision
/// format) carry their offset. Classic syslog stamps (<c>Dec  4 17:29:13</c>, and Postfix's own <c>maillog_file</c>
/// writing <c>Dec 04 17:29:13</c>) carry neither year nor zone: they are local time in <see cref="Zone"/>, and the year
/// is the reference's (the file's last write time) unless that would put the line more than a day after the reference,
/// which happens to December lines read in January: then it is the year before.
/// </summary>
public sealed class LogClock
{
    private readonly DateTime _referenceLocal;
    private long _cachedHourKey = -1;
    private TimeSpan _cachedOffset;

    /// <summary>A clock for lines written before <paramref name="reference"/> in time zone <paramref name="zone"/>.</summary>
    public LogClock(TimeZoneInfo zone, DateTimeOffset reference)
    {
        ArgumentNullException.ThrowIfNull(zone);
        Zone = zone;
        _referenceLocal = TimeZoneInfo.ConvertTime(reference, zone).DateTime;
    }

    /// <summary>The zone classic syslog stamps are written in (the server's local zone).</summary>
    public TimeZoneInfo Zone { get; }

    /// <summary>UTC time of a classic stamp, or false when the date does not exist (29 February of a common year).</summary>
    public bool TryClassic(int month, int day, int hour, int minute, int second, long fractionTicks, out DateTime utc)
    {
        utc = default;
        var year = _referenceLocal.Year;
        if (!Valid(year, month, day))
        {
            return false;
        }

        if (new DateTime(year, month, day) > _referenceLocal.Date.AddDays(1))
        {
            year--;
            if (!Valid(year, month, day))
            {
                return false;
            }
        }

        return TryLocal(year, month, day, hour, minute, second, fractionTicks, out utc);
    }

    /// <summary>UTC time of a local date and time in <see cref="Zone"/> (a stamp that carries its year, such as MailEnable's <c>MM/dd/yy</c>).</summary>
    public bool TryLocal(int year, int month, int day, int hour, int minute, int second, long fractionTicks, out DateTime utc)
    {
        utc = default;
        if (year is < 1 or > 9998 || !Valid(year, month, day) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        // Lines come in order, so one zone lookup per local hour is enough.
        var key = (((((long)year * 100) + month) * 100) + day) * 100 + hour;
        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(fractionTicks);
        if (key != _cachedHourKey)
        {
            _cachedOffset = Zone.GetUtcOffset(new DateTime(year, month, day, hour, 0, 0, DateTimeKind.Unspecified));
            _cachedHourKey = key;
        }

        utc = DateTime.SpecifyKind(local - _cachedOffset, DateTimeKind.Utc);
        return true;
    }

    private static bool Valid(int year, int month, int day) =>
        month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month);
}
