using System.Net;
using BackscatterConsole.Domain.Names;
using BackscatterConsole.Domain.Posture;
using BackscatterConsole.Domain.Spf;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Posture;
using BackscatterConsole.Shared.Servers;

namespace BackscatterConsole.Server.Posture;

internal sealed class PostureService(DomainPostureChecker checker, SpfEvaluator spf, IServerInventory inventory) : IPostureService
{
    private const int MaxSelectors = 20;

    // Domains of one server are checked a few at a time: enough to hide DNS latency, not enough to flood the resolver.
    private const int ServerDomainParallelism = 4;

    public async Task<OperationResult<DomainPostureReport>> CheckDomainAsync(DnsCheckInput input, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var domain = ValidateDomain(input.Domain, "domain", errors);
        var selectors = new List<string>();
        var selectorInputs = input.DkimSelectors ?? [];
        if (selectorInputs.Count > MaxSelectors)
        {
            errors["dkimSelectors"] = [$"{selectorInputs.Count} selectors given; at most {MaxSelectors}."];
        }
        else
        {
            foreach (var selector in selectorInputs.Where(s => !string.IsNullOrWhiteSpace(s)))
            {
                if (HostName.TryNormalize(selector, out var normalized, out var error, allowUnderscore: true))
                {
                    selectors.Add(normalized);
                }
                else
                {
                    errors["dkimSelectors"] = [$"'{selector}' is not a valid DKIM selector: {error}"];
                }
            }
        }

        if (errors.Count > 0)
        {
            return OperationResult<DomainPostureReport>.From(OperationResult.Invalid(errors));
        }

        return OperationResult<DomainPostureReport>.Ok(await checker.CheckAsync(domain!, selectors.Distinct(StringComparer.Ordinal), cancellationToken));
    }

    public async Task<OperationResult<SpfTestResult>> EvaluateSpfAsync(SpfTestInput input, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var domain = ValidateDomain(input.Domain, "domain", errors);
        IPAddress? ip = null;
        if (string.IsNullOrWhiteSpace(input.Ip))
        {
            errors["ip"] = ["The client IP address is required."];
        }
        else if (!HostName.IsIpAddress(input.Ip) || !IPAddress.TryParse(input.Ip.Trim(), out ip))
        {
            errors["ip"] = [$"'{input.Ip}' is not an IPv4 or IPv6 address."];
        }

        var sender = string.IsNullOrWhiteSpace(input.Sender) ? null : input.Sender.Trim();
        if (sender is not null)
        {
            var at = sender.LastIndexOf('@');
            if (at <= 0 || at > 64 || sender.Length > 320 || sender.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is '<' or '>'))
            {
                errors["sender"] = [$"'{sender}' is not an envelope sender of the form local-part@domain."];
            }
        }

        var helo = string.IsNullOrWhiteSpace(input.Helo) ? null : ValidateDomain(input.Helo, "helo", errors);
        if (errors.Count > 0)
        {
            return OperationResult<SpfTestResult>.From(OperationResult.Invalid(errors));
        }

        sender ??= "postmaster@" + domain;
        var evaluation = await spf.CheckHostAsync(ip!, domain!, sender, helo ?? domain, cancellationToken);
        return OperationResult<SpfTestResult>.Ok(new SpfTestResult(
            domain!,
            ip!.ToString(),
            sender,
            SpfResultNames.Of(evaluation.Result),
            evaluation.Explanation,
            evaluation.Lookups,
            evaluation.VoidLookups,
            evaluation.Trace,
            evaluation.Tree,
            evaluation.Problem,
            evaluation.MatchedTerm));
    }

    public async Task<OperationResult<IReadOnlyList<DomainPostureReport>>> CheckServerDomainsAsync(Guid serverId, CancellationToken cancellationToken)
    {
        var server = await inventory.GetAsync(serverId, cancellationToken);
        if (server is null)
        {
            return new(OperationStatus.NotFound, null, $"No server has the id {serverId}.");
        }

        var reports = new DomainPostureReport[server.Domains.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, server.Domains.Count),
            new ParallelOptions { MaxDegreeOfParallelism = ServerDomainParallelism, CancellationToken = cancellationToken },
            async (i, ct) => reports[i] = await checker.CheckAsync(server.Domains[i].Name, server.Domains[i].DkimSelectors, ct));
        return OperationResult<IReadOnlyList<DomainPostureReport>>.Ok(reports);
    }

    private static string? ValidateDomain(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = ["A domain name is required."];
            return null;
        }

        if (!HostName.TryNormalize(value, out var normalized, out var error))
        {
            errors[field] = [$"'{value}' is not a valid domain name: {error}"];
            return null;
        }

        return normalized;
    }
}

/// <summary>RFC 7208 result names as the API spells them.</summary>
internal static class SpfResultNames
{
    public static string Of(SpfResult result) => result.ToString().ToLowerInvariant();
}
