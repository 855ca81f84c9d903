using System.Text;
using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Domain.Emission;

/// <summary>Counts of one UTC hour, as the agent keeps them between scans (serialized in its state directory).</summary>
public sealed class EmissionHourState
{
    /// <summary>UTC start of the hour.</summary>
    public DateTime Start { get; set; }

    /// <summary>Non-delivery notifications created.</summary>
    public int NonDelivery { get; set; }

    /// <summary>Delivery-status notifications created.</summary>
    public int DeliveryStatus { get; set; }

    /// <summary>Delay notifications created.</summary>
    public int Delay { get; set; }

    /// <summary>Delivery attempts of notifications.</summary>
    public int Deliveries { get; set; }

    /// <summary>Lines that could not be parsed.</summary>
    public int Unparsed { get; set; }

    /// <summary>
    /// Notifications created in this hour per recipient domain, for domains that were not local when the line was read
    /// (a domain table the agent can only query may still make some of them local when the report is made).
    /// </summary>
    public Dictionary<string, int> Recipients { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Notifications to recipient domains beyond <see cref="EmissionLedger.MaxDomainsPerHour"/> distinct ones: counted as foreign.</summary>
    public int OverflowRecipients { get; set; }
}

/// <summary>A null-sender message or notification the ledger follows until its recipient is seen.</summary>
public sealed class PendingMessageState
{
    /// <summary>When it was first seen (UTC).</summary>
    public DateTime FirstSeen { get; set; }

    /// <summary>True once a bounce line announced it as a notification.</summary>
    public bool IsNotification { get; set; }

    /// <summary>The hour its notification was created (meaningful when <see cref="IsNotification"/>).</summary>
    public DateTime NotificationHour { get; set; }

    /// <summary>True once its recipient was counted.</summary>
    public bool RecipientSeen { get; set; }

    /// <summary>Delivery attempts seen before the bounce line (log lines of one second can come in either order): their hours.</summary>
    public List<DateTime>? EarlyAttempts { get; set; }

    /// <summary>The recipient domain of the first early attempt.</summary>
    public string? EarlyDomain { get; set; }
}

/// <summary>Everything the ledger keeps between scans.</summary>
public sealed class EmissionLedgerState
{
    /// <summary>Hours with anything counted, within the history window.</summary>
    public List<EmissionHourState> Hours { get; set; } = [];

    /// <summary>Null-sender messages and notifications by queue id.</summary>
    public Dictionary<string, PendingMessageState> Pending { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Time of the oldest line in the history window.</summary>
    public DateTime? OldestLine { get; set; }

    /// <summary>Time of the newest line read.</summary>
    public DateTime? NewestLine { get; set; }
}

/// <summary>
/// Counts notifications per hour from log lines, across incremental scans: a bounce line creates a notification (in its
/// hour), the notification's delivery lines are attempts (in theirs), and the first attempt names its recipient, whose
/// domain counts once (in the notification's hour). Only domains are kept, never addresses. No I/O: the agent feeds lines
/// and stores <see cref="State"/>.
/// </summary>
public sealed class EmissionLedger
{
    /// <summary>How far back the ledger keeps hours and follows messages.</summary>
    public static readonly TimeSpan History = TimeSpan.FromDays(7);

    /// <summary>Distinct recipient domains kept per hour; further domains go to <see cref="EmissionHourState.OverflowRecipients"/>.</summary>
    public const int MaxDomainsPerHour = 2000;

    /// <summary>Null-sender messages followed at once; the oldest are dropped beyond it.</summary>
    public const int MaxPending = 200_000;

    private readonly Dictionary<DateTime, EmissionHourState> _hours;
    private readonly Dictionary<string, PendingMessageState>.AlternateLookup<ReadOnlySpan<char>> _pendingBySpan;
    private readonly LocalDomainSet _local;
    private DateTime _horizon;
    private DateTime? _lastTime;

    /// <summary>Continues from <paramref name="state"/> (null: a first scan).</summary>
    /// <param name="state">What the previous scans left.</param>
    /// <param name="local">The server's own domains as far as they are known without queries.</param>
    /// <param name="now">The scan's time: lines older than <see cref="History"/> before it are not counted.</param>
    public EmissionLedger(EmissionLedgerState? state, LocalDomainSet local, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(local);
        State = state ?? new EmissionLedgerState();
        if (State.Pending.Comparer != StringComparer.Ordinal)
        {
            State.Pending = new Dictionary<string, PendingMessageState>(State.Pending, StringComparer.Ordinal);
        }

        _local = local;
        _horizon = now - History;
        _hours = State.Hours.ToDictionary(h => h.Start);
        _pendingBySpan = State.Pending.GetAlternateLookup<ReadOnlySpan<char>>();
        Prune(now);
    }

