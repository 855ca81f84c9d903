using System.Net;
using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Domain.Spf;
using BackscatterConsole.Domain.Tests.Fixtures;

namespace BackscatterConsole.Domain.Tests.Spf;

/// <summary>
/// The RFC 7208 suite of <see cref="Rfc7208ConformanceTests"/> again, with each case's zone served over UDP on loopback
/// (<see cref="ZoneDnsServer"/>) and <see cref="DnsResolver"/> between <see cref="SpfEvaluator"/> and the zone, so the
/// resolver's handling of NXDOMAIN, NODATA, CNAMEs, joined TXT strings and timeouts is part of what the suite checks.
/// </summary>
public sealed class Rfc7208WireConformanceTests
{
    public static TheoryData<string> CaseIds() => Rfc7208ConformanceTests.CaseIds();

    [Theory]
    [MemberData(nameof(CaseIds))]
    public async Task CheckHost_SuiteCaseOverTheWire_GivesExpectedResult(string caseId)
    {
        var suiteCase = Rfc7208ConformanceTests.Cases.Value[caseId];
        await using var server = new ZoneDnsServer(suiteCase.Zone);

        // The suite's TIMEOUT names never answer; one attempt of a second keeps those cases short without racing a busy machine.
        using var resolver = new DnsResolver(new DnsResolverOptions { Servers = [server.Endpoint], Timeout = TimeSpan.FromSeconds(1), Attempts = 1 });
        var evaluator = new SpfEvaluator(resolver, new SpfEvaluatorOptions { DefaultExplanation = "DEFAULT" });

        var evaluation = await evaluator.CheckMailFromAsync(IPAddress.Parse(suiteCase.Host), suiteCase.MailFrom, suiteCase.Helo);

        var got = evaluation.Result.ToRfcString();
        Assert.True(
            suiteCase.Results.Contains(got),
            $"{caseId}: expected {string.Join(" or ", suiteCase.Results)}, got {got}. {evaluation.Problem}\n{string.Join('\n', evaluation.Trace)}");
        if (suiteCase.Explanation is not null && got == "fail")
        {
            Assert.Equal(suiteCase.Explanation, evaluation.Explanation);
        }
    }
}
