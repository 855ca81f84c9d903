using System.Globalization;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Emission;

namespace BackscatterConsole.Domain.Emission;

/// <summary>
/// The <c>smtp.bounce-emission</c> check: is the server sending null-sender mail (bounces, delay and status notifications)
/// to recipients outside its own domains now? Its titles live here, in the shape of the check catalogue's entries
/// (pass, problem, warn, error, unknown), so they can move into the catalogue unchanged.
/// </summary>
public static class BounceEmissionCheck
{
    /// <summary>The check id.</summary>
    public const string Id = "smtp.bounce-emission";

    /// <summary>Title of a pass.</summary>
    public const string PassTitle = "No null-sender mail to foreign domains";

    /// <summary>Title of a fail.</summary>
    public const string ProblemTitle = "The server is emitting backscatter";

    /// <summary>Title of a warning.</summary>
    public const string WarnTitle = "Some null-sender mail went to foreign domains";

    /// <summary>Title when the agent could not read the queue or the log.</summary>
    public const string ErrorTitle = "Could not count the server's null-sender mail";

    /// <summary>Title without an agent or a report.</summary>
    public const string UnknownTitle = "Not known whether the server emits backscatter";

    /// <summary>Why the check matters.</summary>
    public const string Explanation =
        "Bounces, delay and delivery-status notifications go out with the null sender (<>) to the envelope sender of the mail " +
        "that caused them. When that sender was forged, the notification lands on an innocent third party: backscatter. " +
        "Blocklists such as ips.backscatterer.org list servers that send it. Counted from the mail queue (postqueue -j) and " +
        "the mail log by the server's agent: counts, domains and queue ids only, never addresses or contents.";

    /// <summary>
    /// Checks whose failure makes a server accept mail and bounce it later (or probe forged senders), in the order a finding
    /// names them.
    /// </summary>
    public static IReadOnlyList<string> LikelyCauses { get; } =
    [
        "smtp.unknown-recipient", "smtp.catch-all", "mta.disabled-mailbox", "mta.quota-notification", "mta.filter-bounce",
        "mta.sender-callout", "mta.verify-defer-code", "mta.bounce-hygiene",
    ];

    /// <summary>The title for a result with <paramref name="status"/>, from the check catalogue.</summary>
    public static string TitleFor(CheckStatus status) => CheckCatalog.Title(Id, status);

    /// <summary>The portal's new change request form, filled in for this server and these checks.</summary>
    public static string ProposePath(Guid serverId, IEnumerable<string> checkIds) =>
        $"/change-requests/new?server={serverId}&checks={Uri.EscapeDataString(string.Join(",", checkIds))}";
}

/// <summary>When the check warns and fails, and how old a report may be.</summary>
/// <param name="WarnAbove">Warn when the null-sender mail to foreign domains in the window is above this (default 0: any).</param>
/// <param name="FailAbove">Fail when it is above this.</param>
/// <param name="Window">The window the check sums (24 hours).</param>
/// <param name="StaleAfter">A report older than this is not evidence of now: the check says unknown.</param>
public sealed record EmissionThresholds(int WarnAbove, int FailAbove, TimeSpan Window, TimeSpan StaleAfter);

/// <summary>A failing or warning check of the same scan, for correlation.</summary>
/// <param name="CheckId">The check.</param>
/// <param name="Title">Its title in the scan.</param>
/// <param name="Status">Fail or warn.</param>
/// <param name="AgentCanFix">True when the remediation planner has changes an agent can apply for it (a change request can fix it).</param>
public sealed record RelatedFinding(string CheckId, string Title, CheckStatus Status, bool AgentCanFix);

/// <summary>What the check judges.</summary>
/// <param name="ServerId">The server (for the link to its agent page).</param>
/// <param name="Now">The time of the scan.</param>
/// <param name="HasAgent">True when an agent is enrolled for the server.</param>
/// <param name="Latest">The latest emission report, or null.</param>
/// <param name="Hours">The stored hours that start inside the window.</param>
/// <param name="Findings">The server's failing and warning checks of this scan.</param>
public sealed record BounceEmissionFacts(
    Guid ServerId,
    DateTimeOffset Now,
    bool HasAgent,
    BounceEmissionStateDto? Latest,
    IReadOnlyList<BounceEmissionHourDto> Hours,
    IReadOnlyList<RelatedFinding> Findings);

/// <summary>Evaluates <c>smtp.bounce-emission</c> from stored reports; no I/O.</summary>
public static class BounceEmissionRule
{
    /// <summary>
    /// The figure judged: the larger of the log's notifications to foreign recipients in the window and the queue's
    /// null-sender messages to foreign recipients. Not their sum: a notification that is deferred sits in the queue and was
    /// also counted when the log recorded it.
    /// </summary>
    public static int Measure(int logToForeign, int queuedToForeign) => Math.Max(logToForeign, queuedToForeign);

