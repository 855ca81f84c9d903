using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Domain.Names;
using BackscatterConsole.Domain.Spf;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Posture;

namespace BackscatterConsole.Domain.Posture;

/// <summary>
/// Judges a domain's spoofing posture from DNS: the <c>spf.*</c>, <c>dkim.*</c>, <c>dmarc.*</c> and <c>mx.*</c> checks of
/// <see cref="PostureCheckIds"/>. A temporary DNS failure yields <see cref="CheckStatus.Error"/> with the reason, never a pass.
/// </summary>
public sealed class DomainPostureChecker
{
    private const string SpfExplanation =
        "SPF (RFC 7208) tells receivers which hosts may use the domain in the envelope sender. Without a strict policy, spammers forge the "
        + "domain as the sender and the bounces of that spam (backscatter) land on the domain's real users.";

    private const string DmarcExplanation =
        "DMARC (RFC 7489, RFC 9989) tells receivers what to do with mail whose From: domain fails SPF and DKIM alignment. Without an "
        + "enforcing policy, forged mail in the domain's name is delivered, and its bounces come back as backscatter.";

    private const string DkimExplanation =
        "DKIM (RFC 6376) signatures let receivers verify that mail really came from the domain. A missing, revoked or weak key makes "
        + "signed mail fail and leaves DMARC relying on SPF alone; keys under 1024 bits must not be accepted (RFC 8301).";

    private const string MxExplanation =
        "Mail exchangers (RFC 5321 §5) are where mail and bounces for the domain are delivered. Without a resolvable MX, "
        + "receivers cannot return bounces and some reject the domain as a sender (reject_unknown_sender_domain).";

    private readonly IDnsResolver _resolver;
    private readonly SpfEvaluator _spf;
    private readonly DmarcDiscovery _dmarc;
    private readonly TimeProvider _time;

    /// <summary>Creates a checker.</summary>
    /// <param name="resolver">DNS access.</param>
    /// <param name="timeProvider">Clock for <see cref="DomainPostureReport.CheckedAt"/>; the system clock when null.</param>
    /// <param name="spfOptions">SPF limits; RFC 7208 defaults when null.</param>
    public DomainPostureChecker(IDnsResolver resolver, TimeProvider? timeProvider = null, SpfEvaluatorOptions? spfOptions = null)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        _resolver = resolver;
        _spf = new SpfEvaluator(resolver, spfOptions);
        _dmarc = new DmarcDiscovery(resolver);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Runs every posture check for <paramref name="domain"/>.</summary>
    /// <param name="domain">The domain (Unicode names are converted with IDNA).</param>
    /// <param name="dkimSelectors">DKIM selectors in use, from the inventory or the agent; DNS cannot list them.</param>
    /// <param name="cancellationToken">Cancels the checks.</param>
    /// <exception cref="ArgumentException">The domain or a selector is not a valid name.</exception>
    public async Task<DomainPostureReport> CheckAsync(string domain, IEnumerable<string>? dkimSelectors = null, CancellationToken cancellationToken = default)
    {
        if (!HostName.TryNormalize(domain, out var name, out var error))
        {
            throw new ArgumentException($"'{domain}' is not a valid domain: {error}", nameof(domain));
        }

        var selectors = new List<string>();
        foreach (var selector in dkimSelectors ?? [])
        {
            if (!HostName.TryNormalize(selector, out var normalized, out var selectorError, allowUnderscore: true))
            {
                throw new ArgumentException($"'{selector}' is not a valid DKIM selector: {selectorError}", nameof(dkimSelectors));
            }

            if (!selectors.Contains(normalized))
            {
                selectors.Add(normalized);
            }
        }

        var checkedAt = _time.GetUtcNow();
        var spfTask = _spf.AuditAsync(name, cancellationToken);
        var dmarcTask = _dmarc.DiscoverAsync(name, cancellationToken);
        var mxTask = CheckMxAsync(name, cancellationToken);
        var dkimTasks = selectors.Select(s => CheckDkimAsync(name, s, cancellationToken)).ToList();
        await Task.WhenAll(spfTask, dmarcTask, mxTask).ConfigureAwait(false);
        var dkim = await Task.WhenAll(dkimTasks).ConfigureAwait(false);

        var spf = await spfTask.ConfigureAwait(false);
        var dmarc = await dmarcTask.ConfigureAwait(false);
        var (dmarcChecks, enforcing) = await DmarcChecksAsync(name, dmarc, cancellationToken).ConfigureAwait(false);
        var mx = await mxTask.ConfigureAwait(false);

        var checks = new List<CheckResult>();
        checks.AddRange(SpfChecks(name, spf, enforcing, mx.HasMx));
        if (dkim.Length == 0)
        {
            checks.Add(new CheckResult(
                PostureCheckIds.DkimSelectors,
                CheckStatus.Unknown,
                CheckSeverity.Info,
                "DKIM selectors",
                "No DKIM selector is known for this domain, so no key was checked.",
                DkimExplanation + " Selectors cannot be listed from DNS; they come from the inventory or the agent.",
                [],
                "Add the selectors the mail server signs with (for example from the DKIM-Signature s= tag of sent mail)."));
        }
        else
        {
            checks.AddRange(dkim);
        }

        checks.AddRange(dmarcChecks);
        checks.AddRange(mx.Checks);
        return new DomainPostureReport(
            name,
            checkedAt,
            checks,
            spf.Tree.Record is null && spf.Tree.Children.Count == 0 ? null : spf.Tree,
            dmarc.PolicyDomain,
            dmarc.OrganizationalDomain,
            selectors);
    }