    /// <summary>The state to store after the scan.</summary>
    public EmissionLedgerState State { get; }

    /// <summary>Takes one parsed Postfix line.</summary>
    public void Observe(in PostfixLogLine line)
    {
        if (line.HasTime)
        {
            if (line.Time < _horizon)
            {
                return;
            }

            Seen(line.Time);
        }

        switch (line.Kind)
        {
            case LogLineKind.Unparsed:
                Unparsed(line.HasTime ? line.Time : null);
                break;
            case LogLineKind.Notification:
                RecordNotification(Ascii(line.NotificationQueueId), line.Notification, line.Time);
                break;
            case LogLineKind.NullSenderQueued:
                if (!TryGetPending(line.QueueId, out _))
                {
                    Follow(Ascii(line.QueueId), new PendingMessageState { FirstSeen = line.Time });
                }

                break;
            case LogLineKind.Delivery:
                if (TryGetPending(line.QueueId, out var pending))
                {
                    RecordDelivery(pending, Ascii(line.RecipientDomain), line.Time);
                }

                break;
        }
    }

    /// <summary>Notes the time of a line that is not itself counted (it widens the covered span).</summary>
    public void Seen(DateTime time)
    {
        if (time < _horizon)
        {
            return;
        }

        _lastTime = time;
        if (State.OldestLine is null || time < State.OldestLine)
        {
            State.OldestLine = time;
        }

        if (State.NewestLine is null || time > State.NewestLine)
        {
            State.NewestLine = time;
        }
    }

    /// <summary>
    /// Counts a line that could not be parsed, in its hour, or when it has no readable time, in the hour of the line
    /// before it (the time of the last readable line).
    /// </summary>
    public void Unparsed(DateTime? time)
    {
        var when = time ?? _lastTime ?? State.NewestLine;
        if (when is { } t && t >= _horizon)
        {
            Hour(t).Unparsed++;
        }
    }

    /// <summary>A notification was created (idempotent per id: a retried line or a second scan of the same text counts once).</summary>
    public void RecordNotification(string id, NotificationKind kind, DateTime time)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (time < _horizon)
        {
            return;
        }

        if (!State.Pending.TryGetValue(id, out var pending))
        {
            pending = new PendingMessageState { FirstSeen = time };
            Follow(id, pending);
        }
        else if (pending.IsNotification)
        {
            return;
        }

        pending.IsNotification = true;
        pending.NotificationHour = HourOf(time);
        var hour = Hour(time);
        switch (kind)
        {
            case NotificationKind.NonDelivery:
                hour.NonDelivery++;
                break;
            case NotificationKind.DeliveryStatus:
                hour.DeliveryStatus++;
                break;
            default:
                hour.Delay++;
                break;
        }

        if (pending.EarlyAttempts is { } early)
        {
            foreach (var attempt in early)
            {
                Hour(attempt).Deliveries++;
            }

            CountRecipient(pending, pending.EarlyDomain ?? string.Empty);
            pending.EarlyAttempts = null;
            pending.EarlyDomain = null;
        }
    }

    /// <summary>A delivery attempt of message <paramref name="id"/> (counted only when it is, or turns out to be, a notification).</summary>
    public void RecordDelivery(string id, string recipientDomain, DateTime time)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(recipientDomain);
        if (time >= _horizon && State.Pending.TryGetValue(id, out var pending))
        {
            RecordDelivery(pending, recipientDomain, time);
        }
    }

