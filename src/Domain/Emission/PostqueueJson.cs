using System.Text.Json;
using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Domain.Emission;

/// <summary>One queued message as <c>postqueue -j</c> describes it, reduced to what the count needs: no local parts kept.</summary>
/// <param name="QueueId">The queue id.</param>
/// <param name="QueueName">active, deferred, hold, incoming or maildrop.</param>
/// <param name="ArrivalTime">When it entered the queue (UTC).</param>
/// <param name="NullSender">True when the envelope sender is empty (a notification or other null-sender mail).</param>
/// <param name="RecipientDomains">The distinct recipient domains, lower-case (empty string for an unqualified recipient).</param>
public sealed record QueuedMessage(string QueueId, string QueueName, DateTimeOffset ArrivalTime, bool NullSender, IReadOnlyList<string> RecipientDomains);

/// <summary>
/// Reads <c>postqueue -j</c> output: one JSON object per line (Postfix 3.1 and later) with <c>queue_name</c>,
/// <c>queue_id</c>, <c>arrival_time</c> (Unix seconds), <c>message_size</c>, <c>sender</c> and
/// <c>recipients[{address, delay_reason}]</c>. The null sender is printed as <c>""</c> or, as Postfix 3.7 does, as the
/// <c>empty_address_recipient</c> name (<c>MAILER-DAEMON</c>) without a domain; a real sender always has one, because
/// Postfix qualifies local senders.
/// </summary>
public static class PostqueueJson
{
    /// <summary>Parses one line; null when it is not a queue entry (counted by the caller as unparsed).</summary>
    /// <param name="line">A line of output.</param>
    /// <param name="emptySenderName">The server's <c>empty_address_recipient</c> (<c>MAILER-DAEMON</c> by default).</param>
    public static QueuedMessage? ParseLine(string line, string emptySenderName = "MAILER-DAEMON")
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(emptySenderName);
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("queue_id", out var id) || id.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("sender", out var sender) || sender.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("arrival_time", out var arrival) || !arrival.TryGetInt64(out var seconds)
                || !root.TryGetProperty("recipients", out var recipients) || recipients.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var domains = new List<string>();
            foreach (var recipient in recipients.EnumerateArray())
            {
                if (recipient.ValueKind != JsonValueKind.Object || !recipient.TryGetProperty("address", out var address) || address.ValueKind != JsonValueKind.String)
                {
                    return null;
                }

                var domain = LocalDomainSet.DomainOf(address.GetString()!);
                if (!domains.Contains(domain, StringComparer.Ordinal))
                {
                    domains.Add(domain);
                }
            }

            var from = sender.GetString()!;
            var isNull = from.Length == 0 || (!from.Contains('@', StringComparison.Ordinal) && string.Equals(from, emptySenderName, StringComparison.OrdinalIgnoreCase));
            var queueName = root.TryGetProperty("queue_name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString()! : string.Empty;
            return new QueuedMessage(id.GetString()!, queueName, DateTimeOffset.FromUnixTimeSeconds(seconds), isNull, domains);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (ArgumentOutOfRangeException)
        {
            // An arrival time outside DateTimeOffset's range is not a queue entry either.
            return null;
        }
    }

    /// <summary>Sums the queue: null-sender messages, those with a foreign recipient, their age, top domains and ids.</summary>
    /// <param name="messages">The parsed entries.</param>
    /// <param name="isLocal">Decides which recipient domains are the server's own.</param>
    /// <param name="now">The time of the count.</param>
    public static QueueEmission Summarize(IReadOnlyCollection<QueuedMessage> messages, Func<string, bool> isLocal, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(isLocal);
        var nullSender = messages.Where(m => m.NullSender).ToList();
        var toForeign = nullSender
            .Select(m => (Message: m, Foreign: m.RecipientDomains.Where(d => !isLocal(d)).ToList()))
            .Where(m => m.Foreign.Count > 0)
            .OrderBy(m => m.Message.ArrivalTime)
            .ThenBy(m => m.Message.QueueId, StringComparer.Ordinal)
            .ToList();
        var oldest = toForeign.Count == 0 ? 0 : (int)Math.Clamp((now - toForeign[0].Message.ArrivalTime).TotalSeconds, 0, int.MaxValue);
        var domains = toForeign.SelectMany(m => m.Foreign)
            .GroupBy(d => d, StringComparer.Ordinal)
            .Select(g => new DomainCount(g.Key, g.Count()))
            .OrderByDescending(d => d.Count).ThenBy(d => d.Domain, StringComparer.Ordinal)
            .Take(10)
            .ToList();
        return new QueueEmission(messages.Count, nullSender.Count, toForeign.Count, oldest, domains, toForeign.Take(50).Select(m => m.Message.QueueId).ToList());
    }
}