    private static CheckResult Finding(string id, CheckStatus status, CheckSeverity severity, string title, string summary, string explanation, IEnumerable<string> evidence, string? remediation) =>
        new(id, status, status is CheckStatus.Pass or CheckStatus.Info ? CheckSeverity.Info : severity, title, summary, explanation, evidence.ToList(), status == CheckStatus.Pass ? null : remediation);

    private static IEnumerable<CheckResult> SpfChecks(string domain, SpfEvaluation spf, bool dmarcEnforcing, bool hasMx)
    {
        var evidence = spf.Trace;
        var suggested = $"{domain}. IN TXT \"{(hasMx ? "v=spf1 mx -all" : "v=spf1 -all")}\"";
        if (spf.Result == SpfResult.TempError)
        {
            var reason = $"The SPF policy could not be read: {spf.Problem}";
            foreach (var (id, title) in new[] { (PostureCheckIds.SpfRecord, "SPF record"), (PostureCheckIds.SpfAll, "SPF default result"), (PostureCheckIds.SpfLookups, "SPF lookup limits"), (PostureCheckIds.SpfPtr, "SPF ptr mechanism") })
            {
                yield return Finding(id, CheckStatus.Error, CheckSeverity.Medium, title, reason, SpfExplanation, evidence, "Check again later; if it persists, fix the authoritative DNS servers of the domain or of the included domains.");
            }

            yield break;
        }

        if (spf.ProblemKind == SpfProblemKind.NoRecord)
        {
            yield return Finding(
                PostureCheckIds.SpfRecord,
                CheckStatus.Fail,
                CheckSeverity.High,
                "SPF record",
                $"{domain} publishes no SPF record, so any host may send mail as {domain}.",
                SpfExplanation,
                evidence,
                hasMx
                    ? $"Publish one record: {suggested} (or \"v=spf1 -all\" if the domain sends no mail)."
                    : $"Publish one record: {suggested}, which says the domain sends no mail; list the sending hosts before -all if it does.");
            yield break;
        }

        var recordBroken = spf.ProblemKind is SpfProblemKind.MultipleRecords or SpfProblemKind.Syntax or SpfProblemKind.MissingTarget;
        yield return recordBroken
            ? Finding(
                PostureCheckIds.SpfRecord,
                CheckStatus.Fail,
                CheckSeverity.High,
                "SPF record",
                $"The SPF policy is a permerror: {spf.Problem}",
                SpfExplanation + " A permerror makes receivers ignore the policy, as if none were published.",
                evidence,
                spf.ProblemKind == SpfProblemKind.MultipleRecords
                    ? $"Merge the records into one: {suggested}"
                    : $"Fix the record so that it follows RFC 7208 and every include/redirect target publishes a record, for example {suggested}")
            : Finding(PostureCheckIds.SpfRecord, CheckStatus.Pass, CheckSeverity.Info, "SPF record", $"{domain} publishes one valid SPF record: \"{spf.Tree.Record}\".", SpfExplanation, evidence, null);

        var limitHit = spf.ProblemKind is SpfProblemKind.LookupLimit or SpfProblemKind.VoidLimit or SpfProblemKind.MxLimit;
        yield return AllCheck(domain, spf, dmarcEnforcing, evidence, suggested, recordBroken || limitHit);
        yield return limitHit
            ? Finding(
                PostureCheckIds.SpfLookups,
                CheckStatus.Fail,
                CheckSeverity.High,
                "SPF lookup limits",
                $"The policy exceeds the RFC 7208 processing limits: {spf.Problem}",
                SpfExplanation + " Past 10 DNS-querying terms (include, a, mx, ptr, exists, redirect) or 2 void lookups, receivers return permerror and ignore the policy.",
                TreeLines(spf.Tree).Concat(evidence),
                "Remove includes that are no longer used, replace a/mx terms by ip4/ip6 ranges, and remove terms pointing at names that do not exist, until the tree needs at most 10 lookups.")
            : Finding(PostureCheckIds.SpfLookups, CheckStatus.Pass, CheckSeverity.Info, "SPF lookup limits", $"The policy needs {spf.Lookups} of 10 DNS-querying terms and {spf.VoidLookups} of 2 void lookups.", SpfExplanation, TreeLines(spf.Tree), null);


        var ptrUsers = PtrUsers(spf.Tree).ToList();
        yield return ptrUsers.Count > 0
            ? Finding(
                PostureCheckIds.SpfPtr,
                CheckStatus.Warn,
                CheckSeverity.Low,
                "SPF ptr mechanism",
                $"The policy uses the deprecated ptr mechanism ({string.Join(", ", ptrUsers)}).",
                "RFC 7208 §5.5 says ptr SHOULD NOT be used: it is slow, puts load on the reverse DNS of others, and some receivers skip it, so mail relying on it may fail.",
                ptrUsers,
                "Replace ptr with ip4:/ip6: ranges or a: terms naming the sending hosts.")
            : Finding(PostureCheckIds.SpfPtr, CheckStatus.Pass, CheckSeverity.Info, "SPF ptr mechanism", "The policy does not use ptr.", "RFC 7208 §5.5 deprecates ptr.", [], null);
    }