    /// <summary>The first hour the window covers: the hour containing <c>now − window</c>, rounded up to the next hour start.</summary>
    public static DateTime WindowStart(DateTimeOffset now, TimeSpan window)
    {
        var start = (now - window).UtcDateTime;
        var floor = new DateTime(start.Year, start.Month, start.Day, start.Hour, 0, 0, DateTimeKind.Utc);
        return floor == start ? floor : floor.AddHours(1);
    }

    /// <summary>Evaluates the check.</summary>
    public static CheckResult Evaluate(BounceEmissionFacts facts, EmissionThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(thresholds);
        var agentPage = $"/servers/{facts.ServerId}/agent";
        var hours = (int)Math.Round(thresholds.Window.TotalHours);
        if (facts.Latest is not { } latest)
        {
            return facts.HasAgent
                ? Result(CheckStatus.Unknown, CheckSeverity.Low, "The agent has not sent an emission report yet: it sends one after each settings snapshot and every Agent:EmissionInterval.", [], null)
                : Result(CheckStatus.Unknown, CheckSeverity.Low, "No agent is enrolled for this server, so nothing reads its mail queue and log.", [], $"Enroll an agent on {agentPage}; it reports the queue and the mail log every 15 minutes.");
        }

        var collected = new DateTimeOffset(latest.CollectedAt, TimeSpan.Zero);
        var evidence = new List<string> { $"latest report collected {Format(latest.CollectedAt)} UTC" };
        if (facts.Now - collected > thresholds.StaleAfter)
        {
            return Result(
                CheckStatus.Unknown,
                CheckSeverity.Low,
                $"The latest emission report is from {Format(latest.CollectedAt)} UTC, more than {Describe(thresholds.StaleAfter)} ago: it does not show what the server does now.",
                evidence,
                $"Check that the agent is online ({agentPage}); it reports every Agent:EmissionInterval.");
        }

        var logToForeign = facts.Hours.Sum(h => h.NotificationsToForeign);
        var queued = latest.Queue?.NullSenderToForeign ?? 0;
        var emission = Measure(logToForeign, queued);
        evidence.AddRange(Evidence(facts, latest, thresholds, hours));

        var problems = new List<string>();
        if (latest.QueueError is { } queueError)
        {
            problems.Add("the queue could not be read: " + queueError);
        }

        if (latest.LogError is { } logError)
        {
            problems.Add("the mail log could not be read: " + logError);
        }

        if (problems.Count > 0)
        {
            var known = $" What could be read: {logToForeign} notification(s) to foreign recipients in the log, {queued} queued.";
            return Result(CheckStatus.Error, CheckSeverity.Medium, "The agent reported that " + string.Join("; ", problems) + "." + known, evidence,
                "Fix what the agent cannot read (paths under Agent:Emission, permissions of the agent's account), then scan again.");
        }

        var figures = $"{emission} null-sender message(s) went to foreign domains in the last {hours} h (log: {logToForeign} notification(s) to foreign recipients; queue now: {queued} waiting)";
        if (emission == 0)
        {
            return Result(CheckStatus.Pass, CheckSeverity.Info, $"No null-sender mail went to foreign domains in the last {hours} h (log and queue).", evidence, null);
        }

        if (emission <= thresholds.WarnAbove)
        {
            return Result(CheckStatus.Pass, CheckSeverity.Info, figures + $", at or below the warning threshold of {thresholds.WarnAbove}.", evidence, null);
        }

        var failed = emission > thresholds.FailAbove;
        var causes = facts.Findings
            .Where(f => f.Status is CheckStatus.Fail or CheckStatus.Warn && BounceEmissionCheck.LikelyCauses.Contains(f.CheckId, StringComparer.Ordinal))
            .GroupBy(f => f.CheckId, StringComparer.Ordinal)
            .Select(g => g.OrderByDescending(f => f.Status == CheckStatus.Fail).First())
            .OrderBy(f => IndexOf(f.CheckId))
            .ToList();
        var summary = figures + (failed ? $", above the fail threshold of {thresholds.FailAbove}." : $", above the warning threshold of {thresholds.WarnAbove}.");
        if (causes.Count > 0)
        {
            summary += " Likely causes among this scan's failing checks: " + string.Join("; ", causes.Select(c => $"{c.CheckId} ({c.Title})")) + ".";
            evidence.Add("likely causes: " + string.Join(", ", causes.Select(c => c.CheckId)));
        }

        return Result(failed ? CheckStatus.Fail : CheckStatus.Warn, failed ? CheckSeverity.Critical : CheckSeverity.High, summary, evidence, Remediation(causes, facts.ServerId));
    }

