using BackscatterConsole.Domain.Posture;
using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Domain.Tests.Fixtures;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Posture;

namespace BackscatterConsole.Domain.Tests.Checklist;

public sealed class CheckCatalogTests
{
    [Fact]
    public void All_EveryCheck_HasDifferentPassAndProblemTitles()
    {
        foreach (var (id, titles) in CheckCatalog.All)
        {
            Assert.False(string.IsNullOrWhiteSpace(titles.Pass), id);
            Assert.NotEqual(titles.Pass, titles.Problem);
            Assert.NotEqual(titles.Pass, titles.Error);
        }
    }

    [Theory]
    [InlineData("smtp.unknown-recipient", CheckStatus.Pass, "Unknown recipients are rejected at RCPT")]
    [InlineData("smtp.unknown-recipient", CheckStatus.Fail, "Unknown recipients are accepted, then bounced")]
    [InlineData("smtp.unknown-recipient", CheckStatus.Error, "Could not test whether unknown recipients are rejected")]
    [InlineData("smtp.open-relay", CheckStatus.Pass, "Relaying to foreign domains is refused")]
    [InlineData("smtp.open-relay", CheckStatus.Fail, "The server is an open relay")]
    [InlineData("mx.records", CheckStatus.Info, "Null MX: the domain accepts no mail")]
    [InlineData("dkim.s1", CheckStatus.Warn, "DKIM key s1 is weak or marked as testing")]
    [InlineData("dkim.selectors", CheckStatus.Unknown, "No DKIM selector is known, so no key was checked")]
    public void Title_StatusOfAResult_StatesTheFinding(string id, CheckStatus status, string expected) =>
        Assert.Equal(expected, CheckCatalog.Title(id, status));

    [Fact]
    public void TitleOr_IdNotInTheCatalogue_KeepsTheStoredTitle() =>
        Assert.Equal("Stored", CheckCatalog.TitleOr("blocklist.example", CheckStatus.Fail, "Stored"));

    [Fact]
    public void Title_UnknownId_Throws() =>
        Assert.Throws<KeyNotFoundException>(() => CheckCatalog.Title("nope.nothing", CheckStatus.Pass));

    [Fact]
    public async Task Rules_EveryResultTheDomainProduces_CarriesTheCataloguesTitleForItsStatus()
    {
        var zone = new InMemoryDnsResolver()
            .Txt("example.com", "v=spf1 mx ~all")
            .Mx("example.com", 10, "mx.example.com")
            .A("mx.example.com", "192.0.2.25")
            .Txt("_dmarc.example.com", "v=DMARC1; p=none");
        var posture = await new DomainPostureChecker(zone).CheckAsync("example.com", ["s1"]);
        var settings = MtaRules.Evaluate(PostconfParser.ParseSnapshot("soft_bounce = yes\nlocal_recipient_maps =\n", null, DateTimeOffset.UtcNow).Value!).Select(r => r.Check);

        foreach (var check in posture.Checks.Concat(settings))
        {
            Assert.Equal(CheckCatalog.Title(check.Id, check.Status), check.Title);
        }

        Assert.Equal("DMARC only monitors (p=none)", posture.Checks.Single(c => c.Id == PostureCheckIds.DmarcPolicy).Title);
        Assert.Equal("soft_bounce is on: refusals turn into later bounces", settings.Single(c => c.Id == MtaCheckCatalog.BounceHygiene).Title);
    }
}
