using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Server.Data;

/// <summary>How the data-protection keys (sign-in cookies, antiforgery tokens) are protected at rest.</summary>
public sealed class KeyRingOptions
{
    public const string Section = "DataProtection";

    /// <summary>
    /// A certificate with an RSA private key, as a PKCS#12 (<c>.pfx</c>/<c>.p12</c>) or PEM file. When set, every key is
    /// stored encrypted to it; when empty, keys are stored in plain XML (Linux has no DPAPI).
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>Password of the PKCS#12 file, or of an encrypted PEM private key.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>PEM file with the private key, when <see cref="CertificatePath"/> is a PEM certificate without it.</summary>
    public string? CertificateKeyPath { get; set; }
}

/// <summary>
/// The data-protection key ring lives in the database, so every console instance on one database reads the same keys and
/// accepts the others' sign-in cookies and antiforgery tokens without a shared directory.
/// </summary>
internal static class KeyRing
{
    /// <summary>The discriminator every instance must share: keys of another application name cannot unprotect ours.</summary>
    public const string ApplicationName = "BackscatterConsole";

    /// <summary>Where versions before the database key ring kept the keys, inside the data directory.</summary>
    public const string LegacyDirectoryName = "keys";

    /// <summary>What the legacy directory is renamed to once its keys are in the database (kept as a backup, never read).</summary>
    public const string ImportedDirectoryName = "keys.imported";

    private static readonly XNamespace DataProtectionNamespace = "http://schemas.asp.net/2015/03/dataProtection";

    public static void AddKeyRing(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(KeyRingOptions.Section).Get<KeyRingOptions>() ?? new KeyRingOptions();
        var dataProtection = builder.Services.AddDataProtection()
            .SetApplicationName(ApplicationName)
            .PersistKeysToDbContext<AppDbContext>();
        if (LoadCertificate(options) is { } certificate)
        {
            // Also registers the certificate for decryption, so no certificate store is involved (Linux has none to speak of).
            dataProtection.ProtectKeysWithCertificate(certificate);
        }
    }

    /// <summary>
    /// Moves the keys of an installation that kept them in <c>&lt;DataDirectory&gt;/keys/</c> into the database once, so the
    /// sign-ins made before the upgrade stay valid. Keys already in the database (same name) are skipped, so a second
    /// instance or a retried start changes nothing. With a certificate configured, the imported keys are encrypted to it
    /// on the way in, as new keys are. The directory is then renamed to <c>keys.imported</c>.
    /// </summary>
    public static async Task ImportLegacyKeysAsync(IServiceProvider services, string dataDirectory, ILogger logger, CancellationToken cancellationToken)
    {
        var legacy = new DirectoryInfo(Path.Combine(dataDirectory, LegacyDirectoryName));
        if (!legacy.Exists)
        {
            return;
        }

        var encryptor = services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.XmlEncryptor;
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var known = (await db.DataProtectionKeys.Select(k => k.FriendlyName).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var imported = 0;
        foreach (var file in legacy.EnumerateFiles("*.xml").OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            // The file repository names each file after the element's friendly name ("key-<id>", "revocation-…"), as the
            // database repository stores it.
            var friendlyName = Path.GetFileNameWithoutExtension(file.Name);
            if (known.Contains(friendlyName))
            {
                continue;
            }

            XElement element;
            try
            {
                element = XElement.Load(file.FullName);
            }
            catch (System.Xml.XmlException e)
            {
                logger.LogWarning(e, "Data-protection key file {File} is not XML and was not imported", file.FullName);
                continue;
            }

            if (encryptor is not null)
            {
                EncryptSecrets(element, encryptor);
            }

            db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
            imported++;
        }

        await db.SaveChangesAsync(cancellationToken);
        var target = Path.Combine(dataDirectory, ImportedDirectoryName);
        if (Directory.Exists(target))
        {
            target += "-" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
        }

        try
        {
            legacy.MoveTo(target);
            logger.LogInformation("Imported {Count} data-protection key elements from {Legacy} into the database; the directory is now {Target} and is no longer read", imported, legacy.FullName, target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Harmless: the next start finds the same names in the database and imports nothing.
            logger.LogWarning(e, "Imported {Count} data-protection key elements into the database but could not rename {Legacy}", imported, legacy.FullName);
        }
    }

    /// <summary>
    /// Encrypts every element marked <c>requiresEncryption="true"</c> (the master key) into an <c>encryptedSecret</c>
    /// element, the stored form the key manager writes for new keys and decrypts on read.
    /// </summary>
    private static void EncryptSecrets(XElement key, IXmlEncryptor encryptor)
    {
        var marker = DataProtectionNamespace + "requiresEncryption";
        foreach (var secret in key.Descendants().Where(e => (bool?)e.Attribute(marker) == true).ToList())
        {
            var info = encryptor.Encrypt(new XElement(secret));
            secret.ReplaceWith(new XElement(
                DataProtectionNamespace + "encryptedSecret",
                new XAttribute("decryptorType", info.DecryptorType.AssemblyQualifiedName!),
                info.EncryptedElement));
        }
    }

    private static X509Certificate2? LoadCertificate(KeyRingOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            if (!string.IsNullOrWhiteSpace(options.CertificateKeyPath) || !string.IsNullOrEmpty(options.CertificatePassword))
            {
                throw new InvalidOperationException("DataProtection:CertificateKeyPath or DataProtection:CertificatePassword is set but DataProtection:CertificatePath is empty: name the certificate file too.");
            }

            return null;
        }

        var path = Path.GetFullPath(options.CertificatePath, Directory.GetCurrentDirectory());
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"DataProtection:CertificatePath '{path}' does not exist.");
        }

        X509Certificate2 certificate;
        try
        {
            if (IsPem(path))
            {
                var keyPath = string.IsNullOrWhiteSpace(options.CertificateKeyPath) ? path : Path.GetFullPath(options.CertificateKeyPath, Directory.GetCurrentDirectory());
                certificate = string.IsNullOrEmpty(options.CertificatePassword)
                    ? X509Certificate2.CreateFromPemFile(path, keyPath)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, options.CertificatePassword, keyPath);
            }
            else
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(path, options.CertificatePassword, X509KeyStorageFlags.EphemeralKeySet);
            }
        }
        catch (Exception e) when (e is CryptographicException or IOException or ArgumentException)
        {
            throw new InvalidOperationException($"DataProtection:CertificatePath '{path}' cannot be loaded: {e.Message} (a PKCS#12 file with DataProtection:CertificatePassword, or a PEM certificate with its private key in the same file or in DataProtection:CertificateKeyPath).", e);
        }

        if (!certificate.HasPrivateKey || certificate.GetRSAPublicKey() is null)
        {
            throw new InvalidOperationException($"DataProtection:CertificatePath '{path}' must hold an RSA certificate with its private key: the key ring is encrypted to the public key and read back with the private one.");
        }

        return certificate;
    }

    /// <summary>PKCS#12 is DER, which starts with a SEQUENCE tag; anything else is taken as PEM text.</summary>
    private static bool IsPem(string path)
    {
        using var stream = File.OpenRead(path);
        return stream.ReadByte() != 0x30;
    }
}
