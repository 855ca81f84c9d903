using System.Net;
using BackscatterConsole.Server.Live;
using BackscatterConsole.Domain.Checklist;
using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Domain.Dnsbl;
using BackscatterConsole.Domain.Emission;
using BackscatterConsole.Domain.Settings;
using BackscatterConsole.Domain.Smtp;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Dnsbl;
using BackscatterConsole.Server.Emission;
using BackscatterConsole.Server.Settings;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Checks;

/// <summary>The DNS posture of one hosted domain; the scan's DNS family comes from here when an engine is registered.</summary>
internal interface IDomainPostureSource
{
    Task<IReadOnlyList<CheckResult>> CheckAsync(string domain, IReadOnlyList<string> dkimSelectors, CancellationToken cancellationToken);
}

/// <summary>
/// Runs the steps of one scan: the settings rules, the DNS posture of each hosted domain, and the SMTP probe sessions.
/// Every step's results are stored and published as soon as the step ends, so pages fill in while the scan runs.
/// A step that throws becomes an <c>error</c> result; cancellation and the scan timeout propagate to the runner.
/// </summary>
internal sealed class ScanExecutor(
    IServiceScopeFactory scopes,
    ILiveNotifier events,
    ISmtpProbe probe,
    IEnumerable<IDomainPostureSource> postureSources,
    IOptions<ProbeSettings> probeSettings,
    IOptions<Cluster.ClusterOptions> cluster,
    IOptions<EmissionOptions> emissionOptions,
    IOptions<DnsblOptions> dnsblOptions,
    DnsblChecker dnsbl,
    IDnsResolver resolver,
    TimeProvider clock,
    ILogger<ScanExecutor> logger)
{
    private static readonly string[] MtaCheckIds =
    [
        MtaCheckCatalog.UnknownRecipient, MtaCheckCatalog.CatchAll, MtaCheckCatalog.VerifyDeferCode, MtaCheckCatalog.DisabledMailbox,
        MtaCheckCatalog.QuotaNotification, MtaCheckCatalog.SenderLoginMismatch, MtaCheckCatalog.UnlistedSender, MtaCheckCatalog.SenderDomain,
        MtaCheckCatalog.Policyd, MtaCheckCatalog.FilterBounce, MtaCheckCatalog.BounceHygiene,
    ];

    /// <param name="Name">Shown in an error result when the step throws.</param>
    /// <param name="Source">The source of its results.</param>
    /// <param name="ErrorId">Check id of the error result, in the step's family so the portal groups it right.</param>
    /// <param name="Subject">What the step is about.</param>
    /// <param name="Run">The step.</param>
    private sealed record Step(string Name, string Source, string ErrorId, string? Subject, Func<CancellationToken, Task<IReadOnlyList<ScanResultDto>>> Run);

    /// <summary>
    /// Runs the scan, which the caller has claimed; returns the results. Throws <see cref="ScanLeaseLostException"/> when
    /// a step's results can no longer be stored because the claim is no longer valid.
    /// </summary>
    public async Task<IReadOnlyList<ScanResultDto>> RunAsync(ScanClaim claim, CancellationToken cancellationToken)
    {
        var scanId = claim.Id;
        ManagedServer server;
        SettingsSnapshot? snapshot;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var scan = await db.Scans.AsNoTracking().Include(s => s.Server!).ThenInclude(s => s.Domains).SingleAsync(s => s.Id == scanId, cancellationToken);
            server = scan.Server!;
            var record = await SettingsSnapshotService.Current(db, server.Id).FirstOrDefaultAsync(cancellationToken);
            snapshot = record is null ? null : SettingsSnapshotService.ToSnapshot(record);
        }

        var all = new List<ScanResultDto>();
        var steps = Plan(server, snapshot, all);
        await events.PublishAsync(new ScanProgressEvent(scanId, server.Id, ScanStatuses.Running, 0, null));
        for (var i = 0; i < steps.Count; i++)
        {
            IReadOnlyList<ScanResultDto> results;
            try
            {
                results = await steps[i].Run(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Scan {ScanId}: step {Step} failed", scanId, steps[i].Name);
                results = [StepError(steps[i], ex.Message)];
            }

            var progress = (int)Math.Round(100.0 * (i + 1) / steps.Count, MidpointRounding.AwayFromZero);
            await SaveStepAsync(claim, all.Count, results, progress, cancellationToken);
            all.AddRange(results);
            foreach (var result in results)
            {
                await events.PublishAsync(new ScanProgressEvent(scanId, server.Id, ScanStatuses.Running, progress, result));
            }
        }

        return all;
    }

    /// <param name="server">The server.</param>
    /// <param name="snapshot">Its latest settings snapshot.</param>
    /// <param name="earlier">The results of the steps run so far, which the emission step reads to name likely causes.</param>
    private List<Step> Plan(ManagedServer server, SettingsSnapshot? snapshot, IReadOnlyList<ScanResultDto> earlier)
    {
        var steps = new List<Step> { new("settings rules", CheckSources.Settings, "mta.settings", null, _ => Task.FromResult(SettingsResults(server, snapshot))) };
        if (postureSources.FirstOrDefault() is { } posture)
        {
            foreach (var domain in server.Domains.OrderBy(d => d.Position))
            {
                steps.Add(new Step("DNS posture of " + domain.Name, CheckSources.Dns, "dns.posture", domain.Name, async token =>
                {
                    var checks = await posture.CheckAsync(domain.Name, domain.DkimSelectors, token);
                    return checks.Select(c => FromCheck(c, CheckSources.Dns, domain.Name, [])).ToList();
                }));
            }
        }

        if (server.ProbeEnabled)
        {
            var settings = probeSettings.Value;
            var domains = server.Domains.OrderBy(d => d.Position).Select(d => d.Name).ToList();
            var sessions = domains.Chunk(Math.Max(1, settings.MaxDomainsPerSession)).Select(c => c.ToList()).ToList();
            if (sessions.Count == 0)
            {
                sessions.Add([]);
            }

            for (var i = 0; i < sessions.Count; i++)
            {
                var chunk = sessions[i];
                var first = i == 0;
                var name = "SMTP probe" + (sessions.Count > 1 ? $" {i + 1}/{sessions.Count}" : string.Empty);
                var subject = chunk.Count == 0 ? $"{server.SmtpHost}:{server.SmtpPort}" : string.Join(", ", chunk);
                steps.Add(new Step(name, CheckSources.Probe, SmtpProbeVerdicts.UnknownRecipientId, subject, token => ProbeAsync(server, chunk, first, token)));
            }

            var disabled = DisabledAddresses(snapshot, settings.MaxDisabledMailboxAddresses);
            if (disabled.Count > 0)
            {
                steps.Add(new Step("SMTP probe of disabled mailboxes", CheckSources.Probe, SmtpProbeVerdicts.DisabledMailboxId, $"{server.SmtpHost}:{server.SmtpPort}",
                    token => ProbeDisabledAsync(server, disabled, token)));
            }
        }

        if (dnsblOptions.Value.Enabled)
        {
            steps.Add(new Step("blocklists", CheckSources.Dns, DnsblChecker.Id, server.Hostname, token => DnsblAsync(server, token)));
        }

        // Last, so the finding can name the failing checks of this very scan as likely causes.
        steps.Add(new Step("bounce emission", CheckSources.Agent, BounceEmissionCheck.Id, null, token => EmissionAsync(server, snapshot, earlier, token)));
        return steps;
    }

    /// <summary>
    /// <c>smtp.bounce-emission</c> from the agent's stored reports: the hours of the window, the latest queue state, and the
    /// failing checks of this scan that would cause the emission, each marked fixable when the remediation planner has
    /// changes an agent can make for it (a change request can fix it).
    /// </summary>
    private async Task<IReadOnlyList<ScanResultDto>> EmissionAsync(ManagedServer server, SettingsSnapshot? snapshot, IReadOnlyList<ScanResultDto> earlier, CancellationToken cancellationToken)
    {
        var settings = emissionOptions.Value;
        var now = clock.GetUtcNow();
        var windowStart = BounceEmissionRule.WindowStart(now, settings.Window);
        bool hasAgent;
        BounceEmissionStateRecord? state;
        List<BounceEmissionHourRecord> hours;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            hasAgent = await db.Agents.AnyAsync(a => a.ServerId == server.Id && a.RevokedAt == null, cancellationToken);
            state = await db.BounceEmissionStates.AsNoTracking().SingleOrDefaultAsync(s => s.ServerId == server.Id, cancellationToken);
            hours = await db.BounceEmissionHours.AsNoTracking()
                .Where(h => h.ServerId == server.Id && h.HourStart >= windowStart && h.HourStart <= now.UtcDateTime)
                .OrderBy(h => h.HourStart)
                .ToListAsync(cancellationToken);
        }

        var rules = snapshot is null ? [] : MtaRules.Evaluate(snapshot);
        var findings = earlier
            .Where(r => r.Status is CheckStatus.Fail or CheckStatus.Warn && BounceEmissionCheck.LikelyCauses.Contains(r.Id, StringComparer.Ordinal))
            .Select(r => new RelatedFinding(r.Id, r.Title, r.Status, BounceEmissionService.AgentCanFix(rules, r.Id)))
            .ToList();
        var facts = new BounceEmissionFacts(server.Id, now, hasAgent, state is null ? null : BounceEmissionService.ToDto(state), hours.Select(BounceEmissionService.ToDto).ToList(), findings);
        var thresholds = new EmissionThresholds(settings.WarnThreshold, settings.FailThreshold, settings.Window, settings.StaleAfter);
        var check = BounceEmissionRule.Evaluate(facts, thresholds);
        var subject = state?.LogPath is { } path ? $"{server.Hostname} ({path})" : server.Hostname;
        return [FromCheck(check, CheckSources.Agent, subject, [])];
    }

    /// <summary>
    /// <c>dnsbl.listing</c>, one result per egress address: the server's own list, or else the A and AAAA records of its
    /// hostname now. A hostname that cannot be resolved is an error (unknown when it has no address at all), never a pass.
    /// </summary>
    private async Task<IReadOnlyList<ScanResultDto>> DnsblAsync(ManagedServer server, CancellationToken cancellationToken)
    {
        var zones = dnsblOptions.Value.EffectiveZones;
        var addresses = server.EgressAddresses.Select(IPAddress.Parse).ToList();
        var explanation = "The blocklist check looks up the addresses the server sends from; without them it cannot say whether the server is listed.";
        if (addresses.Count == 0)
        {
            var answers = await Task.WhenAll(resolver.QueryAsync(server.Hostname, DnsRecordType.A, cancellationToken), resolver.QueryAsync(server.Hostname, DnsRecordType.AAAA, cancellationToken));
            addresses = answers.SelectMany(a => a.RecordsOf<AddressRecord>()).Select(r => r.Address).Distinct().ToList();
            var failed = answers.Where(a => a.IsTemporaryFailure).ToList();
            if (failed.Count > 0 && addresses.Count == 0)
            {
                return [new ScanResultDto(DnsblChecker.Id, CheckSources.Dns, server.Hostname, CheckStatus.Error, CheckSeverity.High, CheckCatalog.Title(DnsblChecker.Id, CheckStatus.Error),
                    $"The egress addresses are not set and {server.Hostname} could not be resolved, so no blocklist was checked.", explanation,
                    answers.Select(a => $"{a.Type} {a.Name}: {a.Describe()}").ToList(), "Set the server's egress addresses, or make its hostname resolvable from the console.", [], clock.GetUtcNow().UtcDateTime)];
            }

            if (addresses.Count == 0)
            {
                return [new ScanResultDto(DnsblChecker.Id, CheckSources.Dns, server.Hostname, CheckStatus.Unknown, CheckSeverity.High, CheckCatalog.Title(DnsblChecker.Id, CheckStatus.Unknown),
                    $"The egress addresses are not set and {server.Hostname} has no A or AAAA record, so no blocklist was checked.", explanation,
                    answers.Select(a => $"{a.Type} {a.Name}: {a.Describe()}").ToList(), "Set the server's egress addresses (the addresses it sends mail from).", [], clock.GetUtcNow().UtcDateTime)];
            }
        }

        var results = new List<ScanResultDto>();
        foreach (var address in addresses.Take(Domain.Servers.ServerRules.MaxEgressAddresses))
        {
            var check = await dnsbl.CheckAsync(address, zones, cancellationToken);
            results.Add(FromCheck(check, CheckSources.Dns, address.ToString(), []));
        }

        return results;
    }

    private async Task<IReadOnlyList<ScanResultDto>> ProbeAsync(ManagedServer server, IReadOnlyList<string> domains, bool first, CancellationToken cancellationToken)
    {
        var settings = probeSettings.Value;
        var endpoint = $"{server.SmtpHost}:{server.SmtpPort}";
        var subject = domains.Count == 0 ? endpoint : string.Join(", ", domains);
        if (string.IsNullOrWhiteSpace(settings.SinkAddress))
        {
            const string reason = "The probe did not run: Probe:SinkAddress is not configured. Set it to a mailbox you own; a server that accepts and bounces sends its bounce there.";
            return [ProbeError(SmtpProbeVerdicts.UnknownRecipientId, subject, reason), ProbeError(SmtpProbeVerdicts.CatchAllId, subject, reason), ProbeError(SmtpProbeVerdicts.OpenRelayId, endpoint, reason)];
        }

        // Only the first session tests relaying and TLS: they are properties of the endpoint, not of a domain.
        var options = settings.ToProbeOptions(server.SmtpHost, server.SmtpPort, domains, server.ControlRecipient, relayTest: first);
        var result = await probe.ProbeAsync(options, cancellationToken);
        return SmtpProbeVerdicts.Evaluate(result)
            .Where(c => first || c.Id is SmtpProbeVerdicts.UnknownRecipientId or SmtpProbeVerdicts.CatchAllId)
            .Where(c => domains.Count > 0 || c.Id is not (SmtpProbeVerdicts.UnknownRecipientId or SmtpProbeVerdicts.CatchAllId))
            .Select(c => FromCheck(
                c,
                CheckSources.Probe,
                c.Id is SmtpProbeVerdicts.UnknownRecipientId or SmtpProbeVerdicts.CatchAllId ? subject : endpoint,
                c.Status is CheckStatus.Fail or CheckStatus.Warn ? ProbeRemediation.For(c.Id, server.Platform).Select(x => x.Display).ToList() : []))
            .ToList();
    }

    /// <summary>
    /// Up to <paramref name="limit"/> addresses of disabled mailboxes from the agent's facts, address to mailbox: every
    /// mailbox's primary address first, then aliases, so a long alias list cannot crowd out the other mailboxes.
    /// </summary>
    private static Dictionary<string, string> DisabledAddresses(SettingsSnapshot? snapshot, int limit)
    {
        var picked = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (snapshot?.Mailboxes is not { } facts)
        {
            return picked;
        }

        var rounds = facts.DisabledMailboxes.Count == 0 ? 0 : facts.DisabledMailboxes.Max(m => m.Addresses.Count);
        for (var round = 0; round < rounds && picked.Count < limit; round++)
        {
            foreach (var mailbox in facts.DisabledMailboxes.Where(m => m.Addresses.Count > round))
            {
                var address = mailbox.Addresses[round];
                if (picked.Count < limit && SmtpProbeOptions.IsSafeMailbox(address))
                {
                    picked.TryAdd(address, mailbox.Mailbox);
                }
            }
        }

        return picked;
    }

    private async Task<IReadOnlyList<ScanResultDto>> ProbeDisabledAsync(ManagedServer server, Dictionary<string, string> addresses, CancellationToken cancellationToken)
    {
        var settings = probeSettings.Value;
        var endpoint = $"{server.SmtpHost}:{server.SmtpPort}";
        if (string.IsNullOrWhiteSpace(settings.SinkAddress))
        {
            return [ProbeError(SmtpProbeVerdicts.DisabledMailboxId, endpoint, "The probe did not run: Probe:SinkAddress is not configured.")];
        }

        var options = settings.ToProbeOptions(server.SmtpHost, server.SmtpPort, [], server.ControlRecipient, relayTest: false) with
        {
            NamedRecipients = [.. addresses.Keys],
            ProbeCatchAll = false,
        };
        var result = await probe.ProbeAsync(options, cancellationToken);
        var check = SmtpProbeVerdicts.DisabledMailboxes(result, addresses);
        return [FromCheck(check, CheckSources.Probe, endpoint, [])];
    }

    private IReadOnlyList<ScanResultDto> SettingsResults(ManagedServer server, SettingsSnapshot? snapshot)
    {
        if (SettingsSnapshotService.PlatformOf(server.Platform) is null)
        {
            return [];
        }

        if (snapshot is null)
        {
            return MtaCheckIds
                .Select(id => MtaCheckCatalog.Result(id, CheckStatus.Unknown, "No settings snapshot yet: paste the server's settings on its Settings page (or upload them with the API).", []))
                .Select(r => FromCheck(r.Check, CheckSources.Settings, null, []))
                .ToList();
        }

        var origin = $"snapshot {snapshot.Source} collected {snapshot.CollectedAt:yyyy-MM-dd HH:mm} UTC";
        return MtaRules.Evaluate(snapshot)
            .Select(r => FromCheck(r.Check with { Evidence = [origin, .. r.Check.Evidence] }, CheckSources.Settings, null, r.Commands.Select(c => c.Display).ToList()))
            .ToList();
    }

    private async Task SaveStepAsync(ScanClaim claim, int position, IReadOnlyList<ScanResultDto> results, int progress, CancellationToken cancellationToken)
    {
        var scanId = claim.Id;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        // The results go in only while the claim holds (same transaction); each step also extends the lease.
        var until = clock.GetUtcNow().UtcDateTime + cluster.Value.LeaseExpiry;
        var ours = await db.Scans
            .Where(s => s.Id == scanId && s.Status == ScanStatuses.Running && s.LeaseOwner == claim.Owner && s.Attempts == claim.Attempt)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.Progress, progress).SetProperty(s => s.LeaseExpiresAt, until), cancellationToken);
        if (ours == 0)
        {
            throw new ScanLeaseLostException(scanId);
        }

        db.ScanResults.AddRange(results.Select((r, i) => new ScanCheckResult
        {
            ScanId = scanId,
            Position = position + i,
            CheckId = r.Id,
            Source = r.Source,
            Subject = r.Subject,
            Status = ScanMapping.Text(r.Status),
            Severity = ScanMapping.Text(r.Severity),
            Title = r.Title,
            Summary = r.Summary,
            Explanation = r.Explanation,
            Evidence = [.. r.Evidence],
            Remediation = r.Remediation,
            Commands = [.. r.Commands],
            CheckedAt = r.CheckedAt,
        }));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private ScanResultDto FromCheck(CheckResult c, string source, string? subject, IReadOnlyList<string> commands) =>
        new(c.Id, source, subject, c.Status, c.Severity, c.Title, c.Summary, c.Explanation, c.Evidence, c.Remediation, commands, clock.GetUtcNow().UtcDateTime);

    private ScanResultDto ProbeError(string id, string subject, string reason) =>
        new(id, CheckSources.Probe, subject, CheckStatus.Error, CheckSeverity.High, CheckCatalog.Title(id, CheckStatus.Error), reason, "The SMTP probe shows how the server answers unknown recipients and foreign domains.", [], null, [], clock.GetUtcNow().UtcDateTime);

    private ScanResultDto StepError(Step step, string message) =>
        new(step.ErrorId, step.Source, step.Subject, CheckStatus.Error, CheckSeverity.Medium, CheckCatalog.Title(step.ErrorId, CheckStatus.Error), $"The step '{step.Name}' could not run: {message}",
            "A check that could not run is reported as an error, never as a pass.", [message], null, [], clock.GetUtcNow().UtcDateTime);
}
