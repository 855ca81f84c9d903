using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Posture;

namespace BackscatterConsole.Domain.Posture;

public sealed partial class DomainPostureChecker
{
    private async Task<(List<CheckResult> Checks, bool Enforcing)> DmarcChecksAsync(string domain, DmarcDiscoveryResult dmarc, CancellationToken cancellationToken)
    {
        var evidence = dmarc.Queries.Concat(dmarc.Invalid).Append($"organizational domain (RFC 9989 tree walk): {dmarc.OrganizationalDomain}").ToList();
        var suggested = $"_dmarc.{domain}. IN TXT \"v=DMARC1; p=reject; rua=mailto:dmarc-reports@{domain}\"";
        if (dmarc.TemporaryError is not null)
        {
            return ([Finding(PostureCheckIds.DmarcRecord, CheckStatus.Error, CheckSeverity.Medium, $"The DMARC record could not be looked up: {dmarc.TemporaryError}", DmarcExplanation, evidence, "Check again later; if it persists, fix the domain's DNS servers.")], false);
        }

        if (dmarc.Record is not { } record)
        {
            var summary = dmarc.Invalid.Count > 0
                ? $"No valid DMARC record applies to {domain}: {string.Join(" ", dmarc.Invalid)}"
                : $"No DMARC record at _dmarc.{domain} or at any parent domain.";
            return ([Finding(PostureCheckIds.DmarcRecord, CheckStatus.Fail, CheckSeverity.High, summary, DmarcExplanation, evidence, $"Publish {suggested}")], false);
        }

        var own = dmarc.PolicyDomain == domain;
        var checks = new List<CheckResult>
        {
            Finding(
                PostureCheckIds.DmarcRecord,
                CheckStatus.Pass,
                CheckSeverity.Info,
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
                record.PolicyPresent ? $"The policy for {domain} is none: forged mail is only reported, not stopped." : "The record has no p= tag, so receivers apply none: forged mail is only reported.",
                DmarcExplanation,
                [record.Text],
                $"Move to enforcement once the aggregate reports show all legitimate mail aligned (p=quarantine first if unsure): {recordName}. IN TXT \"{Recommended(record, dmarc.PolicyDomain!)}\"")
            : Finding(PostureCheckIds.DmarcPolicy, CheckStatus.Pass, CheckSeverity.Info, $"The policy for {domain} is {policyText}.", DmarcExplanation, [record.Text], null));

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
                $"{string.Join(" and ", weaker)} is weaker than p={record.Policy.ToString().ToLowerInvariant()}: spammers forge subdomains (or names that do not exist) instead.",
                DmarcExplanation + " sp= governs existing subdomains and np= (RFC 9989) names that do not exist.",
                [record.Text],
                $"Remove sp=/np= so subdomains get p: {recordName}. IN TXT \"{ReplaceTag(ReplaceTag(record.Text, "sp", null), "np", null)}\"")
            : Finding(PostureCheckIds.DmarcSubdomainPolicy, CheckStatus.Pass, CheckSeverity.Info, "Subdomains and non-existent names get a policy at least as strict as p.", DmarcExplanation, [record.Text], null));

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
                Sentence(partial),
                DmarcExplanation + " A partial or testing policy lets part of the forged mail through.",
                [record.Text],
                $"Apply the policy to all mail: {recordName}. IN TXT \"{ReplaceTag(ReplaceTag(record.Text, "pct", null), "t", null)}\"")
            : Finding(PostureCheckIds.DmarcPct, CheckStatus.Pass, CheckSeverity.Info, "The policy applies to all failing mail.", DmarcExplanation, [record.Text], null));

        var enforcing = effective != DmarcPolicy.None && partial.Count == 0;
        return (checks, enforcing);
    }

    private async Task<CheckResult> RuaCheckAsync(DmarcDiscoveryResult dmarc, DmarcRecord record, string recordName, CancellationToken cancellationToken)
    {
        var explanation = "Aggregate reports (rua=) show who sends mail in the domain's name: they are how forged mail and broken legitimate senders are found before enforcing.";
        var fix = $"{recordName}. IN TXT \"{ReplaceTag(record.Text, "rua", $"mailto:dmarc-reports@{dmarc.PolicyDomain}")}\"";
        if (record.AggregateReportUris.Count == 0)
        {
            return Finding(PostureCheckIds.DmarcRua, CheckStatus.Warn, CheckSeverity.Low, "The record has no rua= address, so nobody receives aggregate reports.", explanation, [record.Text], fix);
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
                return Finding(PostureCheckIds.DmarcRua, CheckStatus.Error, CheckSeverity.Low, $"The consent record {consent} could not be looked up: {answer.Describe()}", explanation, evidence, null);
            }

            if (!answer.RecordsOf<TxtRecord>().Any(r => DmarcRecord.LooksLikeDmarc(r.Text)))
            {
                problems.Add($"The report domain {target} has not authorized reports for {dmarc.PolicyDomain} (no v=DMARC1 at {consent}), so receivers drop them");
            }
        }

        return problems.Count > 0
            ? Finding(PostureCheckIds.DmarcRua, CheckStatus.Warn, CheckSeverity.Low, Sentence(problems), explanation, evidence, fix)
            : Finding(PostureCheckIds.DmarcRua, CheckStatus.Pass, CheckSeverity.Info, $"Aggregate reports go to {string.Join(", ", record.AggregateReportUris)}.", explanation, evidence, null);
    }

    /// <summary>The record to aim for: reject, reports kept or added, no weakening tags, other tags (adkim, aspf, ruf, fo) kept.</summary>
    private static string Recommended(DmarcRecord record, string policyDomain)
    {
        var rua = record.Tags.TryGetValue("rua", out var existing) && existing.Length > 0 ? existing : $"mailto:dmarc-reports@{policyDomain}";
        var kept = record.Tags.Where(t => t.Key is not ("v" or "p" or "sp" or "np" or "pct" or "t" or "rua")).Select(t => $"{t.Key}={t.Value}");
        return string.Join("; ", new[] { "v=DMARC1", "p=reject", $"rua={rua}" }.Concat(kept));
    }


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
}
