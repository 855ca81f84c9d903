using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace BackscatterConsole.Benchmarks.Posture;

/// <summary>One generated domain: its name and the SMTP client the SPF comparison checks it with.</summary>
internal sealed record BenchCase(string Domain, IPAddress Ip, string Sender, string Helo);

/// <summary>
/// Generates the zone <c>bench.</c>: every domain has an SPF record with includes (shared provider includes nest one level more),
/// a DMARC record, a DKIM key at <c>sel._domainkey</c>, MX and A records. Policies and client addresses vary so that the SPF
/// comparison sees pass, fail, softfail, neutral and permerror.
/// </summary>
internal static class BenchZone
{
    public const string Zone = "bench";
    public const int Providers = 20;

    public static (string ZoneText, List<BenchCase> Cases) Generate(int count)
    {
        string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
        using var rsa = RSA.Create(2048);
        var key = Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
        var z = new StringBuilder();
        z.AppendLine("$ORIGIN bench.");
        z.AppendLine("$TTL 3600");
        z.AppendLine("@ SOA ns.bench. hostmaster.bench. 1 3600 600 86400 300");
        z.AppendLine("@ NS ns.bench.");
        z.AppendLine("ns A 127.0.0.1");
        for (var p = 0; p < Providers; p++)
        {
            z.AppendLine(Inv($"_spf.prov{p:D2} TXT \"v=spf1 ip4:10.{p}.0.0/16 include:_net.prov{p:D2}.bench ~all\""));
            z.AppendLine(Inv($"_net.prov{p:D2} TXT \"v=spf1 ip6:2001:db8:{p}::/48 ip4:10.{100 + p}.0.0/16 -all\""));
        }

        var cases = new List<BenchCase>(count);
        for (var i = 0; i < count; i++)
        {
            var d = Inv($"d{i:D4}");
            var domain = d + ".bench";
            var p = i % Providers;
            var own = Inv($"172.{16 + (i / 256)}.{i % 256}");
            var mxIp = Inv($"203.0.113.{i % 256}");
            var stranger = Inv($"198.51.100.{i % 250}");
            var qualifier = (i % 3) switch { 0 => "-", 1 => "~", _ => "?" };
            string spf;
            if (i % 97 == 0)
            {
                spf = "v=spf1 " + string.Join(' ', Enumerable.Range(0, 11).Select(k => Inv($"include:_spf.prov{(p + k) % Providers:D2}.bench"))) + " -all";
            }
            else
            {
                spf = (i % 5) switch
                {
                    0 => Inv($"v=spf1 mx include:_spf.{d}.bench include:_spf.prov{p:D2}.bench {qualifier}all"),
                    1 => Inv($"v=spf1 a include:_spf.{d}.bench include:_spf.prov{p:D2}.bench {qualifier}all"),
                    2 => Inv($"v=spf1 include:_spf.{d}.bench exists:%{{i}}._ex.{d}.bench {qualifier}all"),
                    3 => Inv($"v=spf1 include:_spf.prov{p:D2}.bench redirect=_spf.{d}.bench"),
                    _ => Inv($"v=spf1 ip4:192.0.2.{i % 256} include:_spf.{d}.bench mx:{d}.bench {qualifier}all"),
                };
            }

            z.AppendLine(Inv($"{d} TXT \"{spf}\""));
            z.AppendLine(Inv($"_spf.{d} TXT \"v=spf1 ip4:{own}.0/24 {qualifier}all\""));
            z.AppendLine(Inv($"{stranger}._ex.{d} A 127.0.0.2"));
            z.AppendLine(Inv($"{d} A {mxIp}"));
            z.AppendLine(Inv($"{d} MX 10 mx.{d}"));
            z.AppendLine(Inv($"mx.{d} A {mxIp}"));
            var policy = (i % 3) switch { 0 => "reject", 1 => "quarantine", _ => "none" };
            z.AppendLine(Inv($"_dmarc.{d} TXT \"v=DMARC1; p={policy}; rua=mailto:dmarc@{domain}\""));
            z.AppendLine(Inv($"sel._domainkey.{d} TXT \"v=DKIM1; k=rsa; \" \"p={key[..200]}\" \"{key[200..]}\""));

            var ip = (i % 4) switch
            {
                0 => Inv($"{own}.5"),
                1 => Inv($"10.{p}.1.2"),
                2 => stranger,
                _ => mxIp,
            };
            cases.Add(new BenchCase(domain, IPAddress.Parse(ip), "user@" + domain, "mail.example"));
        }

        return (z.ToString(), cases);
    }
}