    private static CheckResult AllCheck(string domain, SpfEvaluation spf, bool dmarcEnforcing, IReadOnlyList<string> evidence, string suggested, bool broken)
    {
        const string Title = "SPF default result";

        // With redirect= and no all, the record at the end of the redirect chain decides what strangers get: fix it there.
        var effective = spf.Tree;
        while (effective.Children.LastOrDefault(c => c.Term.StartsWith("redirect=", StringComparison.OrdinalIgnoreCase)) is { } next)
        {
            effective = next;
        }

        var strict = effective.Record is { } text ? ReplaceAll(text) : suggested;
        var fix = $"End the policy with -all: {effective.Domain}. IN TXT \"{strict}\"";
        if (broken)
        {
            return Finding(PostureCheckIds.SpfAll, CheckStatus.Fail, CheckSeverity.High, Title, "Senders not listed get permerror, which receivers treat like having no SPF policy.", SpfExplanation, evidence, fix);
        }

        return spf.Result switch
        {
            SpfResult.Fail => Finding(PostureCheckIds.SpfAll, CheckStatus.Pass, CheckSeverity.Info, Title, "Hosts not listed get fail (-all).", SpfExplanation, evidence, null),
            SpfResult.SoftFail when dmarcEnforcing => Finding(
                PostureCheckIds.SpfAll,
                CheckStatus.Warn,
                CheckSeverity.Low,
                Title,
                "Hosts not listed get softfail (~all); tolerable because an enforcing DMARC policy rejects or quarantines unaligned mail.",
                SpfExplanation + " Softfail alone asks receivers to accept forged mail; the DMARC policy is what stops it here.",
                evidence,
                fix),
            SpfResult.SoftFail => Finding(
                PostureCheckIds.SpfAll,
                CheckStatus.Warn,
                CheckSeverity.Medium,
                Title,
                "Hosts not listed get softfail (~all) and no enforcing DMARC policy backs it, so forged mail is usually accepted.",
                SpfExplanation + " Softfail is tolerable only behind a DMARC policy of quarantine or reject.",
                evidence,
                fix + " — or publish an enforcing DMARC policy (p=quarantine or p=reject)."),
            SpfResult.Neutral => Finding(
                PostureCheckIds.SpfAll,
                CheckStatus.Warn,
                CheckSeverity.Medium,
                Title,
                "Hosts not listed get neutral (?all or no all term): the policy says nothing about forged senders.",
                SpfExplanation,
                evidence,
                fix),
            SpfResult.Pass => Finding(
                PostureCheckIds.SpfAll,
                CheckStatus.Fail,
                CheckSeverity.Critical,
                Title,
                $"Every host on the Internet passes SPF for {domain} (+all{(spf.MatchedTerm is { } t && !t.EndsWith("all", StringComparison.OrdinalIgnoreCase) ? $", via {t}" : string.Empty)}).",
                SpfExplanation + " A policy that passes everybody is worse than none: forged mail even carries an SPF pass.",
                evidence,
                fix),
            _ => Finding(PostureCheckIds.SpfAll, CheckStatus.Fail, CheckSeverity.High, Title, $"The policy ends in {spf.Result.ToRfcString()}: {spf.Problem}", SpfExplanation, evidence, fix),
        };
    }

