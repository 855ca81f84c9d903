using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using BackscatterConsole.Domain.Smtp;
using BackscatterConsole.Shared.Checks;

namespace BackscatterConsole.Domain.Tests.Smtp;

public sealed class SmtpProbeTests
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task ProbeAsync_ServerRejectsUnknownRecipients_PassesAndNeverSendsData()
    {
        await using var server = ScriptedSmtpServer.Mta(rcpt => rcpt.StartsWith("postmaster@", StringComparison.Ordinal)
            ? "250 2.1.5 Ok"
            : rcpt.EndsWith("@example.com", StringComparison.Ordinal)
                ? $"554 5.7.1 <{rcpt}>: Relay access denied"
                : $"550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in local recipient table");

        var result = await new SmtpProbe().ProbeAsync(Options(server.Port) with { ControlRecipient = "postmaster@example.org" });
        var checks = SmtpProbeVerdicts.Evaluate(result);

        Assert.Null(result.Failure);
        Assert.Equal(CheckStatus.Pass, Status(checks, SmtpProbeVerdicts.UnknownRecipientId));
        Assert.Equal(CheckStatus.Pass, Status(checks, SmtpProbeVerdicts.CatchAllId));
        Assert.Equal(CheckStatus.Pass, Status(checks, SmtpProbeVerdicts.OpenRelayId));
        Assert.Equal("Unknown recipients are rejected at RCPT", checks.Single(c => c.Id == SmtpProbeVerdicts.UnknownRecipientId).Title);
        Assert.Equal("Relaying to foreign domains is refused", checks.Single(c => c.Id == SmtpProbeVerdicts.OpenRelayId).Title);
        Assert.Equal(["EHLO", "MAIL", "RCPT", "RCPT", "RCPT", "RCPT", "RSET", "QUIT"], server.Received.Select(l => l.Split(' ')[0]).ToArray());
        AssertNoData(result, server);
    }

    [Fact]
    public async Task ProbeAsync_ServerAcceptsEverything_FailsUnknownRecipientAndOpenRelay()
    {
        await using var server = ScriptedSmtpServer.Mta(_ => "250 2.1.5 Ok");

        var result = await new SmtpProbe().ProbeAsync(Options(server.Port));
        var checks = SmtpProbeVerdicts.Evaluate(result);

        Assert.Equal(CheckStatus.Fail, Status(checks, SmtpProbeVerdicts.UnknownRecipientId));
        Assert.Equal(CheckStatus.Warn, Status(checks, SmtpProbeVerdicts.CatchAllId));
        Assert.Equal(CheckStatus.Fail, Status(checks, SmtpProbeVerdicts.OpenRelayId));
        Assert.Equal("Unknown recipients are accepted, then bounced", checks.Single(c => c.Id == SmtpProbeVerdicts.UnknownRecipientId).Title);
        Assert.Equal("The server is an open relay", checks.Single(c => c.Id == SmtpProbeVerdicts.OpenRelayId).Title);
        var randoms = result.Recipients.Where(r => r.Kind is SmtpRecipientKind.RandomUnknown or SmtpRecipientKind.SecondRandomUnknown).Select(r => r.Address).ToArray();
        Assert.Equal(randoms.Length, randoms.Distinct().Count());
        AssertNoData(result, server);
    }

    [Fact]
    public async Task ProbeAsync_Greylisting_WarnsWithRetryHint()
    {
        await using var server = ScriptedSmtpServer.Mta(r => $"450 4.2.0 <{r}>: Recipient address rejected: Greylisted");

        var checks = SmtpProbeVerdicts.Evaluate(await new SmtpProbe().ProbeAsync(Options(server.Port)));

        var check = Assert.Single(checks, c => c.Id == SmtpProbeVerdicts.UnknownRecipientId);
        Assert.Equal(CheckStatus.Warn, check.Status);
        Assert.Contains("probe again", check.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_GarbageBanner_EndsAsMalformedError()
    {
        await using var server = new ScriptedSmtpServer(async (c, ct) =>
        {
            await c.SendAsync("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", ct);
            await c.ReadLineAsync(ct);
        });

        var result = await new SmtpProbe().ProbeAsync(Options(server.Port));

        Assert.Equal(SmtpProbeFailureKind.MalformedReply, result.Failure?.Kind);
        Assert.Equal(SmtpProbeStage.Greeting, result.Failure?.Stage);
        Assert.All(SmtpProbeVerdicts.Evaluate(result), c => Assert.Equal(CheckStatus.Error, c.Status));
        Assert.Equal("Could not test whether unknown recipients are rejected", SmtpProbeVerdicts.Evaluate(result).Single(c => c.Id == SmtpProbeVerdicts.UnknownRecipientId).Title);
        Assert.Contains(result.Transcript, t => t.Text.StartsWith("SSH-2.0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProbeAsync_BinaryBanner_IsEscapedInTranscript()
    {
        await using var server = new ScriptedSmtpServer(async (c, ct) =>
        {
            await c.SendRawAsync([0x16, 0x03, 0x01, 0x00, 0x1b, 0x0a], ct);
            await c.ReadLineAsync(ct);
        });

        var result = await new SmtpProbe().ProbeAsync(Options(server.Port));

        Assert.Equal(SmtpProbeFailureKind.MalformedReply, result.Failure?.Kind);
        Assert.Contains(result.Transcript, t => t.Text.Contains("\\x16", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProbeAsync_EndlessMultiLineReply_EndsAsReplyTooLarge()
    {
        await using var server = new ScriptedSmtpServer(async (c, ct) =>
        {
            await c.SendAsync("220 mx.test.example ESMTP", ct);
            await c.ReadLineAsync(ct);
            var chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("250-still going\r\n", 64)));
            while (!ct.IsCancellationRequested)
            {
                await c.SendRawAsync(chunk, ct);
            }
        });
        var watch = Stopwatch.StartNew();

        var result = await new SmtpProbe().ProbeAsync(Options(server.Port));

        Assert.Equal(SmtpProbeFailureKind.ReplyTooLarge, result.Failure?.Kind);
        Assert.Equal(SmtpProbeStage.Hello, result.Failure?.Stage);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.True(result.Transcript.Count < 200);
        Assert.All(SmtpProbeVerdicts.Evaluate(result), c => Assert.Equal(CheckStatus.Error, c.Status));
        Assert.Equal("Could not test whether unknown recipients are rejected", SmtpProbeVerdicts.Evaluate(result).Single(c => c.Id == SmtpProbeVerdicts.UnknownRecipientId).Title);
    }

    [Fact]
    public async Task ProbeAsync_LineWithoutEnd_EndsAsReplyTooLarge()
    {
        await using var server = new ScriptedSmtpServer(async (c, ct) =>
        {
            var chunk = Encoding.ASCII.GetBytes(new string('2', 4096));
            while (!ct.IsCancellationRequested)
            {
                await c.SendRawAsync(chunk, ct);
            }
        });

        var result = await new SmtpProbe().ProbeAsync(Options(server.Port));

        Assert.Equal(SmtpProbeFailureKind.ReplyTooLarge, result.Failure?.Kind);
    }

    [Fact]
    public async Task ProbeAsync_DropMidCommand_EndsAsDisconnectedWithPartialTranscript()
    {
        await using var server = new ScriptedSmtpServer(async (c, ct) =>
        {
            await c.SendAsync("220 mx.test.example ESMTP", ct);
            await c.ReadLineAsync(ct);
            await c.SendAsync("250 mx.test.example", ct);
            await c.ReadLineAsync(ct);
            await c.SendAsync("250 2.1.0 Ok", ct);
            await c.ReadLineAsync(ct);
            await c.SendRawAsync(Encoding.ASCII.GetBytes("550 5.1.1 <half"), ct);
        });

        var result = await new SmtpProbe().ProbeAsync(Options(server.Port));

        Assert.Equal(SmtpProbeFailureKind.Disconnected, result.Failure?.Kind);
        Assert.Equal(SmtpProbeStage.RcptTo, result.Failure?.Stage);
        var check = Assert.Single(SmtpProbeVerdicts.Evaluate(result), c => c.Id == SmtpProbeVerdicts.UnknownRecipientId);
        Assert.Equal(CheckStatus.Error, check.Status);
        Assert.Contains(check.Evidence, e => e.Contains("C: RCPT TO:<", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProbeAsync_421Greeting_EndsAsServiceClosing()
    {
        await using var server = new ScriptedSmtpServer((c, ct) =>
            c.SendAsync("421 4.3.2 mx.test.example Service not available, closing transmission channel", ct));

        var result = await new SmtpProbe().ProbeAsync(Options(server.Port));

        Assert.Equal(SmtpProbeFailureKind.ServiceClosing, result.Failure?.Kind);
        Assert.Equal(421, result.Failure?.Reply?.Code);
        Assert.All(SmtpProbeVerdicts.Evaluate(result), c => Assert.Contains("421", c.Summary, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProbeAsync_421AfterFirstRcpt_KeepsFirstVerdictAndReportsClosing()
    {
        await using var server = ScriptedSmtpServer.Mta(r => r.EndsWith("@example.com", StringComparison.Ordinal)
            ? "421 4.7.0 mx.test.example Error: too many errors"
            : $"550 5.1.1 <{r}>: Recipient address rejected: User unknown");

        var result = await new SmtpProbe().ProbeAsync(Options(server.Port));
        var checks = SmtpProbeVerdicts.Evaluate(result);

        Assert.Equal(SmtpProbeFailureKind.ServiceClosing, result.Failure?.Kind);
        Assert.Equal(CheckStatus.Pass, Status(checks, SmtpProbeVerdicts.UnknownRecipientId));
        Assert.Equal(CheckStatus.Error, Status(checks, SmtpProbeVerdicts.OpenRelayId));
    }

    [Fact]
    public async Task ProbeAsync_554Greeting_SendsQuitAndErrors()
    {
        await using var server = new ScriptedSmtpServer(async (c, ct) =>
        {
            await c.SendAsync("554 5.3.2 mx.test.example No SMTP service here", ct);
            if (await c.ReadLineAsync(ct) is not null)
            {
                await c.SendAsync("221 2.0.0 Bye", ct);
            }
        });

        var result = await new SmtpProbe().ProbeAsync(Options(server.Port));

        Assert.Equal(SmtpProbeFailureKind.GreetingRejected, result.Failure?.Kind);
        Assert.Equal(["QUIT"], server.Received.ToArray());
    }

    [Fact]
    public async Task ProbeAsync_SlowGreeting_TimesOutAtGreeting()
    {
        await using var server = new ScriptedSmtpServer(async (_, ct) => await Task.Delay(TimeSpan.FromSeconds(30), ct));
        var watch = Stopwatch.StartNew();

        var result = await new SmtpProbe().ProbeAsync(Options(server.Port) with { GreetingTimeout = TimeSpan.FromMilliseconds(300) });

        Assert.Equal(SmtpProbeFailureKind.Timeout, result.Failure?.Kind);
        Assert.Equal(SmtpProbeStage.Greeting, result.Failure?.Stage);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.Contains("greeting", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_SlowRcptReply_TimesOutAtRcpt()
    {
        await using var server = new ScriptedSmtpServer(async (c, ct) =>
        {
            await c.SendAsync("220 mx.test.example ESMTP", ct);
            await c.ReadLineAsync(ct);
            await c.SendAsync("250 mx.test.example", ct);
            await c.ReadLineAsync(ct);
            await c.SendAsync("250 2.1.0 Ok", ct);
            await c.ReadLineAsync(ct);
            await Task.Delay(TimeSpan.FromSeconds(30), ct);
        });

        var result = await new SmtpProbe().ProbeAsync(Options(server.Port) with { CommandTimeout = TimeSpan.FromMilliseconds(300) });

        Assert.Equal(SmtpProbeFailureKind.Timeout, result.Failure?.Kind);
        Assert.Equal(SmtpProbeStage.RcptTo, result.Failure?.Stage);
    }

    [Fact]
    public async Task ProbeAsync_ConnectionRefused_EndsAsError()
    {
        int port;
        using (var probeSocket = new TcpListenerLease())
        {
            port = probeSocket.Port;
        }

        var result = await new SmtpProbe().ProbeAsync(Options(port));

        Assert.Equal(SmtpProbeFailureKind.ConnectionRefused, result.Failure?.Kind);
        Assert.All(SmtpProbeVerdicts.Evaluate(result), c => Assert.Equal(CheckStatus.Error, c.Status));
        Assert.Equal("Could not test whether unknown recipients are rejected", SmtpProbeVerdicts.Evaluate(result).Single(c => c.Id == SmtpProbeVerdicts.UnknownRecipientId).Title);
    }

    [Fact]
    public async Task ProbeAsync_UnreachableHost_EndsAsErrorWithinConnectTimeout()
    {
        var watch = Stopwatch.StartNew();

        // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never routed. Depending on the host's firewall the connect times out,
        // is refused by a REJECT rule, or fails as unreachable; every one of those must end as an error at the connect step.
        var result = await new SmtpProbe().ProbeAsync(Options(25) with { Host = "192.0.2.1", ConnectTimeout = TimeSpan.FromMilliseconds(500) });

        Assert.NotNull(result.Failure);
        Assert.Equal(SmtpProbeStage.Connect, result.Failure.Stage);
        Assert.All(SmtpProbeVerdicts.Evaluate(result), c => Assert.Equal(CheckStatus.Error, c.Status));
        Assert.Equal("Could not test whether unknown recipients are rejected", SmtpProbeVerdicts.Evaluate(result).Single(c => c.Id == SmtpProbeVerdicts.UnknownRecipientId).Title);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task ProbeAsync_EhloRefused_FallsBackToHelo()
    {
        await using var server = ScriptedSmtpServer.Mta(r => $"550 5.1.1 <{r}>: unknown", ehloReply: "502 5.5.2 Error: command not recognized");

        var result = await new SmtpProbe().ProbeAsync(Options(server.Port));

        Assert.True(result.UsedHeloFallback);
        Assert.Null(result.Failure);
        Assert.Contains(server.Received, l => l.StartsWith("HELO ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProbeAsync_ControlRecipientRejectedToo_IsNotPass()
    {
        await using var server = ScriptedSmtpServer.Mta(r => $"550 5.1.1 <{r}>: Recipient address rejected: User unknown");

        var result = await new SmtpProbe().ProbeAsync(Options(server.Port) with { ControlRecipient = "postmaster@example.org" });

        Assert.Equal(CheckStatus.Warn, Status(SmtpProbeVerdicts.Evaluate(result), SmtpProbeVerdicts.UnknownRecipientId));
    }

    [Fact]
    public async Task ProbeAsync_TlsHandshakeFails_RetriesInPlainTextAndWarns()
    {
        var connections = 0;
        await using var server = new ScriptedSmtpServer(async (c, ct) =>
        {
            var first = Interlocked.Increment(ref connections) == 1;
            await c.SendAsync("220 mx.test.example ESMTP", ct);
            while (await c.ReadLineAsync(ct) is { } line)
            {
                if (line.StartsWith("EHLO", StringComparison.Ordinal))
                {
                    await c.SendAsync("250-mx.test.example", ct);
                    await c.SendAsync("250 STARTTLS", ct);
                }
                else if (line == "STARTTLS" && first)
                {
                    await c.SendAsync("220 2.0.0 Ready to start TLS", ct);
                    await c.SendAsync("this is not a TLS server hello", ct);
                    return;
                }
                else if (line.StartsWith("RCPT", StringComparison.Ordinal))
                {
                    await c.SendAsync("550 5.1.1 User unknown", ct);
                }
                else
                {
                    await c.SendAsync(line == "QUIT" ? "221 Bye" : "250 Ok", ct);
                }
            }
        });

        var result = await new SmtpProbe().ProbeAsync(Options(server.Port) with { StartTls = SmtpStartTlsMode.Negotiate });
        var checks = SmtpProbeVerdicts.Evaluate(result);

        Assert.NotNull(result.TlsFailure);
        Assert.Null(result.Failure);
        Assert.Equal(2, connections);
        Assert.Equal(CheckStatus.Warn, Status(checks, SmtpProbeVerdicts.StartTlsId));
        Assert.Equal(CheckStatus.Pass, Status(checks, SmtpProbeVerdicts.UnknownRecipientId));
    }

    [Fact]
    public async Task ProbeAsync_TlsNegotiated_RecordsCertificateAndReEhlos()
    {
        using var certificate = SelfSignedCertificate("CN=mx.test.example");
        await using var server = new ScriptedSmtpServer(async (c, ct) =>
        {
            await c.SendAsync("220 mx.test.example ESMTP", ct);
            await c.ReadLineAsync(ct);
            await c.SendAsync("250-mx.test.example", ct);
            await c.SendAsync("250 STARTTLS", ct);
            await c.ReadLineAsync(ct);
            await c.SendAsync("220 2.0.0 Ready to start TLS", ct);
            await using var ssl = new SslStream(c.Stream, leaveInnerStreamOpen: true);
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, ct);
            var tls = new ScriptedConnection(ssl, new System.Collections.Concurrent.ConcurrentQueue<string>());
            while (await tls.ReadLineAsync(ct) is { } line)
            {
                var reply = line.Split(' ', ':')[0] switch
                {
                    "EHLO" => "250 mx.test.example",
                    "RCPT" => "550 5.1.1 User unknown",
                    "QUIT" => "221 Bye",
                    _ => "250 Ok",
                };
                await tls.SendAsync(reply, ct);
                if (reply.StartsWith("221", StringComparison.Ordinal))
                {
                    return;
                }
            }
        });

        var result = await new SmtpProbe().ProbeAsync(Options(server.Port) with { StartTls = SmtpStartTlsMode.Negotiate, TlsServerName = "mx.test.example" });

        Assert.Null(result.Failure);
        Assert.NotNull(result.Tls);
        Assert.Equal("CN=mx.test.example", result.Tls!.Subject);
        Assert.NotEmpty(result.Tls.ValidationErrors);
        Assert.Equal(2, result.Transcript.Count(t => t.Text.StartsWith("EHLO", StringComparison.Ordinal)));
        var starttls = Assert.Single(SmtpProbeVerdicts.Evaluate(result), c => c.Id == SmtpProbeVerdicts.StartTlsId);
        Assert.Equal(CheckStatus.Warn, starttls.Status);
        Assert.Contains("chain", starttls.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_CallerCancels_ThrowsOperationCanceled()
    {
        await using var server = new ScriptedSmtpServer(async (_, ct) => await Task.Delay(TimeSpan.FromSeconds(30), ct));
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new SmtpProbe().ProbeAsync(Options(server.Port), cancellation.Token));
    }

    [Theory]
    [InlineData("probe@sink.example\r\nDATA")]
    [InlineData("probe@sink.example>\r\nRCPT TO:<victim@example.org")]
    [InlineData("no-at-sign")]
    [InlineData("a b@sink.example")]
    [InlineData("jürgen@sink.example")]
    public async Task ProbeAsync_UnsafeSinkAddress_ThrowsBeforeConnecting(string sink) =>
        await Assert.ThrowsAsync<ArgumentException>(() => new SmtpProbe().ProbeAsync(Options(1) with { SinkAddress = sink }));

    [Fact]
    public async Task ProbeAsync_MultiLineGreeting_IsAccepted()
    {
        await using var server = new ScriptedSmtpServer(async (c, ct) =>
        {
            await c.SendAsync("220-mx.test.example ESMTP", ct);
            await c.SendAsync("220-Unsolicited bulk mail is refused here.", ct);
            await c.SendAsync("220 Have a nice day", ct);
            while (await c.ReadLineAsync(ct) is { } line)
            {
                await c.SendAsync(line.StartsWith("RCPT", StringComparison.Ordinal) ? "550 5.1.1 User unknown" : line == "QUIT" ? "221 Bye" : "250 Ok", ct);
            }
        });

        var result = await new SmtpProbe().ProbeAsync(Options(server.Port));

        Assert.Null(result.Failure);
        Assert.Equal(3, result.Greeting!.Lines.Count);
    }

    [Fact]
    public async Task ProbeAsync_InternationalizedDomain_SendsALabel()
    {
        await using var server = ScriptedSmtpServer.Mta(r => $"550 5.1.1 <{r}>: User unknown");

        var result = await new SmtpProbe().ProbeAsync(Options(server.Port) with { HostedDomains = ["Bücher.Example"] });

        Assert.Equal(["xn--bcher-kva.example"], result.HostedDomains);
        Assert.Contains(server.Received, l => l.StartsWith("RCPT TO:<", StringComparison.Ordinal) && l.EndsWith("@xn--bcher-kva.example>", StringComparison.Ordinal));
        Assert.Equal(CheckStatus.Pass, Status(SmtpProbeVerdicts.Evaluate(result), SmtpProbeVerdicts.UnknownRecipientId));
    }

    [Fact]
    public async Task ProbeAllAsync_SilentServerAmongFastOnes_DoesNotDelayTheFastOnes()
    {
        await using var silent = new ScriptedSmtpServer(async (_, ct) => await Task.Delay(TimeSpan.FromSeconds(30), ct));
        await using var fast = ScriptedSmtpServer.Mta(r => $"550 5.1.1 <{r}>: User unknown");
        var targets = new[] { silent.Port, fast.Port, fast.Port, fast.Port }
            .Select(p => Options(p) with { GreetingTimeout = TimeSpan.FromSeconds(2) })
            .ToArray();
        var watch = Stopwatch.StartNew();

        var results = await SmtpProbeBatch.ProbeAllAsync(new SmtpProbe(), targets, maxConcurrency: 2);

        Assert.Equal(SmtpProbeFailureKind.Timeout, results[0].Failure?.Kind);
        Assert.All(results.Skip(1), r => Assert.Null(r.Failure));
        Assert.All(results.Skip(1), r => Assert.True(r.FinishedAt - r.StartedAt < TimeSpan.FromSeconds(1)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Format_AnyVerb_NeverProducesData()
    {
        foreach (var verb in Enum.GetValues<SmtpVerb>())
        {
            var line = SmtpCommand.Format(verb, "x@example.org");
            Assert.False(line.StartsWith("DATA", StringComparison.OrdinalIgnoreCase), line);
            Assert.False(line.StartsWith("BDAT", StringComparison.OrdinalIgnoreCase), line);
        }
    }

    internal static SmtpProbeOptions Options(int port) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        HeloName = "probe.backscatter.test",
        SinkAddress = "probe@sink.backscatter.test",
        HostedDomains = ["example.org"],
        ConnectTimeout = Short,
        GreetingTimeout = Short,
        CommandTimeout = Short,
        TlsHandshakeTimeout = Short,
    };

    internal static void AssertNoData(SmtpProbeResult result, ScriptedSmtpServer server)
    {
        Assert.DoesNotContain(result.Transcript, t => t.Direction == Shared.Smtp.SmtpTranscriptDirection.Client && t.Text.StartsWith("DATA", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(server.Received, l => l.StartsWith("DATA", StringComparison.OrdinalIgnoreCase));
    }

    private static CheckStatus Status(IReadOnlyList<CheckResult> checks, string id) => Assert.Single(checks, c => c.Id == id).Status;

    private static X509Certificate2 SelfSignedCertificate(string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        // SslStream on Linux needs a certificate whose private key came from a PKCS#12 import, not an ephemeral one.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);
    }

    /// <summary>Reserves a free loopback port and releases it, so nothing listens there afterwards.</summary>
    private sealed class TcpListenerLease : IDisposable
    {
        private readonly TcpListener _listener = new(System.Net.IPAddress.Loopback, 0);

        public TcpListenerLease() => _listener.Start();

        public int Port => ((System.Net.IPEndPoint)_listener.LocalEndpoint).Port;

        public void Dispose() => _listener.Stop();
    }
}