    /// <summary>Starts following message <paramref name="id"/>, when it is not followed yet.</summary>
    public void Follow(string id, DateTime time)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (time >= _horizon && !State.Pending.ContainsKey(id))
        {
            Follow(id, new PendingMessageState { FirstSeen = time });
        }
    }

    /// <summary>Recipient domains that were not local when read, in the hours starting at or after <paramref name="from"/>.</summary>
    public IReadOnlyCollection<string> CandidateDomains(DateTime from) =>
        _hours.Values.Where(h => h.Start >= from).SelectMany(h => h.Recipients.Keys).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The hours to report: every hour of the last 24 (to the current one) that the log covers, zeros included, and older
    /// hours within <see cref="History"/> that have counts; <paramref name="isLocal"/> decides which counted domains are foreign.
    /// </summary>
    public IReadOnlyList<EmissionHour> Report(DateTime now, Func<string, bool> isLocal)
    {
        ArgumentNullException.ThrowIfNull(isLocal);
        var current = HourOf(now);
        var coveredFrom = State.OldestLine is { } oldest ? HourOf(oldest) : current.AddHours(1);
        var recent = current.AddHours(-23);
        var result = new List<EmissionHour>();
        for (var start = HourOf(_horizon); start <= current; start = start.AddHours(1))
        {
            var has = _hours.TryGetValue(start, out var hour);
            if (!has && (start < recent || start < coveredFrom))
            {
                continue;
            }

            hour ??= new EmissionHourState { Start = start };
            var foreign = hour.Recipients.Where(r => !isLocal(r.Key)).ToList();
            result.Add(new EmissionHour(
                new DateTimeOffset(start, TimeSpan.Zero),
                hour.NonDelivery,
                hour.DeliveryStatus,
                hour.Delay,
                hour.Deliveries,
                foreign.Sum(r => r.Value) + hour.OverflowRecipients,
                foreign.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal).Take(10).Select(r => new DomainCount(r.Key, r.Value)).ToList(),
                hour.Unparsed));
        }

        return result;
    }

    /// <summary>Drops hours and followed messages older than <see cref="History"/> before <paramref name="now"/>.</summary>
    public void Prune(DateTime now)
    {
        _horizon = now - History;
        var oldHour = HourOf(_horizon);
        foreach (var start in _hours.Keys.Where(s => s < oldHour).ToList())
        {
            _hours.Remove(start);
        }

        foreach (var id in State.Pending.Where(p => p.Value.FirstSeen < _horizon).Select(p => p.Key).ToList())
        {
            State.Pending.Remove(id);
        }

        if (State.OldestLine < _horizon)
        {
            State.OldestLine = _horizon;
        }

        State.Hours = [.. _hours.Values.OrderBy(h => h.Start)];
    }

    /// <summary>Writes the hours back into <see cref="State"/>; call before storing it.</summary>
    public EmissionLedgerState Snapshot()
    {
        State.Hours = [.. _hours.Values.OrderBy(h => h.Start)];
        return State;
    }

    private void RecordDelivery(PendingMessageState pending, string domain, DateTime time)
    {
        if (time < _horizon)
        {
            return;
        }

        if (!pending.IsNotification)
        {
            (pending.EarlyAttempts ??= []).Add(time);
            pending.EarlyDomain ??= domain;
            return;
        }

        Hour(time).Deliveries++;
        CountRecipient(pending, domain);
    }

    private void CountRecipient(PendingMessageState pending, string domain)
    {
        if (pending.RecipientSeen)
        {
            return;
        }

        pending.RecipientSeen = true;
        var name = domain.Trim().TrimEnd('.').ToLowerInvariant();
        if (_local.IsLocal(name) || pending.NotificationHour < _horizon)
        {
            return;
        }

        var hour = Hour(pending.NotificationHour);
        if (hour.Recipients.TryGetValue(name, out var count))
        {
            hour.Recipients[name] = count + 1;
        }
        else if (hour.Recipients.Count < MaxDomainsPerHour)
        {
            hour.Recipients[name] = 1;
        }
        else
        {
            hour.OverflowRecipients++;
        }
    }

    private void Follow(string id, PendingMessageState pending)
    {
        if (State.Pending.Count >= MaxPending)
        {
            foreach (var oldest in State.Pending.OrderBy(p => p.Value.FirstSeen).Take(MaxPending / 10).Select(p => p.Key).ToList())
            {
                State.Pending.Remove(oldest);
            }
        }

        State.Pending[id] = pending;
    }

    private bool TryGetPending(ReadOnlySpan<byte> id, out PendingMessageState pending)
    {
        Span<char> chars = stackalloc char[id.Length];
        Encoding.ASCII.GetChars(id, chars);
        return _pendingBySpan.TryGetValue(chars, out pending!);
    }

    private EmissionHourState Hour(DateTime time)
    {
        var start = HourOf(time);
        if (!_hours.TryGetValue(start, out var hour))
        {
            hour = new EmissionHourState { Start = start };
            _hours[start] = hour;
        }

        return hour;
    }

    private static DateTime HourOf(DateTime time) => new(time.Year, time.Month, time.Day, time.Hour, 0, 0, DateTimeKind.Utc);

    private static string Ascii(ReadOnlySpan<byte> bytes) => Encoding.ASCII.GetString(bytes);
}