    private static string ReplaceAll(string record)
    {
        var terms = record.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        var index = terms.FindIndex(t => t.TrimStart('+', '-', '~', '?').Equals("all", StringComparison.OrdinalIgnoreCase));
        if (index >= 0)
        {
            terms[index] = "-all";
        }
        else
        {
            terms.Add("-all");
        }

        return string.Join(' ', terms);
    }

    private static IEnumerable<string> TreeLines(SpfTreeNode node, int depth = 0)
    {
        yield return $"{new string(' ', depth * 2)}{node.Term} {node.Domain}: {node.Lookups} lookup(s) here, {node.TotalLookups} with children, {node.VoidLookups} void{(node.Error is null ? string.Empty : " — " + node.Error)}";
        foreach (var child in node.Children)
        {
            foreach (var line in TreeLines(child, depth + 1))
            {
                yield return line;
            }
        }
    }

    private static IEnumerable<string> PtrUsers(SpfTreeNode node)
    {
        if (node.Record is { } text && SpfRecord.TryParseCached(text, out var record, out _) && record!.Mechanisms.Any(m => m.Kind == SpfMechanismKind.Ptr))
        {
            yield return $"{node.Domain}: \"{text}\"";
        }

        foreach (var child in node.Children)
        {
            foreach (var user in PtrUsers(child))
            {
                yield return user;
            }
        }
    }

