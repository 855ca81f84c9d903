using System.Net.Http.Json;
using System.Text.Json;
using BackscatterConsole.Agent.Tests.Support;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Emission;
using BackscatterConsole.Shared.Jobs;

namespace BackscatterConsole.Server.Tests.EndToEnd;

/// <summary>
/// Backscatter emission with real parts only: a running Postfix on loopback that accepts unknown recipients, mail from
/// forged remote senders sent with swaks, Postfix's own non-delivery notifications (its transports point at the local retry
/// agent, so they stay queued and nothing leaves the machine), the real agent reading postqueue -j and the real mail log,
/// the console on Kestrel. The agent's counts match what was sent, the check fails and names the cause, a change request
/// fixes it, new mail is refused at RCPT, and the hour after the fix is reported as zero.
/// </summary>
public sealed class BounceEmissionEndToEndTests
{
    private const int Sent = 3;
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task AcceptingPostfix_BouncesForgedMail_AgentCountsItCheckFailsAndTheNextHourAfterTheFixIsZero()
    {
        var clock = new MovableClock();
        await using var rig = await EndToEndRig.StartAsync("e2e-emission", async postfix =>
        {
            await Swaks.KeepEverythingLocalAsync(postfix);
            for (var i = 1; i <= Sent; i++)
            {
                Assert.Equal(0, (await Swaks.SendAsync(postfix.Port, $"victim{i}@forged{i}.example.org", $"nobody{i}@example.test")).ExitCode);
            }

            await WaitForAsync(() => Count(postfix.MailLog, "sender non-delivery notification") == Sent, $"Postfix bounced the {Sent} messages");
            return [];
        }, clock, new Dictionary<string, string?> { ["Emission:FailThreshold"] = "2" });
        var (app, server, postfix) = (rig.App, rig.Server, rig.Postfix);

        // The agent's first report (with its first snapshot) counts what the log and the queue hold.
        BounceEmissionSeriesDto? series = null;
        await rig.EventuallyAsync(async () => (series = await app.Api.GetFromJsonAsync<BounceEmissionSeriesDto>($"/api/v1/servers/{server.Id}/bounce-emission", Web))!.Latest is not null, "the agent reported emission");
        Assert.Null(series!.Latest!.LogError);
        Assert.Null(series.Latest.QueueError);
        Assert.Equal(Count(postfix.MailLog, "sender non-delivery notification"), series.Totals.NonDeliveryNotifications);
        Assert.Equal(Sent, series.Totals.NonDeliveryNotifications);
        Assert.Equal(Sent, series.Totals.NotificationsToForeign);
        Assert.True(series.Totals.NotificationDeliveries >= Sent, $"{series.Totals.NotificationDeliveries} delivery attempts");
        Assert.Equal(Sent, series.Latest.Queue!.NullSenderToForeign);
        Assert.Equal(Sent, series.Latest.Queue.QueueIds.Count);
        Assert.Equal(["forged1.example.org", "forged2.example.org", "forged3.example.org"], series.Totals.RecipientDomains.Select(d => d.Domain).Order(StringComparer.Ordinal));
        var witness = await EndToEndRig.RunAsync("/usr/sbin/postqueue", "-c", postfix.ConfigDirectory, "-j");
        Assert.Equal(Sent, witness.Split('\n').Count(l => l.Contains("forged", StringComparison.Ordinal)));
        Assert.DoesNotContain("victim", JsonSerializer.Serialize(series, Web), StringComparison.Ordinal);

        // The checklist says the server is emitting (three is above the test's fail threshold of two) and names the cause with the change request that fixes it.
        var scan = await ScanApi.WaitUntilFinishedAsync(app.Api, await ScanApi.StartAsync(app.Api, server.Id), EndToEndRig.Wait);
        var emission = Assert.Single(scan.Results, r => r.Id == "smtp.bounce-emission");
        Assert.Equal(CheckStatus.Fail, emission.Status);
        Assert.Contains("smtp.unknown-recipient", emission.Summary, StringComparison.Ordinal);
        var checklist = await app.Api.GetFromJsonAsync<ChecklistDto>($"/api/v1/servers/{server.Id}/checklist", Web);
        Assert.Equal(CheckStatus.Fail, Assert.Single(checklist!.Results, r => r.Id == "smtp.bounce-emission").Status);
        var causes = await app.Api.GetFromJsonAsync<BounceEmissionCausesDto>($"/api/v1/servers/{server.Id}/bounce-emission/causes", Web);
        var cause = Assert.Single(causes!.Causes, c => c.CheckId == "smtp.unknown-recipient");
        Assert.True(cause.AgentCanFix);

        // The fix, through a change request approved by a second person and applied by the agent.
        var job = await app.ApplyThroughChangeRequestAsync(server.Id, ["smtp.unknown-recipient"]);
        JobDto? done = null;
        await rig.EventuallyAsync(async () => JobStates.Final.Contains((done = await app.Api.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{job.Id}", Web))!.State), "the job finished");
        Assert.Equal(JobStates.Succeeded, done!.State);

        // New forged mail is refused at RCPT: swaks exits 24 (a recipient was refused) and no new notification appears.
        var refused = await Swaks.SendAsync(postfix.Port, "victim9@forged9.example.org", "nobody9@example.test");
        Assert.True(refused.ExitCode == 24, refused.Transcript);
        Assert.Contains("550", refused.Transcript, StringComparison.Ordinal);

        // The next hour: the console and the agent's emission counter move an hour on; the log keeps its real times.
        var appliedHour = Hour(done.FinishedAt!.Value);
        clock.Offset = TimeSpan.FromHours(1);
        var restartedAt = clock.GetUtcNow().UtcDateTime;
        rig.RestartAgent("--Agent:Emission:ClockOffset=01:00:00");
        var range = $"from={appliedHour.AddHours(-2):O}&to={appliedHour.AddHours(3):O}";
        await rig.EventuallyAsync(async () => (series = await app.Api.GetFromJsonAsync<BounceEmissionSeriesDto>($"/api/v1/servers/{server.Id}/bounce-emission?{range}", Web))!.Latest!.ReceivedAt >= restartedAt.AddSeconds(-1)
            && series.Hours.Any(h => h.Start == appliedHour.AddHours(1)), "the restarted agent reported the hour after the fix");
        var next = Assert.Single(series!.Hours, h => h.Start == appliedHour.AddHours(1));
        Assert.Equal(0, next.Notifications);
        Assert.Equal(0, next.NotificationsToForeign);
        Assert.Equal(Sent, series.Totals.NonDeliveryNotifications);
        Assert.Equal(Sent, Count(postfix.MailLog, "sender non-delivery notification"));

        causes = await app.Api.GetFromJsonAsync<BounceEmissionCausesDto>($"/api/v1/servers/{server.Id}/bounce-emission/causes", Web);
        var change = Assert.Single(causes!.AppliedChanges);
        Assert.Equal(job.Id, change.JobId);
        Assert.Equal(Sent, change.ToForeignBefore);
        Assert.True(change.HoursAfter >= 1);
        Assert.Equal(0, change.ToForeignAfter);
        Assert.True(change.Stopped);
    }

    private static DateTime Hour(DateTime utc) => new(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, DateTimeKind.Utc);

    private static int Count(string text, string what) => text.Split('\n').Count(l => l.Contains(what, StringComparison.Ordinal));

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(EndToEndRig.Wait);
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail("Timed out waiting until " + what);
            }

            await Task.Delay(200, CancellationToken.None);
        }
    }
}
