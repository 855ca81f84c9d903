using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using BackscatterConsole.Domain.Dns;

namespace BackscatterConsole.Domain.Tests.Fixtures;

/// <summary>
/// Starts a real Knot DNS server on 127.0.0.1 and a free port, serving the zones <c>test.</c> and <c>example.</c> from
/// <see cref="TestZones"/>. A missing knotd fails the tests with a clear message: CI treats a missing prerequisite as a failure.
/// </summary>
public sealed class KnotFixture : IAsyncLifetime
{
    private static readonly string[] KnotdCandidates = ["/usr/sbin/knotd", "/usr/bin/knotd", "/usr/local/sbin/knotd"];
    private readonly StringBuilder _log = new();
    private Process? _process;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "knot-" + Guid.NewGuid().ToString("N"));

    public int Port { get; private set; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public TestZones Zones { get; } = new();

    /// <summary>A resolver aimed at this server only.</summary>
    public DnsResolver CreateResolver(bool cache = true) => new(new DnsResolverOptions
    {
        Servers = [Endpoint],
        Timeout = TimeSpan.FromSeconds(2),
        Attempts = 2,
        CacheEnabled = cache,
    });

    public async Task InitializeAsync()
    {
        var knotd = KnotdCandidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "knotd (Knot DNS) is not installed, so the DNS integration tests cannot run. Install it with 'apt-get install -y knot knot-dnsutils'.");
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "run"));
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "db"));
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "zones"));
        Port = FreePort();
        await File.WriteAllTextAsync(Path.Combine(Directory, "zones", "test.zone"), Zones.TestZone);
        await File.WriteAllTextAsync(Path.Combine(Directory, "zones", "example.zone"), Zones.ExampleZone);
        var config = Path.Combine(Directory, "knot.conf");
        await File.WriteAllTextAsync(config, $"""
            server:
                rundir: "{Directory}/run"
                listen: 127.0.0.1@{Port}
                udp-workers: 1
                tcp-workers: 1
                background-workers: 1
            database:
                storage: "{Directory}/db"
            log:
              - target: stderr
                any: warning
            template:
              - id: default
                storage: "{Directory}/zones"
                file: "%s.zone"
                journal-content: none
                zonefile-sync: -1
            zone:
              - domain: test
              - domain: example
            """);

        var start = new ProcessStartInfo(knotd, ["-c", config])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {knotd}.");
        _process.ErrorDataReceived += (_, e) => AppendLog(e.Data);
        _process.OutputDataReceived += (_, e) => AppendLog(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();

        using var probe = CreateResolver(cache: false);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"knotd exited with code {_process.ExitCode}: {Log()}");
            }

            var answer = await probe.QueryAsync("test", DnsRecordType.SOA);
            var example = await probe.QueryAsync("example", DnsRecordType.SOA);
            if (answer.Status == DnsResponseStatus.Success && example.Status == DnsResponseStatus.Success)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"knotd did not answer on {Endpoint} within 20 s: {Log()}");
    }

    public async Task DisposeAsync()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(timeout.Token);
            }

            process.Dispose();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }

    private static int FreePort()
    {
        // Knot listens on UDP and TCP: pick a port free for both.
        for (var i = 0; i < 50; i++)
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            try
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken for UDP; try another.
            }
        }

        throw new InvalidOperationException("No free loopback port for knotd.");
    }

    private void AppendLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private string Log()
    {
        lock (_log)
        {
            return _log.ToString();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class KnotCollection : ICollectionFixture<KnotFixture>
{
    public const string Name = "knot";
}

/// <summary>The zones knotd serves: one domain per posture rule, plus resolver edge cases.</summary>
public sealed class TestZones
{
    public TestZones()
    {
        Key2048 = PublicKey(2048);
        Key1024 = PublicKey(1024);
        Key512 = PublicKey(512);
        BigTxt = Enumerable.Range(0, 12).Select(i => $"big-{i:D2}-" + new string((char)('a' + i), 190)).ToList();
        TestZone = BuildTestZone();
        ExampleZone = """
            $ORIGIN example.
            $TTL 300
            @ SOA ns.test. hostmaster.test. 1 3600 600 86400 60
            @ NS ns.test.
            spf CNAME spf-final.test.
            """ + "\n";
    }

    public string Key2048 { get; }

    public string Key1024 { get; }

    public string Key512 { get; }

    public IReadOnlyList<string> BigTxt { get; }

    public string TestZone { get; }

    public string ExampleZone { get; }

    /// <summary>Zone-file quoting: character-strings of at most 255 octets.</summary>
    public static string Quote(string text)
    {
        var parts = new List<string>();
        for (var i = 0; i < text.Length; i += 255)
        {
            parts.Add("\"" + text.Substring(i, Math.Min(255, text.Length - i)).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"");
        }

        return parts.Count == 0 ? "\"\"" : string.Join(' ', parts);
    }

    private static string PublicKey(int bits)
    {
        using var rsa = RSA.Create(bits);
        return Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
    }

    private string BuildTestZone()
    {
        var z = new StringBuilder();
        z.AppendLine("$ORIGIN test.");
        z.AppendLine("$TTL 300");
        z.AppendLine("@ SOA ns.test. hostmaster.test. 1 3600 600 86400 60");
        z.AppendLine("@ NS ns.test.");
        z.AppendLine("ns A 127.0.0.1");

        // A blocklist zone (dnsbl.listing): 192.0.2.66 is listed with a reason, 2001:db8::66 too; 192.0.2.77 gets a
        // refusal code as Spamhaus answers public resolvers; 192.0.2.88 an answer outside 127/8 as rewriting resolvers do.
        // Every other address is NXDOMAIN: not listed.
        z.AppendLine("66.2.0.192.bl A 127.0.0.2");
        z.AppendLine("66.2.0.192.bl TXT \"Backscatter seen from 192.0.2.66, see https://bl.test/lookup?ip=192.0.2.66\"");
        z.AppendLine("6.6.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl A 127.0.0.2");
        z.AppendLine("77.2.0.192.bl A 127.255.255.254");
        z.AppendLine("88.2.0.192.bl A 198.51.100.9");
        z.AppendLine("listed-mx A 192.0.2.66");
        z.AppendLine("clean-mx A 192.0.2.10");
        void Txt(string owner, string text) => z.AppendLine($"{owner} TXT {Quote(text)}");

        // good.test passes every check.
        z.AppendLine("good MX 10 mx.good");
        z.AppendLine("mx.good A 192.0.2.10");
        z.AppendLine("mx.good AAAA 2001:db8::10");
        Txt("good", "v=spf1 mx include:_spf.good.test -all");
        Txt("_spf.good", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all");
        Txt("_dmarc.good", "v=DMARC1; p=reject; rua=mailto:dmarc@good.test");
        Txt("sel._domainkey.good", $"v=DKIM1; k=rsa; p={Key2048}");
        Txt("weak._domainkey.good", $"v=DKIM1; k=rsa; p={Key1024}");
        Txt("tiny._domainkey.good", $"v=DKIM1; k=rsa; p={Key512}");
        Txt("revoked._domainkey.good", "v=DKIM1; k=rsa; p=");
        Txt("testing._domainkey.good", $"v=DKIM1; k=rsa; t=y; p={Key2048}");
        Txt("garbage._domainkey.good", "v=DKIM1; k=rsa; p=!!!not-base64!!!");

        // SPF rules.
        foreach (var d in new[] { "nospf", "twospf", "syntax", "plusall", "neutral", "softfail", "softfail-dmarc", "ptr", "toomany", "void", "missing", "cname" })
        {
            z.AppendLine($"{d} MX 10 mx.good.test.");
        }

        Txt("twospf", "v=spf1 -all");
        Txt("twospf", "v=spf1 mx -all");
        Txt("syntax", "v=spf1 ip4:300.1.1.1 -all");
        Txt("plusall", "v=spf1 +all");
        Txt("neutral", "v=spf1 mx ?all");
        Txt("softfail", "v=spf1 mx ~all");
        Txt("softfail-dmarc", "v=spf1 mx ~all");
        Txt("_dmarc.softfail-dmarc", "v=DMARC1; p=reject; rua=mailto:d@softfail-dmarc.test");
        Txt("ptr", "v=spf1 ptr -all");
        Txt("toomany", "v=spf1 " + string.Join(' ', Enumerable.Range(1, 11).Select(i => $"include:i{i}.toomany.test")) + " -all");
        for (var i = 1; i <= 11; i++)
        {
            Txt($"i{i}.toomany", "v=spf1 -all");
        }

        Txt("void", "v=spf1 a:nx1.void.test a:nx2.void.test a:nx3.void.test -all");
        Txt("missing", "v=spf1 include:nothere.test -all");
        Txt("cname", "v=spf1 include:_spf.cname.test -all");
        z.AppendLine("_spf.cname CNAME spf.example.");
        Txt("spf-final", "v=spf1 ip4:198.51.100.0/24 -all");

        // DMARC rules.
        foreach (var d in new[] { "nodmarc", "badmarc", "multidmarc", "pnone", "spweak", "npweak", "norua", "extrua", "extrua-ok", "pct", "testing", "inherit", "sub.inherit", "psd.sub.inherit" })
        {
            z.AppendLine($"{d} MX 10 mx.good.test.");
            Txt(d, "v=spf1 mx -all");
        }

        Txt("_dmarc.badmarc", "v=DMARC1; p=block");
        Txt("_dmarc.multidmarc", "v=DMARC1; p=reject");
        Txt("_dmarc.multidmarc", "v=DMARC1; p=none");
        Txt("_dmarc.pnone", "v=DMARC1; p=none; rua=mailto:d@pnone.test");
        Txt("_dmarc.spweak", "v=DMARC1; p=reject; sp=none; rua=mailto:d@spweak.test");
        Txt("_dmarc.npweak", "v=DMARC1; p=reject; np=none; rua=mailto:d@npweak.test");
        Txt("_dmarc.norua", "v=DMARC1; p=reject");
        Txt("_dmarc.extrua", "v=DMARC1; p=reject; rua=mailto:d@reports.test");
        Txt("_dmarc.extrua-ok", "v=DMARC1; p=reject; rua=mailto:d@reports.test");
        Txt("extrua-ok.test._report._dmarc.reports", "v=DMARC1");
        Txt("_dmarc.pct", "v=DMARC1; p=reject; pct=50; rua=mailto:d@pct.test");
        Txt("_dmarc.testing", "v=DMARC1; p=reject; t=y; rua=mailto:d@testing.test");
        Txt("_dmarc.inherit", "v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@inherit.test");

        // MX rules.
        Txt("nomx", "v=spf1 -all");
        z.AppendLine("mxdead MX 10 gone.mxdead.test.");
        z.AppendLine("mxpartial MX 10 mx.good.test.");
        z.AppendLine("mxpartial MX 20 gone.mxpartial.test.");
        z.AppendLine("nullmx MX 0 .");

        // Resolver edge cases.
        foreach (var text in BigTxt)
        {
            Txt("big", text);
        }

        z.AppendLine("split TXT \"v=spf1 ip4:192.0.2.1\" \" -all\"");
        z.AppendLine("chain1 CNAME chain2");
        z.AppendLine("chain2 CNAME spf.example.");
        return z.ToString();
    }
}