    private async Task<(List<CheckResult> Checks, bool Enforcing)> DmarcChecksAsync(string domain, DmarcDiscoveryResult dmarc, CancellationToken cancellationToken)
    {
        var evidence = dmarc.Queries.Concat(dmarc.Invalid).Append($"organizational domain (RFC 9989 tree walk): {dmarc.OrganizationalDomain}").ToList();
        var suggested = $"_dmarc.{domain}. IN TXT \"v=DMARC1; p=reject; rua=mailto:dmarc-reports@{domain}\"";
        const string Title = "DMARC record";
        if (dmarc.TemporaryError is not null)
        {
            return ([Finding(PostureCheckIds.DmarcRecord, CheckStatus.Error, CheckSeverity.Medium, Title, $"The DMARC record could not be looked up: {dmarc.TemporaryError}", DmarcExplanation, evidence, "Check again later; if it persists, fix the domain's DNS servers.")], false);
        }

        if (dmarc.Record is not { } record)
        {
            var summary = dmarc.Invalid.Count > 0
                ? $"No valid DMARC record applies to {domain}: {string.Join(" ", dmarc.Invalid)}"
                : $"No DMARC record at _dmarc.{domain} or at any parent domain.";
            return ([Finding(PostureCheckIds.DmarcRecord, CheckStatus.Fail, CheckSeverity.High, Title, summary, DmarcExplanation, evidence, $"Publish {suggested}")], false);
        }

        var own = dmarc.PolicyDomain == domain;
        var checks = new List<CheckResult>
        {
            Finding(
                PostureCheckIds.DmarcRecord,
                CheckStatus.Pass,
                CheckSeverity.Info,
                Title,
                own ? $"_dmarc.{domain} publishes \"{record.Text}\"." : $"{domain} has no record of its own; the record of {dmarc.PolicyDomain} applies: \"{record.Text}\".",
                DmarcExplanation,
                evidence,
                null),
        };

        // A policy found at an ancestor governs the domain through sp= (RFC 7489 §6.6.3).
        var effective = own ? record.Policy : record.SubdomainPolicy ?? record.Policy;
        var policyText = effective.ToString().ToLowerInvariant();
        var recordName = $"_dmarc.{dmarc.PolicyDomain}";
        checks.Add(effective == DmarcPolicy.None
            ? Finding(
                PostureCheckIds.DmarcPolicy,
                CheckStatus.Warn,
                CheckSeverity.Medium,
                "DMARC policy",
                record.PolicyPresent ? $"The policy for {domain} is none: forged mail is only reported, not stopped." : "The record has no p= tag, so receivers apply none: forged mail is only reported.",
                DmarcExplanation,
                [record.Text],
                $"Move to enforcement once the aggregate reports show all legitimate mail aligned (p=quarantine first if unsure): {recordName}. IN TXT \"{Recommended(record, dmarc.PolicyDomain!)}\"")
            : Finding(PostureCheckIds.DmarcPolicy, CheckStatus.Pass, CheckSeverity.Info, "DMARC policy", $"The policy for {domain} is {policyText}.", DmarcExplanation, [record.Text], null));

        var sp = record.SubdomainPolicy ?? record.Policy;
        var np = record.NonExistentPolicy ?? sp;
        var weaker = new List<string>();
        if (sp < record.Policy)
        {
            weaker.Add($"sp={sp.ToString().ToLowerInvariant()}");
        }

        if (np < record.Policy)
        {
            weaker.Add($"np={np.ToString().ToLowerInvariant()}");
        }

        checks.Add(weaker.Count > 0
            ? Finding(
                PostureCheckIds.DmarcSubdomainPolicy,
                CheckStatus.Warn,
                CheckSeverity.Medium,
                "DMARC subdomain policy",
                $"{string.Join(" and ", weaker)} is weaker than p={record.Policy.ToString().ToLowerInvariant()}: spammers forge subdomains (or names that do not exist) instead.",
                DmarcExplanation + " sp= governs existing subdomains and np= (RFC 9989) names that do not exist.",
                [record.Text],
                $"Remove sp=/np= so subdomains get p: {recordName}. IN TXT \"{ReplaceTag(ReplaceTag(record.Text, "sp", null), "np", null)}\"")
            : Finding(PostureCheckIds.DmarcSubdomainPolicy, CheckStatus.Pass, CheckSeverity.Info, "DMARC subdomain policy", "Subdomains and non-existent names get a policy at least as strict as p.", DmarcExplanation, [record.Text], null));

        checks.Add(await RuaCheckAsync(dmarc, record, recordName, cancellationToken).ConfigureAwait(false));

        var partial = new List<string>();
        if (record.Percent is < 100)
        {
            partial.Add($"The tag pct={record.Percent} applies the policy to only {record.Percent}% of failing mail");
        }

        if (record.Testing)
        {
            partial.Add("The tag t=y asks receivers to treat the policy as a test and apply one level less");
        }

        checks.Add(partial.Count > 0
            ? Finding(
                PostureCheckIds.DmarcPct,
                CheckStatus.Warn,
                CheckSeverity.Low,
                "DMARC coverage",
                Sentence(partial),
                DmarcExplanation + " A partial or testing policy lets part of the forged mail through.",
                [record.Text],
                $"Apply the policy to all mail: {recordName}. IN TXT \"{ReplaceTag(ReplaceTag(record.Text, "pct", null), "t", null)}\"")
            : Finding(PostureCheckIds.DmarcPct, CheckStatus.Pass, CheckSeverity.Info, "DMARC coverage", "The policy applies to all failing mail.", DmarcExplanation, [record.Text], null));

        var enforcing = effective != DmarcPolicy.None && partial.Count == 0;
        return (checks, enforcing);
    }

