using System.Net;
using System.Net.Sockets;
using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Domain.Names;
using BackscatterConsole.Shared.Posture;

namespace BackscatterConsole.Domain.Spf;

/// <summary>
/// RFC 7208 <c>check_host()</c>: evaluates a domain's SPF policy for a client address, with macros, every mechanism and modifier,
/// and the processing limits (10 DNS-querying terms, 2 void lookups, 10 names per mx/ptr).
/// </summary>
public sealed class SpfEvaluator
{
    /// <summary>Address used by <see cref="AuditAsync"/>; from TEST-NET-1, so no real policy should list it.</summary>
    public static readonly IPAddress AuditAddress = IPAddress.Parse("192.0.2.1");

    /// <summary>Trace indents for the usual nesting depths, built once rather than per checked domain.</summary>
    private static readonly string[] Indents = [.. Enumerable.Range(0, 12).Select(d => new string(' ', d * 2))];

    private readonly IDnsResolver _resolver;
    private readonly SpfEvaluatorOptions _options;

    /// <summary>Creates an evaluator.</summary>
    /// <param name="resolver">DNS access.</param>
    /// <param name="options">Limits; RFC defaults when null.</param>
    public SpfEvaluator(IDnsResolver resolver, SpfEvaluatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        _resolver = resolver;
        _options = options ?? new SpfEvaluatorOptions();
    }

    /// <summary>
    /// Checks the MAIL FROM identity: the domain of <paramref name="mailFrom"/>, or the HELO domain with <c>postmaster</c> when the
    /// reverse path is empty (RFC 7208 §2.4).
    /// </summary>
    /// <param name="ip">Client address.</param>
    /// <param name="mailFrom">Reverse path without angle brackets; empty for bounces.</param>
    /// <param name="helo">HELO/EHLO argument.</param>
    /// <param name="cancellationToken">Cancels the evaluation.</param>
    public Task<SpfEvaluation> CheckMailFromAsync(IPAddress ip, string? mailFrom, string helo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(helo);
        var sender = string.IsNullOrEmpty(mailFrom) ? "postmaster@" + helo : mailFrom;
        var at = sender.LastIndexOf('@');
        var domain = at < 0 ? sender : sender[(at + 1)..];
        if (at <= 0)
        {
            sender = "postmaster@" + domain;
        }

        return CheckHostAsync(ip, domain, sender, helo, cancellationToken);
    }

