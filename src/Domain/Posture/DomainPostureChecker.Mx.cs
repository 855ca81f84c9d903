using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Posture;

namespace BackscatterConsole.Domain.Posture;

public sealed partial class DomainPostureChecker
{
    private async Task<(List<CheckResult> Checks, bool HasMx)> CheckMxAsync(string domain, CancellationToken cancellationToken)
    {
        var fix = $"{domain}. IN MX 10 mail.{domain}. (and an A/AAAA record for mail.{domain})";
        var answer = await _resolver.QueryAsync(domain, DnsRecordType.MX, cancellationToken).ConfigureAwait(false);
        var evidence = new List<string> { $"{domain} MX → {answer.Describe()}" };
        if (answer.IsTemporaryFailure || answer.Status == DnsResponseStatus.CnameLoop)
        {
            var reason = $"The MX records could not be looked up: {answer.Describe()}";
            return ([
                Finding(PostureCheckIds.MxRecords, CheckStatus.Error, CheckSeverity.Medium, reason, MxExplanation, evidence, null),
                Finding(PostureCheckIds.MxResolvable, CheckStatus.Error, CheckSeverity.Medium, reason, MxExplanation, evidence, null),
            ], false);
        }

        var exchangers = answer.RecordsOf<MxRecord>().OrderBy(m => m.Preference).ToList();
        if (exchangers.Count == 0)
        {
            var summary = answer.Status == DnsResponseStatus.NxDomain ? $"{domain} does not exist in DNS." : $"{domain} publishes no MX record.";
            return ([
                Finding(PostureCheckIds.MxRecords, CheckStatus.Fail, CheckSeverity.High, summary, MxExplanation, evidence, $"Publish {fix}"),
                Finding(PostureCheckIds.MxResolvable, CheckStatus.Fail, CheckSeverity.High, "There is no exchanger to resolve.", MxExplanation, evidence, $"Publish {fix}"),
            ], false);
        }

        if (exchangers.Count == 1 && exchangers[0].Exchange.Length == 0)
        {
            const string NullMx = "The domain publishes a null MX (RFC 7505): it declares that it accepts no mail.";
            return ([
                Finding(PostureCheckIds.MxRecords, CheckStatus.Info, CheckSeverity.Info, NullMx, MxExplanation, evidence, null),
                Finding(PostureCheckIds.MxResolvable, CheckStatus.Info, CheckSeverity.Info, NullMx, MxExplanation, evidence, null),
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

        var records = Finding(PostureCheckIds.MxRecords, CheckStatus.Pass, CheckSeverity.Info, $"{domain} publishes {exchangers.Count} MX record(s): {string.Join(", ", exchangers.Select(m => $"{m.Preference} {m.Exchange}"))}.", MxExplanation, evidence, null);
        CheckResult resolved;
        if (resolvable.Count == 0 && temporary.Count > 0)
        {
            resolved = Finding(PostureCheckIds.MxResolvable, CheckStatus.Error, CheckSeverity.Medium, $"The addresses of {string.Join(", ", temporary)} could not be looked up.", MxExplanation, evidence, null);
        }
        else if (resolvable.Count == 0)
        {
            resolved = Finding(PostureCheckIds.MxResolvable, CheckStatus.Fail, CheckSeverity.High, $"No exchanger resolves to an address ({string.Join(", ", unresolvable)}).", MxExplanation, evidence, $"Publish A/AAAA records for the exchangers, or point MX at hosts that have them: {fix}");
        }
        else if (unresolvable.Count + temporary.Count > 0)
        {
            resolved = Finding(PostureCheckIds.MxResolvable, CheckStatus.Warn, CheckSeverity.Low, $"{string.Join(", ", unresolvable.Concat(temporary))} do not resolve; {string.Join(", ", resolvable)} do.", MxExplanation, evidence, "Remove the MX records of hosts that no longer exist, or publish their addresses.");
        }
        else
        {
            resolved = Finding(PostureCheckIds.MxResolvable, CheckStatus.Pass, CheckSeverity.Info, $"Every exchanger resolves ({string.Join(", ", resolvable)}).", MxExplanation, evidence, null);
        }

        return ([records, resolved], true);
    }
}