    private async Task<CheckResult> RuaCheckAsync(DmarcDiscoveryResult dmarc, DmarcRecord record, string recordName, CancellationToken cancellationToken)
    {
        const string Title = "DMARC aggregate reports";
        var explanation = "Aggregate reports (rua=) show who sends mail in the domain's name: they are how forged mail and broken legitimate senders are found before enforcing.";
        var fix = $"{recordName}. IN TXT \"{ReplaceTag(record.Text, "rua", $"mailto:dmarc-reports@{dmarc.PolicyDomain}")}\"";
        if (record.AggregateReportUris.Count == 0)
        {
            return Finding(PostureCheckIds.DmarcRua, CheckStatus.Warn, CheckSeverity.Low, Title, "The record has no rua= address, so nobody receives aggregate reports.", explanation, [record.Text], fix);
        }

        var evidence = new List<string> { record.Text };
        var problems = new List<string>();
        foreach (var uri in record.AggregateReportUris)
        {
            var target = DmarcRecord.MailtoDomain(uri);
            if (target is null)
            {
                problems.Add($"The address '{uri}' is not a mailto: URI");
                continue;
            }

            if (target == dmarc.PolicyDomain || target == dmarc.OrganizationalDomain || target.EndsWith("." + dmarc.OrganizationalDomain, StringComparison.Ordinal))
            {
                continue;
            }

            // RFC 7489 §7.1: a report address in another organization must consent with a record at <domain>._report._dmarc.<target>.
            var consent = $"{dmarc.PolicyDomain}._report._dmarc.{target}";
            var answer = await _resolver.QueryAsync(consent, DnsRecordType.TXT, cancellationToken).ConfigureAwait(false);
            evidence.Add($"{consent} TXT → {answer.Describe()}");
            if (answer.IsTemporaryFailure)
            {
                return Finding(PostureCheckIds.DmarcRua, CheckStatus.Error, CheckSeverity.Low, Title, $"The consent record {consent} could not be looked up: {answer.Describe()}", explanation, evidence, null);
            }

            if (!answer.RecordsOf<TxtRecord>().Any(r => DmarcRecord.LooksLikeDmarc(r.Text)))
            {
                problems.Add($"The report domain {target} has not authorized reports for {dmarc.PolicyDomain} (no v=DMARC1 at {consent}), so receivers drop them");
            }
        }

        return problems.Count > 0
            ? Finding(PostureCheckIds.DmarcRua, CheckStatus.Warn, CheckSeverity.Low, Title, Sentence(problems), explanation, evidence, fix)
            : Finding(PostureCheckIds.DmarcRua, CheckStatus.Pass, CheckSeverity.Info, Title, $"Aggregate reports go to {string.Join(", ", record.AggregateReportUris)}.", explanation, evidence, null);
    }

    /// <summary>The record to aim for: reject, reports kept or added, no weakening tags, other tags (adkim, aspf, ruf, fo) kept.</summary>
    private static string Recommended(DmarcRecord record, string policyDomain)
    {
        var rua = record.Tags.TryGetValue("rua", out var existing) && existing.Length > 0 ? existing : $"mailto:dmarc-reports@{policyDomain}";
        var kept = record.Tags.Where(t => t.Key is not ("v" or "p" or "sp" or "np" or "pct" or "t" or "rua")).Select(t => $"{t.Key}={t.Value}");
        return string.Join("; ", new[] { "v=DMARC1", "p=reject", $"rua={rua}" }.Concat(kept));
    }

    private static string Sentence(IEnumerable<string> parts) => string.Join(". ", parts) + ".";

    private static string ReplaceTag(string text, string tag, string? value)
    {
        var parts = text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        var index = parts.FindIndex(p => p.Split('=')[0].Trim().Equals(tag, StringComparison.OrdinalIgnoreCase));
        if (value is null)
        {
            if (index >= 0)
            {
                parts.RemoveAt(index);
            }
        }
        else if (index >= 0)
        {
            parts[index] = $"{tag}={value}";
        }
        else
        {
            parts.Insert(Math.Min(2, parts.Count), $"{tag}={value}");
        }

        return string.Join("; ", parts);
    }