    /// <summary>Runs <c>check_host(ip, domain, sender)</c>.</summary>
    /// <param name="ip">Client address; IPv4-mapped IPv6 addresses count as IPv4.</param>
    /// <param name="domain">Domain whose policy applies.</param>
    /// <param name="sender">The sender, local-part@domain.</param>
    /// <param name="helo">HELO/EHLO domain, for %{h}.</param>
    /// <param name="cancellationToken">Cancels the evaluation.</param>
    public Task<SpfEvaluation> CheckHostAsync(IPAddress ip, string domain, string sender, string? helo = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ip);
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(sender);
        return RunAsync(ip, domain, sender, helo ?? domain, neverMatch: false, cancellationToken);
    }

    /// <summary>
    /// Walks a domain's whole policy as a sender that no term matches, so every reachable include, redirect and lookup is visited.
    /// Used by the posture checks to count lookups and draw the include tree; <c>all</c> still ends evaluation, as it would for mail.
    /// </summary>
    /// <param name="domain">Domain to audit.</param>
    /// <param name="cancellationToken">Cancels the evaluation.</param>
    public Task<SpfEvaluation> AuditAsync(string domain, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return RunAsync(AuditAddress, domain, "postmaster@" + domain, domain, neverMatch: true, cancellationToken);
    }

    private async Task<SpfEvaluation> RunAsync(IPAddress ip, string domain, string sender, string helo, bool neverMatch, CancellationToken cancellationToken)
    {
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        var run = new Run(ip, sender, helo, neverMatch, _options.TimeProvider.GetUtcNow().ToUnixTimeSeconds(), cancellationToken);
        var root = new Node(domain.TrimEnd('.'), "(root)");
        SpfResult result;
        string? explanation = null;
        string? problem = null;
        var kind = SpfProblemKind.None;
        try
        {
            (result, explanation) = await CheckHostAsync(run, root, 0).ConfigureAwait(false);
            problem = root.Error;
            kind = result == SpfResult.None ? SpfProblemKind.NoRecord : SpfProblemKind.None;
        }
        catch (SpfAbort abort)
        {
            result = abort.Result;
            problem = abort.Message;
            kind = abort.Kind;
            run.Trace.Add($"{abort.Result.ToRfcString()}: {abort.Message}");
        }

        run.Trace.Add($"result: {result.ToRfcString()} ({run.Lookups} DNS-querying terms, {run.VoidLookups} void lookups)");
        return new SpfEvaluation(result, result == SpfResult.Fail ? explanation ?? _options.DefaultExplanation : null, run.Lookups, run.VoidLookups, run.Trace, root.ToDto(), problem, run.MatchedTerm, kind);
    }

    private async Task<(SpfResult Result, string? Explanation)> CheckHostAsync(Run run, Node node, int depth)
    {
        var indent = depth < Indents.Length ? Indents[depth] : new string(' ', depth * 2);
        var domain = node.Domain;
        try
        {
            // RFC 7208 §4.3: a malformed or single-label domain gives none, without any lookup.
            if (!IsUsableDomain(domain, out var why))
            {
                node.Error = why;
                run.Trace.Add($"{indent}{domain}: not a usable domain ({why}) → none");
                return node.Finish(SpfResult.None, null);
            }

            var answer = await _resolver.QueryAsync(domain, DnsRecordType.TXT, run.CancellationToken).ConfigureAwait(false);
            if (answer.IsTemporaryFailure || answer.Status == DnsResponseStatus.CnameLoop)
            {
                throw new SpfAbort(SpfResult.TempError, SpfProblemKind.Dns, $"TXT lookup for {domain} failed: {answer.Describe()}");
            }

            var records = new List<string>(1);
            for (var r = 0; r < answer.Records.Count; r++)
            {
                if (answer.Records[r] is TxtRecord { Text: var text } && SpfRecord.IsSpfRecord(text))
                {
                    records.Add(text);
                }
            }

            if (records.Count == 0)
            {
                node.Error = answer.Status == DnsResponseStatus.Success ? $"{domain} publishes no v=spf1 record." : $"{domain}: {answer.Describe()}";
                run.Trace.Add($"{indent}{domain}: no SPF record ({answer.Describe()}) → none");
                return node.Finish(SpfResult.None, null);
            }

            if (records.Count > 1)
            {
                node.Record = string.Join(" | ", records);
                throw new SpfAbort(SpfResult.PermError, SpfProblemKind.MultipleRecords, $"{domain} publishes {records.Count} v=spf1 records; exactly one is allowed (RFC 7208 §4.5).");
            }

            node.Record = records[0];
            run.Trace.Add($"{indent}{domain}: \"{records[0]}\"");
            if (!SpfRecord.TryParseCached(records[0], out var record, out var syntaxError))
            {
                throw new SpfAbort(SpfResult.PermError, SpfProblemKind.Syntax, $"{domain}: {syntaxError}");
            }

            return await EvaluateAsync(run, node, record!, depth, indent).ConfigureAwait(false);
        }
        catch (SpfAbort abort)
        {
            node.Error ??= abort.Message;
            node.Finish(abort.Result, null);
            throw;
        }
    }

    private async Task<(SpfResult Result, string? Explanation)> EvaluateAsync(Run run, Node node, SpfRecord record, int depth, string indent)
    {
        var context = run.MacroContext(node.Domain, _options.ReceivingDomain);
        var mechanisms = record.Mechanisms;
        for (var m = 0; m < mechanisms.Count; m++)
        {
            var mechanism = mechanisms[m];
            if (mechanism.QueriesDns)
            {
                CountLookup(run, node, mechanism.Text);
            }

            var matched = await MatchAsync(run, node, mechanism, context, depth).ConfigureAwait(false);
            run.Trace.Add($"{indent}  {mechanism.Text} → {(matched ? "match" : "no match")}");
            if (!matched)
            {
                continue;
            }

            if (depth == 0)
            {
                run.MatchedTerm = mechanism.Text;
            }

            string? explanation = null;
            if (mechanism.Qualifier == SpfResult.Fail && record.Exp is { } exp && !run.NeverMatch)
            {
                explanation = await ExplainAsync(run, exp, context).ConfigureAwait(false);
            }

            return node.Finish(mechanism.Qualifier, explanation);
        }

        // RFC 7208 §6.1: redirect applies only when no mechanism matched; a record with "all" never gets here.
        if (record.Redirect is { } redirect)
        {
            CountLookup(run, node, "redirect=" + redirect);
            var target = await ExpandDomainAsync(run, redirect, context).ConfigureAwait(false);
            var child = node.Add(new Node(target, "redirect=" + redirect));
            run.Trace.Add($"{indent}  redirect={target}");
            var (result, explanation) = await CheckHostAsync(run, child, depth + 1).ConfigureAwait(false);
            if (result == SpfResult.None)
            {
                throw new SpfAbort(SpfResult.PermError, SpfProblemKind.MissingTarget, $"redirect={target}: the target publishes no SPF record.");
            }

            return node.Finish(result, explanation);
        }

        return node.Finish(SpfResult.Neutral, null);
    }

    private async Task<bool> MatchAsync(Run run, Node node, SpfMechanism mechanism, SpfMacroContext context, int depth)
    {
        var ip = run.Ip;
        var v4 = ip.AddressFamily == AddressFamily.InterNetwork;
        switch (mechanism.Kind)
        {
            case SpfMechanismKind.All:
                return true;
            case SpfMechanismKind.Ip4:
                return !run.NeverMatch && v4 && InNetwork(ip, mechanism.Network!, mechanism.Cidr4);
            case SpfMechanismKind.Ip6:
                return !run.NeverMatch && !v4 && InNetwork(ip, mechanism.Network!, mechanism.Cidr6);
            case SpfMechanismKind.A:
                {
                    var target = await TargetAsync(run, mechanism, context).ConfigureAwait(false);
                    var addresses = await AddressesAsync(run, node, target, v4 ? DnsRecordType.A : DnsRecordType.AAAA, strict: true).ConfigureAwait(false);
                    return !run.NeverMatch && AnyInNetwork(ip, addresses, v4 ? mechanism.Cidr4 : mechanism.Cidr6);
                }

            case SpfMechanismKind.Mx:
                {
                    var target = await TargetAsync(run, mechanism, context).ConfigureAwait(false);
                    var answer = await LookupAsync(run, node, target, DnsRecordType.MX, strict: true).ConfigureAwait(false);
                    var exchangers = answer.RecordsOf<MxRecord>().OrderBy(m => m.Preference).ToList();
                    if (exchangers.Count > _options.MaxAddressLookupsPerTerm)
                    {
                        throw new SpfAbort(SpfResult.PermError, SpfProblemKind.MxLimit, $"{mechanism.Text}: {target} has {exchangers.Count} MX records; at most {_options.MaxAddressLookupsPerTerm} may be looked up (RFC 7208 §4.6.4).");
                    }

                    foreach (var mx in exchangers.Where(m => m.Exchange.Length > 0))
                    {
                        var addresses = await AddressesAsync(run, node, mx.Exchange, v4 ? DnsRecordType.A : DnsRecordType.AAAA, strict: true).ConfigureAwait(false);
                        if (!run.NeverMatch && AnyInNetwork(ip, addresses, v4 ? mechanism.Cidr4 : mechanism.Cidr6))
                        {
                            return true;
                        }
                    }

                    return false;
                }

            case SpfMechanismKind.Ptr:
                {
                    var target = await TargetAsync(run, mechanism, context).ConfigureAwait(false);
                    var names = await ValidatedNamesAsync(run, node, countVoid: true).ConfigureAwait(false);
                    return !run.NeverMatch && AnySameOrSubdomain(names, target);
                }

            case SpfMechanismKind.Exists:
                {
                    var target = await TargetAsync(run, mechanism, context).ConfigureAwait(false);
                    var addresses = await AddressesAsync(run, node, target, DnsRecordType.A, strict: true).ConfigureAwait(false);
                    return !run.NeverMatch && addresses.Count > 0;
                }

            case SpfMechanismKind.Include:
                {
                    var target = await TargetAsync(run, mechanism, context).ConfigureAwait(false);
                    var child = node.Add(new Node(target, mechanism.Text));
                    var (result, _) = await CheckHostAsync(run, child, depth + 1).ConfigureAwait(false);
                    return result switch
                    {
                        SpfResult.Pass => true,
                        SpfResult.None => throw new SpfAbort(SpfResult.PermError, SpfProblemKind.MissingTarget, $"{mechanism.Text}: {target} publishes no SPF record (RFC 7208 §5.2)."),
                        _ => false,
                    };
                }

            default:
                return false;
        }
    }

    private void CountLookup(Run run, Node node, string term)
    {
        run.Lookups++;
        node.Lookups++;
        if (run.Lookups > _options.MaxDnsLookups)
        {
            throw new SpfAbort(SpfResult.PermError, SpfProblemKind.LookupLimit, $"{term}: more than {_options.MaxDnsLookups} DNS-querying terms (RFC 7208 §4.6.4).");
        }
    }

    private ValueTask<string> TargetAsync(Run run, SpfMechanism mechanism, SpfMacroContext context) =>
        mechanism.DomainSpec is null ? new(context.Domain) : ExpandDomainAsync(run, mechanism.DomainSpec, context);

    /// <summary>Expands a domain-spec; one without '%' has no macro, so it is its own expansion and needs no builder or task.</summary>
    private ValueTask<string> ExpandDomainAsync(Run run, string spec, SpfMacroContext context) =>
        spec.Contains('%', StringComparison.Ordinal) ? new(ExpandMacroDomainAsync(run, spec, context)) : new(FitDomain(spec));

    private async Task<string> ExpandMacroDomainAsync(Run run, string spec, SpfMacroContext context) =>
        FitDomain(await SpfMacro.ExpandAsync(spec, context, explanation: false, () => ValidatedDomainAsync(run, context.Domain)).ConfigureAwait(false));

    private static string FitDomain(string expanded)
    {
        expanded = expanded.TrimEnd('.');

        // RFC 7208 §7.3: drop labels from the left until the name fits in 253 octets.
        while (expanded.Length > HostName.MaxLength)
        {
            var dot = expanded.IndexOf('.', StringComparison.Ordinal);
            expanded = dot < 0 ? string.Empty : expanded[(dot + 1)..];
        }

        return expanded;
    }

    private async Task<string?> ExplainAsync(Run run, string exp, SpfMacroContext context)
    {
        try
        {
            var target = await ExpandDomainAsync(run, exp, context).ConfigureAwait(false);
            var answer = await _resolver.QueryAsync(target, DnsRecordType.TXT, run.CancellationToken).ConfigureAwait(false);
            var texts = answer.RecordsOf<TxtRecord>().ToList();

            // RFC 7208 §6.2: errors, no record, several records or a bad macro all mean "as if there were no exp=".
            if (texts.Count != 1)
            {
                return null;
            }

            var text = texts[0].Text;
            if (text.AsSpan().IndexOfAnyExceptInRange(' ', '~') >= 0)
            {
                return null;
            }

            SpfMacro.Validate(text, allowExplanationLetters: true, "exp");
            return await SpfMacro.ExpandAsync(text, context, explanation: true, () => ValidatedDomainAsync(run, context.Domain)).ConfigureAwait(false);
        }
        catch (SpfSyntaxException)
        {
            return null;
        }
    }

    private async Task<DnsAnswer> LookupAsync(Run run, Node node, string name, DnsRecordType type, bool strict)
    {
        var answer = await _resolver.QueryAsync(name, type, run.CancellationToken).ConfigureAwait(false);
        if (answer.IsTemporaryFailure)
        {
            if (strict)
            {
                throw new SpfAbort(SpfResult.TempError, SpfProblemKind.Dns, $"{type} lookup for {name} failed: {answer.Describe()}");
            }

            return answer;
        }

        if (answer.Status != DnsResponseStatus.Success || answer.Records.Count == 0)
        {
            run.VoidLookups++;
            node.VoidLookups++;
            if (run.VoidLookups > _options.MaxVoidLookups)
            {
                throw new SpfAbort(SpfResult.PermError, SpfProblemKind.VoidLimit, $"{type} lookup for {name} returned nothing: more than {_options.MaxVoidLookups} void lookups (RFC 7208 §4.6.4).");
            }
        }

        return answer;
    }

    private async Task<List<IPAddress>> AddressesAsync(Run run, Node node, string name, DnsRecordType type, bool strict)
    {
        var answer = await LookupAsync(run, node, name, type, strict).ConfigureAwait(false);
        var addresses = new List<IPAddress>(answer.Records.Count);
        for (var r = 0; r < answer.Records.Count; r++)
        {
            if (answer.Records[r] is AddressRecord address)
            {
                addresses.Add(address.Address);
            }
        }

        return addresses;
    }

    /// <summary>PTR names of the client that resolve back to it (RFC 7208 §5.5); DNS errors skip a name rather than fail.</summary>
    private async Task<IReadOnlyList<string>> ValidatedNamesAsync(Run run, Node? node, bool countVoid)
    {
        if (run.ValidatedNames is { } known)
        {
            return known;
        }

        var reverse = ReverseName(run.Ip);
        var ptr = node is not null && countVoid
            ? await LookupAsync(run, node, reverse, DnsRecordType.PTR, strict: false).ConfigureAwait(false)
            : await _resolver.QueryAsync(reverse, DnsRecordType.PTR, run.CancellationToken).ConfigureAwait(false);
        var validated = new List<string>();
        var family = run.Ip.AddressFamily == AddressFamily.InterNetwork ? DnsRecordType.A : DnsRecordType.AAAA;
        foreach (var name in ptr.RecordsOf<NameRecord>().Select(r => r.Target).Take(_options.MaxAddressLookupsPerTerm))
        {
            var forward = await _resolver.QueryAsync(name, family, run.CancellationToken).ConfigureAwait(false);
            if (forward.RecordsOf<AddressRecord>().Any(a => a.Address.Equals(run.Ip)))
            {
                validated.Add(name);
            }
        }

        run.ValidatedNames = validated;
        return validated;
    }

    private async Task<string> ValidatedDomainAsync(Run run, string domain)
    {
        var names = await ValidatedNamesAsync(run, null, countVoid: false).ConfigureAwait(false);
        return names.FirstOrDefault(n => string.Equals(n, domain, StringComparison.OrdinalIgnoreCase))
            ?? names.FirstOrDefault(n => IsSameOrSubdomain(n, domain))
            ?? names.FirstOrDefault()
            ?? "unknown";
    }

    /// <summary>Loops instead of lambdas: a lambda capturing the client address made every MatchAsync call allocate a closure.</summary>
    private static bool AnyInNetwork(IPAddress ip, List<IPAddress> addresses, int prefix)
    {
        foreach (var address in addresses)
        {
            if (InNetwork(ip, address, prefix))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AnySameOrSubdomain(IReadOnlyList<string> names, string target)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (IsSameOrSubdomain(names[i], target))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsSameOrSubdomain(string name, string domain)
    {
        name = name.TrimEnd('.');
        domain = domain.TrimEnd('.');
        return string.Equals(name, domain, StringComparison.OrdinalIgnoreCase)
            || name.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The in-addr.arpa or ip6.arpa name of an address.</summary>
    /// <param name="ip">The address.</param>
    public static string ReverseName(IPAddress ip)
    {
        ArgumentNullException.ThrowIfNull(ip);
        var parts = SpfMacro.DottedAddress(ip).ToLowerInvariant().Split('.');
        Array.Reverse(parts);
        return string.Join('.', parts) + (ip.AddressFamily == AddressFamily.InterNetwork ? ".in-addr.arpa" : ".ip6.arpa");
    }

    private static bool InNetwork(IPAddress ip, IPAddress network, int prefix)
    {
        if (network.IsIPv4MappedToIPv6)
        {
            network = network.MapToIPv4();
        }

        if (ip.AddressFamily != network.AddressFamily)
        {
            return false;
        }

        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        ip.TryWriteBytes(a, out _);
        network.TryWriteBytes(b, out _);
        var full = prefix / 8;
        for (var i = 0; i < full; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
        }

        var bits = prefix % 8;
        if (bits == 0)
        {
            return true;
        }

        var mask = (byte)(0xFF << (8 - bits));
        return (a[full] & mask) == (b[full] & mask);
    }

    private static bool IsUsableDomain(string domain, out string why)
    {
        if (domain.StartsWith('['))
        {
            why = "an address literal has no SPF policy";
            return false;
        }

        if (!HostName.TryNormalizeQueryName(domain, out var normalized, out why))
        {
            return false;
        }

        if (!normalized.Contains('.', StringComparison.Ordinal))
        {
            why = "a single-label name has no SPF policy";
            return false;
        }

        return true;
    }

    private sealed class SpfAbort(SpfResult result, SpfProblemKind kind, string message) : Exception(message)
    {
        public SpfResult Result { get; } = result;

        public SpfProblemKind Kind { get; } = kind;
    }

    private sealed class Run(IPAddress ip, string sender, string helo, bool neverMatch, long timestamp, CancellationToken cancellationToken)
    {
        public IPAddress Ip { get; } = ip;

        public bool NeverMatch { get; } = neverMatch;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public List<string> Trace { get; } = [];

        public int Lookups { get; set; }

        public int VoidLookups { get; set; }

        public string? MatchedTerm { get; set; }

        public IReadOnlyList<string>? ValidatedNames { get; set; }

        public SpfMacroContext MacroContext(string domain, string receivingDomain) =>
            new(sender, domain, Ip, helo, receivingDomain, timestamp);
    }

    private sealed class Node(string domain, string term)
    {
        private readonly List<Node> _children = [];

        public string Domain { get; } = domain;

        public string? Record { get; set; }

        public SpfResult? Result { get; private set; }

        public int Lookups { get; set; }

        public int VoidLookups { get; set; }

        public string? Error { get; set; }

        public Node Add(Node child)
        {
            _children.Add(child);
            return child;
        }

        public (SpfResult, string?) Finish(SpfResult result, string? explanation)
        {
            Result ??= result;
            return (result, explanation);
        }

        public SpfTreeNode ToDto()
        {
            var children = new List<SpfTreeNode>(_children.Count);
            var total = Lookups;
            foreach (var child in _children)
            {
                var dto = child.ToDto();
                children.Add(dto);
                total += dto.TotalLookups;
            }

            return new SpfTreeNode(Domain, term, Record, (Result ?? SpfResult.None).ToRfcString(), Lookups, total, VoidLookups, Error, children);
        }
    }
}
