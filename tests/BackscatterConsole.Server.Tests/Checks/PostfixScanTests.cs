using System.Net.Http.Json;
using BackscatterConsole.Domain.Tests.Fixtures;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Checks;

namespace BackscatterConsole.Server.Tests.Checks;

/// <summary>A whole scan through the API against a real Debian Postfix on loopback, once accepting and once refusing unknown recipients.</summary>
public sealed class PostfixScanTests(PostfixInstanceFixture postfix, AppFactory factory) : IClassFixture<PostfixInstanceFixture>, IClassFixture<AppFactory>
{
    private readonly HttpClient _api = factory.CreateApiClient();

    [Fact]
    public async Task Scan_PostfixWithEmptyLocalRecipientMaps_FailsUnknownRecipientAndQueuesNothing()
    {
        var scan = await ScanAsync(postfix.AcceptingPort);

        Assert.Equal(ScanStatuses.Completed, scan.Status);
        Assert.Equal(CheckStatus.Fail, Probe(scan, "smtp.unknown-recipient").Status);
        Assert.Equal(CheckStatus.Pass, Probe(scan, "smtp.open-relay").Status);
        Assert.Contains("postconf -e smtpd_reject_unlisted_recipient=yes", Probe(scan, "smtp.unknown-recipient").Commands);
        var checklist = (await _api.GetFromJsonAsync<ChecklistDto>($"/api/v1/servers/{scan.ServerId}/checklist"))!;
        Assert.True(checklist.RiskScore >= 60, $"risk {checklist.RiskScore}");
        Assert.Equal("smtp.unknown-recipient", checklist.Worst?.Id);
        await AssertQueueEmptyAsync();
    }

    [Fact]
    public async Task Scan_PostfixWithDefaultRecipientMaps_PassesUnknownRecipient()
    {
        var scan = await ScanAsync(postfix.RejectingPort);

        Assert.Equal(ScanStatuses.Completed, scan.Status);
        var check = Probe(scan, "smtp.unknown-recipient");
        Assert.Equal(CheckStatus.Pass, check.Status);
        Assert.Contains(check.Evidence, e => e.Contains("550 5.1.1", StringComparison.Ordinal));
        Assert.Empty(check.Commands);
        await AssertQueueEmptyAsync();
    }

    private async Task<ScanDto> ScanAsync(int port)
    {
        var server = await ScanApi.CreateServerAsync(_api, probe: true, port: port, domains: [PostfixInstanceFixture.Domain], control: PostfixInstanceFixture.ControlRecipient);
        return await ScanApi.WaitUntilFinishedAsync(_api, await ScanApi.StartAsync(_api, server.Id));
    }

    private static ScanResultDto Probe(ScanDto scan, string id) => Assert.Single(scan.Results, r => r.Id == id && r.Source == CheckSources.Probe);

    private async Task AssertQueueEmptyAsync()
    {
        Assert.Contains("Mail queue is empty", await postfix.ListQueueAsync(), StringComparison.Ordinal);
        Assert.Equal(0, postfix.CountQueuedFiles());
    }
}