    private async Task<CheckResult> CheckDkimAsync(string domain, string selector, CancellationToken cancellationToken)
    {
        var id = PostureCheckIds.Dkim(selector);
        var title = $"DKIM key {selector}";
        var name = $"{selector}._domainkey.{domain}";
        var fix = $"Generate a 2048-bit key (opendkim-genkey -b 2048 -s {selector} -d {domain}), configure the signer with it, and publish {name}. IN TXT \"v=DKIM1; k=rsa; p=<base64 public key>\"";
        var answer = await _resolver.QueryAsync(name, DnsRecordType.TXT, cancellationToken).ConfigureAwait(false);
        var evidence = new List<string> { $"selector: {selector}", $"{name} TXT → {answer.Describe()}" };
        if (answer.IsTemporaryFailure || answer.Status == DnsResponseStatus.CnameLoop)
        {
            return Finding(id, CheckStatus.Error, CheckSeverity.Medium, title, $"The key could not be looked up: {answer.Describe()}", DkimExplanation, evidence, "Check again later; if it persists, fix the domain's DNS servers.");
        }

        var texts = answer.RecordsOf<TxtRecord>().Select(r => r.Text).ToList();
        if (texts.Count == 0)
        {
            return Finding(id, CheckStatus.Fail, CheckSeverity.High, title, $"No key is published for selector {selector} ({answer.Describe()}); mail signed with it fails DKIM.", DkimExplanation, evidence, fix);
        }

        var keys = texts.Where(t => t.Contains("p=", StringComparison.OrdinalIgnoreCase)).ToList();
        if (keys.Count != 1)
        {
            return Finding(id, CheckStatus.Fail, CheckSeverity.High, title, keys.Count == 0 ? $"{name} holds no DKIM key record." : $"{name} holds {keys.Count} key records; verifiers may pick either.", DkimExplanation, evidence, fix);
        }

        if (!DkimKeyRecord.TryParse(keys[0], out var key, out var error))
        {
            return Finding(id, CheckStatus.Fail, CheckSeverity.High, title, $"The key record is invalid: {error}", DkimExplanation, evidence, fix);
        }

        if (key!.Revoked)
        {
            return Finding(id, CheckStatus.Fail, CheckSeverity.High, title, $"The key for selector {selector} is revoked (empty p=); mail still signed with it fails DKIM.", DkimExplanation, evidence, $"If the selector is still in use, sign with a new key and publish it; otherwise remove {selector} from the inventory. {fix}");
        }

        evidence.Add($"key: {key.KeyType}, {key.KeyBits} bits{(key.Testing ? ", t=y" : string.Empty)}");
        if (key.KeyType == "rsa" && key.KeyBits < 1024)
        {
            return Finding(id, CheckStatus.Fail, CheckSeverity.High, title, $"The RSA key is {key.KeyBits} bits; RFC 8301 forbids verifying keys under 1024 bits, so signatures are ignored.", DkimExplanation, evidence, fix);
        }

        var warnings = new List<string>();
        if (key.KeyType == "rsa" && key.KeyBits < 2048)
        {
            warnings.Add($"The RSA key is {key.KeyBits} bits; 2048 is recommended");
        }

        if (key.Testing)
        {
            warnings.Add("The tag t=y marks the key as testing, so verifiers may treat failures leniently");
        }

        if (key.HashAlgorithms.Count > 0 && !key.HashAlgorithms.Contains("sha256"))
        {
            warnings.Add($"The tag h={string.Join(':', key.HashAlgorithms)} does not allow sha256 (RFC 8301 forbids sha1)");
        }

        return warnings.Count > 0
            ? Finding(id, CheckStatus.Warn, CheckSeverity.Medium, title, Sentence(warnings), DkimExplanation, evidence, fix)
            : Finding(id, CheckStatus.Pass, CheckSeverity.Info, title, $"Selector {selector} publishes a {key.KeyBits}-bit {key.KeyType} key.", DkimExplanation, evidence, null);
    }

