using System.Security.Cryptography;
using BackscatterConsole.Domain.Posture;

namespace BackscatterConsole.Domain.Tests.Posture;

public sealed class DkimKeyRecordTests
{
    [Theory]
    [InlineData(1024)]
    [InlineData(2048)]
    public void TryParse_RsaSubjectPublicKeyInfo_ReadsKeyLength(int bits)
    {
        using var rsa = RSA.Create(bits);
        var text = $"v=DKIM1; k=rsa; p={Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())}";

        Assert.True(DkimKeyRecord.TryParse(text, out var record, out var error), error);

        Assert.Equal(bits, record!.KeyBits);
        Assert.False(record.Revoked);
    }

    [Fact]
    public void TryParse_BarePkcs1Key_IsAccepted()
    {
        using var rsa = RSA.Create(2048);
        var text = $"p={Convert.ToBase64String(rsa.ExportRSAPublicKey())}";

        Assert.True(DkimKeyRecord.TryParse(text, out var record, out var error), error);
        Assert.Equal(2048, record!.KeyBits);
    }

    [Fact]
    public void TryParse_KeyWithWhitespace_IgnoresIt()
    {
        using var rsa = RSA.Create(1024);
        var b64 = Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
        var text = $"v=DKIM1; p={b64[..40]} \t {b64[40..]}";

        Assert.True(DkimKeyRecord.TryParse(text, out var record, out var error), error);
        Assert.Equal(1024, record!.KeyBits);
    }

    [Fact]
    public void TryParse_EmptyP_IsRevoked()
    {
        Assert.True(DkimKeyRecord.TryParse("v=DKIM1; p=", out var record, out _));
        Assert.True(record!.Revoked);
    }

    [Fact]
    public void TryParse_TestingFlag_IsRead()
    {
        Assert.True(DkimKeyRecord.TryParse("v=DKIM1; t=y:s; p=", out var record, out _));
        Assert.True(record!.Testing);
    }

    [Fact]
    public void TryParse_Ed25519_Is256Bits()
    {
        var text = $"v=DKIM1; k=ed25519; p={Convert.ToBase64String(new byte[32])}";

        Assert.True(DkimKeyRecord.TryParse(text, out var record, out var error), error);
        Assert.Equal(256, record!.KeyBits);
    }

    [Theory]
    [InlineData("v=DKIM1; k=rsa", "no p=")]
    [InlineData("v=DKIM1; p=@@@", "base64")]
    [InlineData("v=DKIM1; p=AAAA", "RSA")]
    [InlineData("k=rsa; v=DKIM1; p=", "first")]
    [InlineData("v=DKIM1; k=dsa; p=AAAA", "key type")]
    public void TryParse_Invalid_ExplainsWhy(string text, string fragment)
    {
        Assert.False(DkimKeyRecord.TryParse(text, out _, out var error));
        Assert.Contains(fragment, error, StringComparison.Ordinal);
    }
}
