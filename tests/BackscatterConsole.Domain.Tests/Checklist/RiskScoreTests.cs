using BackscatterConsole.Domain.Checklist;
using BackscatterConsole.Shared.Checks;

namespace BackscatterConsole.Domain.Tests.Checklist;

public sealed class RiskScoreTests
{
    [Fact]
    public void Score_NoResults_IsZero() => Assert.Equal(0, RiskScore.Score([]));

    [Fact]
    public void Score_OnlyPassAndInfo_IsZero() =>
        Assert.Equal(0, RiskScore.Score([R("smtp.open-relay", CheckStatus.Pass, CheckSeverity.Critical), R("smtp.starttls", CheckStatus.Info, CheckSeverity.Low)]));

    [Fact]
    public void Score_CriticalFail_Is100WhateverElsePasses()
    {
        var results = Enumerable.Range(0, 20).Select(i => R($"mta.x{i}", CheckStatus.Pass, CheckSeverity.High)).Append(R("smtp.open-relay", CheckStatus.Fail, CheckSeverity.Critical));

        Assert.Equal(100, RiskScore.Score(results));
    }

    [Theory]
    [InlineData(CheckStatus.Fail, CheckSeverity.High, 60)]
    [InlineData(CheckStatus.Warn, CheckSeverity.High, 30)]
    [InlineData(CheckStatus.Warn, CheckSeverity.Medium, 15)]
    [InlineData(CheckStatus.Error, CheckSeverity.High, 12)]
    [InlineData(CheckStatus.Unknown, CheckSeverity.Low, 2)]
    [InlineData(CheckStatus.Fail, CheckSeverity.Info, 0)]
    public void Score_SingleResult_MatchesFormula(CheckStatus status, CheckSeverity severity, int expected) =>
        Assert.Equal(expected, RiskScore.Score([R("mta.x", status, severity)]));

    [Fact]
    public void Score_TwoHighFails_Combine() =>
        Assert.Equal(84, RiskScore.Score([R("mta.a", CheckStatus.Fail, CheckSeverity.High), R("mta.b", CheckStatus.Fail, CheckSeverity.High)]));

    [Fact]
    public void Score_SameIdFromProbeAndSettings_CountsOnce() =>
        Assert.Equal(60, RiskScore.Score([R("smtp.unknown-recipient", CheckStatus.Fail, CheckSeverity.High), R("smtp.unknown-recipient", CheckStatus.Fail, CheckSeverity.High)]));

    [Fact]
    public void Assess_MixedFamilies_SummarizesPerFamily()
    {
        var assessment = RiskScore.Assess(
        [
            R("smtp.unknown-recipient", CheckStatus.Fail, CheckSeverity.High),
            R("smtp.open-relay", CheckStatus.Pass, CheckSeverity.Critical),
            R("mta.policyd", CheckStatus.Warn, CheckSeverity.Low),
            R("mta.filter-bounce", CheckStatus.Unknown, CheckSeverity.High),
            R("spf.all", CheckStatus.Pass, CheckSeverity.High),
        ]);

        Assert.Equal(["smtp", "mta", "spf"], assessment.Families.Select(f => f.Family));
        var smtp = assessment.Families[0];
        Assert.Equal(60, smtp.Score);
        Assert.Equal(CheckStatus.Fail, smtp.Worst);
        Assert.Equal(1, smtp.Counts[CheckStatus.Fail]);
        Assert.Equal(1, smtp.Counts[CheckStatus.Pass]);
        Assert.Equal(CheckStatus.Warn, assessment.Families[1].Worst);
        Assert.Equal(0, assessment.Families[2].Score);
        Assert.Equal(RiskScore.Score([R("a.a", CheckStatus.Fail, CheckSeverity.High), R("b.b", CheckStatus.Warn, CheckSeverity.Low), R("c.c", CheckStatus.Unknown, CheckSeverity.High)]), assessment.Score);
    }

    [Fact]
    public void Assess_SerializedToJson_UsesCatalogueStatusNames()
    {
        var assessment = RiskScore.Assess([R("smtp.open-relay", CheckStatus.Fail, CheckSeverity.Critical)]);

        var json = System.Text.Json.JsonSerializer.Serialize(assessment);

        Assert.Contains("\"Worst\":\"fail\"", json, StringComparison.Ordinal);
        Assert.Contains("\"fail\":1", json, StringComparison.Ordinal);
        Assert.Contains("\"Score\":100", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("smtp.unknown-recipient", "smtp")]
    [InlineData("dns.ptr", "dns")]
    [InlineData("nodot", "nodot")]
    [InlineData("dkim.selector.s1", "dkim")]
    public void Family_Id_IsPartBeforeFirstDot(string id, string family) => Assert.Equal(family, RiskScore.Family(id));

    private static CheckResult R(string id, CheckStatus status, CheckSeverity severity) =>
        new(id, status, severity, id, "summary", "explanation", [], null);
}