    private async Task<(List<CheckResult> Checks, bool HasMx)> CheckMxAsync(string domain, CancellationToken cancellationToken)
    {
        const string RecordsTitle = "MX records";
        const string ResolvableTitle = "MX hosts resolvable";
        var fix = $"{domain}. IN MX 10 mail.{domain}. (and an A/AAAA record for mail.{domain})";
        var answer = await _resolver.QueryAsync(domain, DnsRecordType.MX, cancellationToken).ConfigureAwait(false);
        var evidence = new List<string> { $"{domain} MX → {answer.Describe()}" };
        if (answer.IsTemporaryFailure || answer.Status == DnsResponseStatus.CnameLoop)
        {
            var reason = $"The MX records could not be looked up: {answer.Describe()}";
            return ([
                Finding(PostureCheckIds.MxRecords, CheckStatus.Error, CheckSeverity.Medium, RecordsTitle, reason, MxExplanation, evidence, null),
                Finding(PostureCheckIds.MxResolvable, CheckStatus.Error, CheckSeverity.Medium, ResolvableTitle, reason, MxExplanation, evidence, null),
            ], false);
        }

        var exchangers = answer.RecordsOf<MxRecord>().OrderBy(m => m.Preference).ToList();
        if (exchangers.Count == 0)
        {
            var summary = answer.Status == DnsResponseStatus.NxDomain ? $"{domain} does not exist in DNS." : $"{domain} publishes no MX record.";
            return ([
                Finding(PostureCheckIds.MxRecords, CheckStatus.Fail, CheckSeverity.High, RecordsTitle, summary, MxExplanation, evidence, $"Publish {fix}"),
                Finding(PostureCheckIds.MxResolvable, CheckStatus.Fail, CheckSeverity.High, ResolvableTitle, "There is no exchanger to resolve.", MxExplanation, evidence, $"Publish {fix}"),
            ], false);
        }

        if (exchangers.Count == 1 && exchangers[0].Exchange.Length == 0)
        {
            const string NullMx = "The domain publishes a null MX (RFC 7505): it declares that it accepts no mail.";
            return ([
                Finding(PostureCheckIds.MxRecords, CheckStatus.Info, CheckSeverity.Info, RecordsTitle, NullMx, MxExplanation, evidence, null),
                Finding(PostureCheckIds.MxResolvable, CheckStatus.Info, CheckSeverity.Info, ResolvableTitle, NullMx, MxExplanation, evidence, null),
            ], false);
        }

        var lookups = exchangers.Where(m => m.Exchange.Length > 0).Select(async mx =>
        {
            var a = _resolver.QueryAsync(mx.Exchange, DnsRecordType.A, cancellationToken);
            var aaaa = _resolver.QueryAsync(mx.Exchange, DnsRecordType.AAAA, cancellationToken);
            return (mx, A: await a.ConfigureAwait(false), Aaaa: await aaaa.ConfigureAwait(false));
        }).ToList();
        var results = await Task.WhenAll(lookups).ConfigureAwait(false);
        var resolvable = new List<string>();
        var unresolvable = new List<string>();
        var temporary = new List<string>();
        foreach (var (mx, a, aaaa) in results)
        {
            evidence.Add($"{mx.Exchange} A → {a.Describe()}; AAAA → {aaaa.Describe()}");
            if (a.Records.Count + aaaa.Records.Count > 0)
            {
                resolvable.Add(mx.Exchange);
            }
            else if (a.IsTemporaryFailure || aaaa.IsTemporaryFailure)
            {
                temporary.Add(mx.Exchange);
            }
            else
            {
                unresolvable.Add(mx.Exchange);
            }
        }

        var records = Finding(PostureCheckIds.MxRecords, CheckStatus.Pass, CheckSeverity.Info, RecordsTitle, $"{domain} publishes {exchangers.Count} MX record(s): {string.Join(", ", exchangers.Select(m => $"{m.Preference} {m.Exchange}"))}.", MxExplanation, evidence, null);
        CheckResult resolved;
        if (resolvable.Count == 0 && temporary.Count > 0)
        {
            resolved = Finding(PostureCheckIds.MxResolvable, CheckStatus.Error, CheckSeverity.Medium, ResolvableTitle, $"The addresses of {string.Join(", ", temporary)} could not be looked up.", MxExplanation, evidence, null);
        }
        else if (resolvable.Count == 0)
        {
            resolved = Finding(PostureCheckIds.MxResolvable, CheckStatus.Fail, CheckSeverity.High, ResolvableTitle, $"No exchanger resolves to an address ({string.Join(", ", unresolvable)}).", MxExplanation, evidence, $"Publish A/AAAA records for the exchangers, or point MX at hosts that have them: {fix}");
        }
        else if (unresolvable.Count + temporary.Count > 0)
        {
            resolved = Finding(PostureCheckIds.MxResolvable, CheckStatus.Warn, CheckSeverity.Low, ResolvableTitle, $"{string.Join(", ", unresolvable.Concat(temporary))} do not resolve; {string.Join(", ", resolvable)} do.", MxExplanation, evidence, "Remove the MX records of hosts that no longer exist, or publish their addresses.");
        }
        else
        {
            resolved = Finding(PostureCheckIds.MxResolvable, CheckStatus.Pass, CheckSeverity.Info, ResolvableTitle, $"Every exchanger resolves ({string.Join(", ", resolvable)}).", MxExplanation, evidence, null);
        }

        return ([records, resolved], true);
    }
}
