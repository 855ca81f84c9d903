using BackscatterConsole.Domain.Emission;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Emission;

namespace BackscatterConsole.Domain.Tests.Emission;

public sealed class BounceEmissionRuleTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 21, 30, 0, TimeSpan.Zero);
    private static readonly EmissionThresholds Thresholds = new(WarnAbove: 0, FailAbove: 10, Window: TimeSpan.FromHours(24), StaleAfter: TimeSpan.FromHours(1));
    private static readonly Guid ServerId = Guid.Parse("6d1f2f0e-35a4-4a4f-9d8e-2a3f0c1b5e77");

    [Fact]
    public void Evaluate_NoAgent_IsUnknownAndSaysHowToGetOne()
    {
        var result = BounceEmissionRule.Evaluate(new BounceEmissionFacts(ServerId, Now, HasAgent: false, null, [], []), Thresholds);

        Assert.Equal(CheckStatus.Unknown, result.Status);
        Assert.Equal(BounceEmissionCheck.UnknownTitle, result.Title);
        Assert.Contains($"/servers/{ServerId}/agent", result.Remediation, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_AgentWithoutReport_IsUnknown() =>
        Assert.Equal(CheckStatus.Unknown, BounceEmissionRule.Evaluate(new BounceEmissionFacts(ServerId, Now, true, null, [], []), Thresholds).Status);

    [Fact]
    public void Evaluate_StaleReport_IsUnknownNotPass()
    {
        var result = BounceEmissionRule.Evaluate(new BounceEmissionFacts(ServerId, Now, true, State(Now.AddHours(-3), queued: 0), [], []), Thresholds);

        Assert.Equal(CheckStatus.Unknown, result.Status);
        Assert.Contains("more than 1 hour ago", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_NothingInLogAndQueue_PassesStatingTheWindow()
    {
        var result = BounceEmissionRule.Evaluate(new BounceEmissionFacts(ServerId, Now, true, State(Now.AddMinutes(-5), 0), [Hour(20, 0)], []), Thresholds);

        Assert.Equal(CheckStatus.Pass, result.Status);
        Assert.Equal(BounceEmissionCheck.PassTitle, result.Title);
        Assert.Contains("last 24 h", result.Summary, StringComparison.Ordinal);
        Assert.Contains(result.Evidence, e => e.StartsWith("window: 2026-12-03 22:00 – 2026-12-04 21:30 UTC (24 h)", StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_QueueOrLogUnreadable_IsErrorWithTheReason()
    {
        var state = State(Now.AddMinutes(-5), 0) with { Queue = null, QueueError = "postqueue: fatal: Queue report unavailable - mail system is down" };

        var result = BounceEmissionRule.Evaluate(new BounceEmissionFacts(ServerId, Now, true, state, [Hour(20, 3)], []), Thresholds);

        Assert.Equal(CheckStatus.Error, result.Status);
        Assert.Contains("mail system is down", result.Summary, StringComparison.Ordinal);
        Assert.Contains("3 notification(s) to foreign recipients", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_AboveFailThreshold_FailsNamesTheCausesAndPointsToTheChangeRequest()
    {
        var findings = new[]
        {
            new RelatedFinding("mta.filter-bounce", "The spam and virus filter bounces to (forged) senders", CheckStatus.Fail, AgentCanFix: false),
            new RelatedFinding("smtp.unknown-recipient", "Unknown recipients are accepted, then bounced", CheckStatus.Fail, AgentCanFix: true),
            new RelatedFinding("spf.all", "SPF ends softly", CheckStatus.Warn, AgentCanFix: false),
        };

        var result = BounceEmissionRule.Evaluate(new BounceEmissionFacts(ServerId, Now, true, State(Now.AddMinutes(-5), queued: 4), [Hour(19, 6), Hour(20, 7)], findings), Thresholds);

        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Equal(CheckSeverity.Critical, result.Severity);
        Assert.Equal(BounceEmissionCheck.ProblemTitle, result.Title);
        Assert.StartsWith("13 null-sender message(s) went to foreign domains in the last 24 h (log: 13 notification(s) to foreign recipients; queue now: 4 waiting)", result.Summary, StringComparison.Ordinal);
        Assert.Contains("smtp.unknown-recipient (Unknown recipients are accepted, then bounced); mta.filter-bounce", result.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("spf.all", result.Summary, StringComparison.Ordinal);
        Assert.Contains("Propose a change request that fixes smtp.unknown-recipient", result.Remediation, StringComparison.Ordinal);
        Assert.Contains($"/change-requests/new?server={ServerId}&checks=smtp.unknown-recipient", result.Remediation, StringComparison.Ordinal);
        Assert.Contains("mta.filter-bounce need(s) manual steps", result.Remediation, StringComparison.Ordinal);
        Assert.Contains(result.Evidence, e => e.StartsWith("2026-12-04 20:00 UTC: 7 non-delivery", StringComparison.Ordinal));
        Assert.Contains(result.Evidence, e => e == "sample queue ids: 4A1B2C3D4E");
        Assert.Contains(result.Evidence, e => e.StartsWith("top foreign recipient domains (log): victim.example.org (13)", StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_QueueAloneAboveWarn_WarnsAndTakesTheLargerFigureNotTheSum()
    {
        var result = BounceEmissionRule.Evaluate(new BounceEmissionFacts(ServerId, Now, true, State(Now.AddMinutes(-5), queued: 3), [Hour(20, 2)], []), Thresholds);

        Assert.Equal(CheckStatus.Warn, result.Status);
        Assert.StartsWith("3 null-sender message(s)", result.Summary, StringComparison.Ordinal);
        Assert.Contains("No failing check of this scan explains it", result.Remediation, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_AtOrBelowAHigherWarnThreshold_PassesWithTheCount()
    {
        var result = BounceEmissionRule.Evaluate(new BounceEmissionFacts(ServerId, Now, true, State(Now.AddMinutes(-5), 0), [Hour(20, 2)], []), Thresholds with { WarnAbove = 5 });

        Assert.Equal(CheckStatus.Pass, result.Status);
        Assert.Contains("at or below the warning threshold of 5", result.Summary, StringComparison.Ordinal);
    }

    private static BounceEmissionHourDto Hour(int hour, int toForeign) => new(
        new DateTime(2026, 12, 4, hour, 0, 0, DateTimeKind.Utc), toForeign, 0, 0, toForeign, toForeign,
        toForeign > 0 ? [new DomainCount("victim.example.org", toForeign)] : [], 0, Now.UtcDateTime);

    private static BounceEmissionStateDto State(DateTimeOffset collected, int queued) => new(
        ServerId,
        Guid.NewGuid(),
        collected.UtcDateTime,
        collected.UtcDateTime,
        ["example.test"],
        new BounceEmissionQueueDto(collected.UtcDateTime, queued + 2, queued, queued, queued > 0 ? 900 : 0, queued > 0 ? [new DomainCount("victim.example.org", queued)] : [], queued > 0 ? ["4A1B2C3D4E"] : []),
        null,
        null,
        "/var/log/mail.log",
        100,
        1,
        collected.UtcDateTime.AddDays(-7),
        collected.UtcDateTime,
        []);
}
