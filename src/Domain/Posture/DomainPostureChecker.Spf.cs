using BackscatterConsole.Domain.Spf;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Posture;

namespace BackscatterConsole.Domain.Posture;

public sealed partial class DomainPostureChecker
{
    private static IEnumerable<CheckResult> SpfChecks(string domain, SpfEvaluation spf, bool dmarcEnforcing, bool hasMx)
    {
        var evidence = spf.Trace;
        var suggested = $"{domain}. IN TXT \"{(hasMx ? "v=spf1 mx -all" : "v=spf1 -all")}\"";
        if (spf.Result == SpfResult.TempError)
        {
            var reason = $"The SPF policy could not be read: {spf.Problem}";
            foreach (var id in new[] { PostureCheckIds.SpfRecord, PostureCheckIds.SpfAll, PostureCheckIds.SpfLookups, PostureCheckIds.SpfPtr })
            {
                yield return Finding(id, CheckStatus.Error, CheckSeverity.Medium, reason, SpfExplanation, evidence, "Check again later; if it persists, fix the authoritative DNS servers of the domain or of the included domains.");
            }

            yield break;
        }

        if (spf.ProblemKind == SpfProblemKind.NoRecord)
        {
            yield return Finding(
                PostureCheckIds.SpfRecord,
                CheckStatus.Fail,
                CheckSeverity.High,
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
                $"The SPF policy is a permerror: {spf.Problem}",
                SpfExplanation + " A permerror makes receivers ignore the policy, as if none were published.",
                evidence,
                spf.ProblemKind == SpfProblemKind.MultipleRecords
                    ? $"Merge the records into one: {suggested}"
                    : $"Fix the record so that it follows RFC 7208 and every include/redirect target publishes a record, for example {suggested}")
            : Finding(PostureCheckIds.SpfRecord, CheckStatus.Pass, CheckSeverity.Info, $"{domain} publishes one valid SPF record: \"{spf.Tree.Record}\".", SpfExplanation, evidence, null);

        var limitHit = spf.ProblemKind is SpfProblemKind.LookupLimit or SpfProblemKind.VoidLimit or SpfProblemKind.MxLimit;
        yield return AllCheck(domain, spf, dmarcEnforcing, evidence, suggested, recordBroken || limitHit);
        yield return limitHit
            ? Finding(
                PostureCheckIds.SpfLookups,
                CheckStatus.Fail,
                CheckSeverity.High,
                $"The policy exceeds the RFC 7208 processing limits: {spf.Problem}",
                SpfExplanation + " Past 10 DNS-querying terms (include, a, mx, ptr, exists, redirect) or 2 void lookups, receivers return permerror and ignore the policy.",
                TreeLines(spf.Tree).Concat(evidence),
                "Remove includes that are no longer used, replace a/mx terms by ip4/ip6 ranges, and remove terms pointing at names that do not exist, until the tree needs at most 10 lookups.")
            : Finding(PostureCheckIds.SpfLookups, CheckStatus.Pass, CheckSeverity.Info, $"The policy needs {spf.Lookups} of 10 DNS-querying terms and {spf.VoidLookups} of 2 void lookups.", SpfExplanation, TreeLines(spf.Tree), null);


        var ptrUsers = PtrUsers(spf.Tree).ToList();
        yield return ptrUsers.Count > 0
            ? Finding(
                PostureCheckIds.SpfPtr,
                CheckStatus.Warn,
                CheckSeverity.Low,
                $"The policy uses the deprecated ptr mechanism ({string.Join(", ", ptrUsers)}).",
                "RFC 7208 §5.5 says ptr SHOULD NOT be used: it is slow, puts load on the reverse DNS of others, and some receivers skip it, so mail relying on it may fail.",
                ptrUsers,
                "Replace ptr with ip4:/ip6: ranges or a: terms naming the sending hosts.")
            : Finding(PostureCheckIds.SpfPtr, CheckStatus.Pass, CheckSeverity.Info, "The policy does not use ptr.", "RFC 7208 §5.5 deprecates ptr.", [], null);
    }

    private static CheckResult AllCheck(string domain, SpfEvaluation spf, bool dmarcEnforcing, IReadOnlyList<string> evidence, string suggested, bool broken)
    {
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
            return Finding(PostureCheckIds.SpfAll, CheckStatus.Fail, CheckSeverity.High, "Senders not listed get permerror, which receivers treat like having no SPF policy.", SpfExplanation, evidence, fix);
        }

        return spf.Result switch
        {
            SpfResult.Fail => Finding(PostureCheckIds.SpfAll, CheckStatus.Pass, CheckSeverity.Info, "Hosts not listed get fail (-all).", SpfExplanation, evidence, null),
            SpfResult.SoftFail when dmarcEnforcing => Finding(
                PostureCheckIds.SpfAll,
                CheckStatus.Warn,
                CheckSeverity.Low,
                "Hosts not listed get softfail (~all); tolerable because an enforcing DMARC policy rejects or quarantines unaligned mail.",
                SpfExplanation + " Softfail alone asks receivers to accept forged mail; the DMARC policy is what stops it here.",
                evidence,
                fix),
            SpfResult.SoftFail => Finding(
                PostureCheckIds.SpfAll,
                CheckStatus.Warn,
                CheckSeverity.Medium,
                "Hosts not listed get softfail (~all) and no enforcing DMARC policy backs it, so forged mail is usually accepted.",
                SpfExplanation + " Softfail is tolerable only behind a DMARC policy of quarantine or reject.",
                evidence,
                fix + " — or publish an enforcing DMARC policy (p=quarantine or p=reject)."),
            SpfResult.Neutral => Finding(
                PostureCheckIds.SpfAll,
                CheckStatus.Warn,
                CheckSeverity.Medium,
                "Hosts not listed get neutral (?all or no all term): the policy says nothing about forged senders.",
                SpfExplanation,
                evidence,
                fix),
            SpfResult.Pass => Finding(
                PostureCheckIds.SpfAll,
                CheckStatus.Fail,
                CheckSeverity.Critical,
                $"Every host on the Internet passes SPF for {domain} (+all{(spf.MatchedTerm is { } t && !t.EndsWith("all", StringComparison.OrdinalIgnoreCase) ? $", via {t}" : string.Empty)}).",
                SpfExplanation + " A policy that passes everybody is worse than none: forged mail even carries an SPF pass.",
                evidence,
                fix),
            _ => Finding(PostureCheckIds.SpfAll, CheckStatus.Fail, CheckSeverity.High, $"The policy ends in {spf.Result.ToRfcString()}: {spf.Problem}", SpfExplanation, evidence, fix),
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
}
