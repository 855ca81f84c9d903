using System.Formats.Asn1;

namespace BackscatterConsole.Domain.Posture;

/// <summary>A parsed DKIM key record at <c>&lt;selector&gt;._domainkey.&lt;domain&gt;</c> (RFC 6376 §3.6.1, RFC 8301, RFC 8463).</summary>
/// <param name="Text">The record as published.</param>
/// <param name="KeyType">k= (default rsa).</param>
/// <param name="Revoked">p= is empty: the key is revoked.</param>
/// <param name="KeyBits">RSA modulus size, or 256 for ed25519; null when revoked.</param>
/// <param name="Testing">t= contains y.</param>
/// <param name="HashAlgorithms">h= values, empty when absent (all allowed).</param>
public sealed record DkimKeyRecord(string Text, string KeyType, bool Revoked, int? KeyBits, bool Testing, IReadOnlyList<string> HashAlgorithms)
{
    /// <summary>Parses a key record; false with a reason when it is not a usable DKIM key record.</summary>
    /// <param name="text">TXT text (strings already joined).</param>
    /// <param name="record">The record.</param>
    /// <param name="error">Why it is invalid.</param>
    public static bool TryParse(string text, out DkimKeyRecord? record, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        record = null;
        if (!TagValueList.TryParse(text, out var tags, out error))
        {
            return false;
        }

        var map = tags.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        if (map.TryGetValue("v", out var version) && (tags[0].Key != "v" || version != "DKIM1"))
        {
            error = "v= must be the first tag and be DKIM1.";
            return false;
        }

        if (!map.TryGetValue("p", out var p))
        {
            error = "The record has no p= tag (public key).";
            return false;
        }

        var keyType = map.TryGetValue("k", out var k) ? k.ToLowerInvariant() : "rsa";
        var testing = map.TryGetValue("t", out var t) && t.Split(':').Any(f => f.Trim().Equals("y", StringComparison.OrdinalIgnoreCase));
        var hashes = map.TryGetValue("h", out var h) ? h.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x => x.ToLowerInvariant()).ToList() : [];
        var base64 = new string(p.Where(c => !char.IsWhiteSpace(c)).ToArray());
        if (base64.Length == 0)
        {
            record = new DkimKeyRecord(text, keyType, true, null, testing, hashes);
            return true;
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            error = "p= is not valid base64.";
            return false;
        }

        int bits;
        switch (keyType)
        {
            case "rsa":
                if (!TryRsaBits(key, out bits))
                {
                    error = "p= is not an RSA public key (neither SubjectPublicKeyInfo nor RSAPublicKey).";
                    return false;
                }

                break;
            case "ed25519":
                if (key.Length != 32)
                {
                    error = $"An ed25519 key is 32 octets; p= holds {key.Length}.";
                    return false;
                }

                bits = 256;
                break;
            default:
                error = $"k={keyType} is not a known key type (rsa, ed25519).";
                return false;
        }

        record = new DkimKeyRecord(text, keyType, false, bits, testing, hashes);
        return true;
    }

    private const string RsaEncryptionOid = "1.2.840.113549.1.1.1";

    /// <summary>
    /// Reads the modulus size from the DER structure instead of importing the key: importing costs a native key object per check,
    /// reading the ASN.1 costs a microsecond. Accepts SubjectPublicKeyInfo and, as OpenDKIM does, a bare PKCS#1 RSAPublicKey.
    /// </summary>
    private static bool TryRsaBits(byte[] key, out int bits)
    {
        bits = 0;
        try
        {
            var outer = new AsnReader(key, AsnEncodingRules.DER);
            var sequence = outer.ReadSequence();
            if (outer.HasData)
            {
                return false;
            }

            if (sequence.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                var algorithm = sequence.ReadSequence();
                if (algorithm.ReadObjectIdentifier() != RsaEncryptionOid)
                {
                    return false;
                }

                var publicKey = sequence.ReadBitString(out var unused);
                if (unused != 0 || sequence.HasData)
                {
                    return false;
                }

                return TryRsaBits(publicKey, out bits);
            }

            var modulus = sequence.ReadIntegerBytes().Span;
            sequence.ReadIntegerBytes();
            if (sequence.HasData || modulus.Length == 0 || (modulus[0] & 0x80) != 0)
            {
                return false;
            }

            while (modulus.Length > 0 && modulus[0] == 0)
            {
                modulus = modulus[1..];
            }

            if (modulus.Length == 0)
            {
                return false;
            }

            bits = ((modulus.Length - 1) * 8) + 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)modulus[0]);
            return true;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }
}