    private static IEnumerable<string> Evidence(BounceEmissionFacts facts, BounceEmissionStateDto latest, EmissionThresholds thresholds, int hours)
    {
        var start = WindowStart(facts.Now, thresholds.Window);
        yield return $"window: {Format(start)} – {Format(facts.Now.UtcDateTime)} UTC ({hours} h); hours reported: {facts.Hours.Count}";
        foreach (var hour in facts.Hours.Where(h => h.Notifications > 0 || h.NotificationDeliveries > 0 || h.NotificationsToForeign > 0).OrderBy(h => h.Start))
        {
            var domains = hour.RecipientDomains.Count > 0 ? "; to " + string.Join(", ", hour.RecipientDomains.Take(5).Select(d => $"{d.Domain} ({d.Count})")) : string.Empty;
            yield return $"{Format(hour.Start)} UTC: {hour.NonDeliveryNotifications} non-delivery, {hour.DelayNotifications} delay, {hour.DeliveryStatusNotifications} delivery-status notification(s); " +
                $"{hour.NotificationsToForeign} to foreign recipients; {hour.NotificationDeliveries} delivery attempt(s){domains}";
        }

        var top = facts.Hours.SelectMany(h => h.RecipientDomains)
            .GroupBy(d => d.Domain, StringComparer.Ordinal)
            .Select(g => new DomainCount(g.Key, g.Sum(d => d.Count)))
            .OrderByDescending(d => d.Count).ThenBy(d => d.Domain, StringComparer.Ordinal)
            .Take(10)
            .ToList();
        if (top.Count > 0)
        {
            yield return "top foreign recipient domains (log): " + string.Join(", ", top.Select(d => $"{d.Domain} ({d.Count})"));
        }

        if (latest.Queue is { } queue)
        {
            var age = queue.OldestNullSenderAgeSeconds > 0 ? $", the oldest {Describe(TimeSpan.FromSeconds(queue.OldestNullSenderAgeSeconds))} old" : string.Empty;
            yield return $"queue: {queue.Messages} message(s), {queue.NullSenderMessages} with the null sender, {queue.NullSenderToForeign} of them to foreign recipients{age}";
            if (queue.RecipientDomains.Count > 0)
            {
                yield return "queued to: " + string.Join(", ", queue.RecipientDomains.Select(d => $"{d.Domain} ({d.Count})"));
            }

            if (queue.QueueIds.Count > 0)
            {
                yield return "sample queue ids: " + string.Join(" ", queue.QueueIds.Take(10));
            }
        }

        var unparsed = facts.Hours.Sum(h => h.UnparsedLines);
        if (unparsed > 0)
        {
            yield return $"log lines the agent could not parse in the window: {unparsed} (counted, never guessed)";
        }

        if (latest.LogPath is { } path)
        {
            yield return $"mail log: {path}" + (latest.NewestLine is { } newest ? $", newest line {Format(newest)} UTC" : string.Empty);
        }

        foreach (var note in latest.Notes)
        {
            yield return "note: " + note;
        }
    }

    private static string Remediation(IReadOnlyList<RelatedFinding> causes, Guid serverId)
    {
        if (causes.Count == 0)
        {
            return "No failing check of this scan explains it. Look in the mail log for what the notifications answer: forwarding (aliases to outside addresses), " +
                "autoresponders, after-queue content filters that bounce; refuse at RCPT time instead, and consider BATV and SRS. " +
                "Then watch this check: the hourly counts show whether it stopped.";
        }

        var fixable = causes.Where(c => c.AgentCanFix).Select(c => c.CheckId).ToList();
        var manual = causes.Where(c => !c.AgentCanFix).Select(c => c.CheckId).ToList();
        var text = fixable.Count > 0
            ? $"Propose a change request that fixes {string.Join(", ", fixable)}: {BounceEmissionCheck.ProposePath(serverId, fixable)} (or POST /api/v1/change-requests with this server and these check ids); once a second person approves it, the agent applies it."
            : $"Fix {string.Join(", ", manual)} by hand (see their findings): the agent has no change to apply for them.";
        if (fixable.Count > 0 && manual.Count > 0)
        {
            text += $" {string.Join(", ", manual)} need(s) manual steps (see their findings).";
        }

        return text + " After the change, the hourly counts of this check (and GET /api/v1/servers/{id}/bounce-emission/causes) show whether the emission stopped.";
    }

    private static int IndexOf(string checkId)
    {
        for (var i = 0; i < BounceEmissionCheck.LikelyCauses.Count; i++)
        {
            if (BounceEmissionCheck.LikelyCauses[i] == checkId)
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    private static CheckResult Result(CheckStatus status, CheckSeverity severity, string summary, IReadOnlyList<string> evidence, string? remediation) =>
        new(BounceEmissionCheck.Id, status, severity, BounceEmissionCheck.TitleFor(status), summary, BounceEmissionCheck.Explanation, evidence, remediation);

    private static string Format(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 2 ? $"{span.TotalDays:0} days"
        : span.TotalHours >= 2 ? $"{span.TotalHours:0} hours"
        : span.TotalHours >= 1 ? "1 hour"
        : span.TotalMinutes >= 2 ? $"{span.TotalMinutes:0} minutes"
        : $"{span.TotalSeconds:0} seconds";
}
