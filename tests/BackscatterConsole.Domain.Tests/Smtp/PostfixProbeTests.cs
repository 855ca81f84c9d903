using BackscatterConsole.Domain.Smtp;
using BackscatterConsole.Domain.Tests.Fixtures;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Smtp;

namespace BackscatterConsole.Domain.Tests.Smtp;

/// <summary>The probe against a real Debian Postfix, configured once to accept unknown recipients and once to refuse them.</summary>
public sealed class PostfixProbeTests(PostfixInstanceFixture postfix) : IClassFixture<PostfixInstanceFixture>
{
    [Fact]
    public async Task ProbeAsync_PostfixWithEmptyLocalRecipientMaps_FailsUnknownRecipientAndQueuesNothing()
    {
        var result = await new SmtpProbe().ProbeAsync(Options(postfix.AcceptingPort));
        var checks = SmtpProbeVerdicts.Evaluate(result);

        Assert.Null(result.Failure);
        Assert.Equal(CheckStatus.Fail, Status(checks, SmtpProbeVerdicts.UnknownRecipientId));
        Assert.Equal(CheckStatus.Warn, Status(checks, SmtpProbeVerdicts.CatchAllId));
        Assert.Equal(CheckStatus.Pass, Status(checks, SmtpProbeVerdicts.OpenRelayId));
        Assert.Equal("2.1.5", result.Recipients.First(r => r.Kind == SmtpRecipientKind.RandomUnknown).Reply?.EnhancedCode);
        await AssertNothingQueuedAsync(result);
    }

    [Fact]
    public async Task ProbeAsync_PostfixWithDefaultRecipientMaps_PassesWith550And511()
    {
        var result = await new SmtpProbe().ProbeAsync(Options(postfix.RejectingPort));
        var checks = SmtpProbeVerdicts.Evaluate(result);

        Assert.Null(result.Failure);
        Assert.Equal(CheckStatus.Pass, Status(checks, SmtpProbeVerdicts.UnknownRecipientId));
        Assert.Equal(CheckStatus.Pass, Status(checks, SmtpProbeVerdicts.CatchAllId));
        Assert.Equal(CheckStatus.Pass, Status(checks, SmtpProbeVerdicts.OpenRelayId));
        var random = result.Recipients.First(r => r.Kind == SmtpRecipientKind.RandomUnknown).Reply!;
        Assert.Equal(550, random.Code);
        Assert.Equal("5.1.1", random.EnhancedCode);
        Assert.True(result.Recipients.Single(r => r.Kind == SmtpRecipientKind.Control).Reply!.IsPositive);
        Assert.Contains("NOQUEUE: reject: RCPT", postfix.ReadMailLog(), StringComparison.Ordinal);
        await AssertNothingQueuedAsync(result);
    }

    [Fact]
    public async Task ProbeAsync_DisabledMailboxStillInTheMaps_IsAcceptedAndFails()
    {
        var result = await new SmtpProbe().ProbeAsync(Options(postfix.RejectingPort) with { NamedRecipients = [PostfixInstanceFixture.DisabledRecipient] });

        var check = SmtpProbeVerdicts.DisabledMailboxes(result, new Dictionary<string, string> { [PostfixInstanceFixture.DisabledRecipient] = PostfixInstanceFixture.DisabledRecipient });

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Contains(PostfixInstanceFixture.DisabledRecipient, check.Summary, StringComparison.Ordinal);
        Assert.True(result.Recipients.Single(r => r.Kind == SmtpRecipientKind.Named).Reply!.IsPositive);
        await AssertNothingQueuedAsync(result);
    }

    [Fact]
    public async Task ProbeAsync_DisabledMailboxRefusedByCheckRecipientAccess_Passes()
    {
        var result = await new SmtpProbe().ProbeAsync(Options(postfix.DisabledRefusingPort) with { NamedRecipients = [PostfixInstanceFixture.DisabledRecipient] });

        var check = SmtpProbeVerdicts.DisabledMailboxes(result, new Dictionary<string, string>());

        Assert.Equal(CheckStatus.Pass, check.Status);
        var reply = result.Recipients.Single(r => r.Kind == SmtpRecipientKind.Named).Reply!;
        Assert.Equal(550, reply.Code);
        Assert.Equal("5.2.1", reply.EnhancedCode);
        Assert.True(result.Recipients.Single(r => r.Kind == SmtpRecipientKind.Control).Reply!.IsPositive);
    }

    private static SmtpProbeOptions Options(int port) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        HeloName = "probe.backscatter.test",
        SinkAddress = "probe@sink.backscatter.test",
        HostedDomains = [PostfixInstanceFixture.Domain],
        ControlRecipient = PostfixInstanceFixture.ControlRecipient,
        RelayTestDomain = "example.com",
        ConnectTimeout = TimeSpan.FromSeconds(10),
        GreetingTimeout = TimeSpan.FromSeconds(30),
        CommandTimeout = TimeSpan.FromSeconds(30),
    };

    private async Task AssertNothingQueuedAsync(SmtpProbeResult result)
    {
        Assert.DoesNotContain(result.Transcript, t => t.Direction == SmtpTranscriptDirection.Client && t.Text.StartsWith("DATA", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(result.Transcript, t => t.Direction == SmtpTranscriptDirection.Client && t.Text == "QUIT");
        Assert.Contains("Mail queue is empty", await postfix.ListQueueAsync(), StringComparison.Ordinal);
        Assert.Equal(0, postfix.CountQueuedFiles());
    }

    private static CheckStatus Status(IReadOnlyList<CheckResult> checks, string id) => Assert.Single(checks, c => c.Id == id).Status;
}
