using BackscatterConsole.Domain.Dns;
using BackscatterConsole.Shared.Checks;
using BackscatterConsole.Shared.Posture;

namespace BackscatterConsole.Domain.Posture;

public sealed partial class DomainPostureChecker
{
    private async Task<CheckResult> CheckDkimAsync(string domain, string selector, CancellationToken cancellationToken)
    {
        var id = PostureCheckIds.Dkim(selector);
        var name = $"{selector}._domainkey.{domain}";
        var fix = $"Generate a 2048-bit key (opendkim-genkey -b 2048 -s {selector} -d {domain}), configure the signer with it, and publish {name}. IN TXT \"v=DKIM1; k=rsa; p=<base64 public key>\"";
        var answer = await _resolver.QueryAsync(name, DnsRecordType.TXT, cancellationToken).ConfigureAwait(false);
        var evidence = new List<string> { $"selector: {selector}", $"{name} TXT → {answer.Describe()}" };
        if (answer.IsTemporaryFailure || answer.Status == DnsResponseStatus.CnameLoop)
        {
            return Finding(id, CheckStatus.Error, CheckSeverity.Medium, $"The key could not be looked up: {answer.Describe()}", DkimExplanation, evidence, "Check again later; if it persists, fix the domain's DNS servers.");
        }

        var texts = answer.RecordsOf<TxtRecord>().Select(r => r.Text).ToList();
        if (texts.Count == 0)
        {
            return Finding(id, CheckStatus.Fail, CheckSeverity.High, $"No key is published for selector {selector} ({answer.Describe()}); mail signed with it fails DKIM.", DkimExplanation, evidence, fix);
        }

        var keys = texts.Where(t => t.Contains("p=", StringComparison.OrdinalIgnoreCase)).ToList();
        if (keys.Count != 1)
        {
            return Finding(id, CheckStatus.Fail, CheckSeverity.High, keys.Count == 0 ? $"{name} holds no DKIM key record." : $"{name} holds {keys.Count} key records; verifiers may pick either.", DkimExplanation, evidence, fix);
        }

        if (!DkimKeyRecord.TryParse(keys[0], out var key, out var error))
        {
            return Finding(id, CheckStatus.Fail, CheckSeverity.High, $"The key record is invalid: {error}", DkimExplanation, evidence, fix);
        }

        if (key!.Revoked)
        {
            return Finding(id, CheckStatus.Fail, CheckSeverity.High, $"The key for selector {selector} is revoked (empty p=); mail still signed with it fails DKIM.", DkimExplanation, evidence, $"If the selector is still in use, sign with a new key and publish it; otherwise remove {selector} from the inventory. {fix}");
        }

        evidence.Add($"key: {key.KeyType}, {key.KeyBits} bits{(key.Testing ? ", t=y" : string.Empty)}");
        if (key.KeyType == "rsa" && key.KeyBits < 1024)
        {
            return Finding(id, CheckStatus.Fail, CheckSeverity.High, $"The RSA key is {key.KeyBits} bits; RFC 8301 forbids verifying keys under 1024 bits, so signatures are ignored.", DkimExplanation, evidence, fix);
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
            ? Finding(id, CheckStatus.Warn, CheckSeverity.Medium, Sentence(warnings), DkimExplanation, evidence, fix)
            : Finding(id, CheckStatus.Pass, CheckSeverity.Info, $"Selector {selector} publishes a {key.KeyBits}-bit {key.KeyType} key.", DkimExplanation, evidence, null);
    }
}
