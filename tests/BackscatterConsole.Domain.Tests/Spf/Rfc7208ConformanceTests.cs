using System.IO.Compression;
using System.Net;
using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Domain.Spf;
using BackscatterConsole.Domain.Tests.Fixtures;
using YamlDotNet.RepresentationModel;

namespace BackscatterConsole.Domain.Tests.Spf;

/// <summary>
/// Runs the openspf.org RFC 7208 test suite shipped by Debian's python3-spf against <see cref="SpfEvaluator"/> on an in-memory zone.
/// Zone conventions follow the suite's reference driver (testspf.py): SPF-type data doubles as TXT when a name lists no TXT,
/// <c>TXT: NONE</c> means "no TXT", and <c>TIMEOUT</c> times out the types not listed before it.
/// </summary>
public sealed class Rfc7208ConformanceTests
{
    public const string SuitePath = "/usr/share/doc/python3-spf/rfc7208-tests.yml.gz";

    internal static readonly Lazy<Dictionary<string, SuiteCase>> Cases = new(Load);

    public static TheoryData<string> CaseIds()
    {
        var data = new TheoryData<string>();
        foreach (var id in Cases.Value.Keys.Order(StringComparer.Ordinal))
        {
            data.Add(id);
        }

        return data;
    }

    [Fact]
    public void Suite_Loaded_Has203Cases()
    {
        Assert.Equal(203, Cases.Value.Count);
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public async Task CheckHost_SuiteCase_GivesExpectedResult(string caseId)
    {
        var suiteCase = Cases.Value[caseId];
        var evaluator = new SpfEvaluator(suiteCase.Zone, new SpfEvaluatorOptions { DefaultExplanation = "DEFAULT" });

        var evaluation = await evaluator.CheckMailFromAsync(IPAddress.Parse(suiteCase.Host), suiteCase.MailFrom, suiteCase.Helo);

        var got = evaluation.Result.ToRfcString();
        Assert.True(
            suiteCase.Results.Contains(got),
            $"{caseId}: expected {string.Join(" or ", suiteCase.Results)}, got {got}. {evaluation.Problem}\n{string.Join('\n', evaluation.Trace)}");
        if (suiteCase.Explanation is not null && got == "fail")
        {
            Assert.Equal(suiteCase.Explanation, evaluation.Explanation);
        }
    }

    private static Dictionary<string, SuiteCase> Load()
    {
        if (!File.Exists(SuitePath))
        {
            throw new InvalidOperationException($"The RFC 7208 suite is missing at {SuitePath}: install the Debian package python3-spf.");
        }

        using var file = File.OpenRead(SuitePath);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var stream = new YamlStream();
        stream.Load(reader);
        var cases = new Dictionary<string, SuiteCase>(StringComparer.Ordinal);
        foreach (var document in stream.Documents)
        {
            var root = (YamlMappingNode)document.RootNode;
            var zone = LoadZone((YamlMappingNode)root.Children[new YamlScalarNode("zonedata")]);
            var tests = (YamlMappingNode)root.Children[new YamlScalarNode("tests")];
            foreach (var (key, value) in tests.Children)
            {
                var test = (YamlMappingNode)value;
                string Scalar(string name) => ((YamlScalarNode)test.Children[new YamlScalarNode(name)]).Value ?? string.Empty;
                var resultNode = test.Children[new YamlScalarNode("result")];
                var results = resultNode is YamlSequenceNode list
                    ? list.Children.Select(r => ((YamlScalarNode)r).Value!).ToHashSet()
                    : [((YamlScalarNode)resultNode).Value!];
                test.Children.TryGetValue(new YamlScalarNode("explanation"), out var explanation);
                var id = ((YamlScalarNode)key).Value!;
                cases.Add(id, new SuiteCase(Scalar("host"), Scalar("mailfrom"), Scalar("helo"), results, (explanation as YamlScalarNode)?.Value, zone));
            }
        }

        return cases;
    }

    private static InMemoryDnsResolver LoadZone(YamlMappingNode zonedata)
    {
        var zone = new InMemoryDnsResolver { TimeoutPrefix = "error." };
        foreach (var (nameNode, entriesNode) in zonedata.Children)
        {
            var name = ((YamlScalarNode)nameNode).Value!;
            zone.Exists(name);
            var entries = ((YamlSequenceNode)entriesNode).Children;
            var hasTxt = entries.OfType<YamlMappingNode>().Any(e => e.Children.Keys.Any(k => ((YamlScalarNode)k).Value == "TXT"));
            var generated = new List<DnsRecord>();
            foreach (var entry in entries)
            {
                if (entry is YamlScalarNode { Value: "TIMEOUT" })
                {
                    zone.Timeout(name);
                    continue;
                }

                foreach (var (typeNode, valueNode) in ((YamlMappingNode)entry).Children)
                {
                    var type = ((YamlScalarNode)typeNode).Value!;
                    switch (type)
                    {
                        case "TXT":
                        case "SPF":
                            {
                                var strings = valueNode is YamlSequenceNode parts
                                    ? parts.Children.Select(p => ((YamlScalarNode)p).Value ?? string.Empty).ToArray()
                                    : [((YamlScalarNode)valueNode).Value ?? string.Empty];
                                if (strings is ["NONE"])
                                {
                                    break;
                                }

                                zone.Add(new TxtRecord(name.ToLowerInvariant(), type == "TXT" ? DnsRecordType.TXT : DnsRecordType.SPF, 300, strings));
                                if (type == "SPF" && !hasTxt)
                                {
                                    generated.Add(new TxtRecord(name.ToLowerInvariant(), DnsRecordType.TXT, 300, strings));
                                }

                                break;
                            }

                        case "A":
                        case "AAAA":
                            zone.A(name, ((YamlScalarNode)valueNode).Value!);
                            break;
                        case "MX":
                            {
                                var mx = (YamlSequenceNode)valueNode;
                                zone.Mx(name, ushort.Parse(((YamlScalarNode)mx.Children[0]).Value!, System.Globalization.CultureInfo.InvariantCulture), ((YamlScalarNode)mx.Children[1]).Value!);
                                break;
                            }

                        case "PTR":
                            zone.Ptr(name, ((YamlScalarNode)valueNode).Value!);
                            break;
                        case "CNAME":
                            zone.Cname(name, ((YamlScalarNode)valueNode).Value!);
                            break;
                        default:
                            throw new InvalidOperationException($"Unknown zone data type {type} at {name}.");
                    }
                }
            }

            foreach (var record in generated)
            {
                zone.Add(record);
            }
        }

        return zone;
    }

    internal sealed record SuiteCase(string Host, string MailFrom, string Helo, IReadOnlySet<string> Results, string? Explanation, InMemoryDnsResolver Zone);
}
