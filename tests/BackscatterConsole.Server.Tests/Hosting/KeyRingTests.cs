using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Server.Tests.Hosting;

/// <summary>
/// The data-protection key ring in the database: two instances on one database share sign-ins and antiforgery tokens,
/// keys are encrypted when a certificate is configured, and an older installation's file key ring is imported once.
/// <see cref="Postgres.PostgresKeyRingTests"/> runs the instance tests on PostgreSQL.
/// </summary>
public class KeyRingTests
{
    /// <summary>
    /// Two servers on one database and one data directory (on SQLite the database file is in it); the second deletes
    /// both when disposed, the first leaves them.
    /// </summary>
    protected virtual (AppFactory First, AppFactory Second) CreateInstances(string directory, Dictionary<string, string?> firstSettings, Dictionary<string, string?> secondSettings) =>
        (new AppFactory { DataDirectory = directory, DeleteDataOnDispose = false, Settings = firstSettings },
            new AppFactory { DataDirectory = directory, Settings = secondSettings });

    private (AppFactory First, AppFactory Second) CreateInstances(Dictionary<string, string?>? firstSettings = null, Dictionary<string, string?>? secondSettings = null) =>
        CreateInstances(NewDirectory(), firstSettings ?? [], secondSettings ?? []);

    private static string NewDirectory() => Path.Combine(Path.GetTempPath(), "bsc-tests-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task SignIn_OnOneInstance_IsAcceptedByAnotherOnTheSameDatabase()
    {
        var (first, second) = CreateInstances();
        using (first)
        using (second)
        {
            var cookies = new CookieContainer();
            using var onFirst = await PortalSession.SignInAsync(new PortalSession(first, cookies), "admin", AppFactory.AdminPassword);
            using var onSecond = new PortalSession(second, cookies);
            using var anonymous = new PortalSession(second);

            Assert.Equal(HttpStatusCode.Redirect, (await anonymous.GetAsync("/servers")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await onSecond.GetAsync("/servers")).StatusCode);

            // The keys are in the database, and no instance wrote a key directory.
            var keys = await KeysAsync(second);
            Assert.Contains(keys, k => k.FriendlyName!.StartsWith("key-", StringComparison.Ordinal));
            Assert.False(Directory.Exists(Path.Combine(first.DataDirectory, KeyRing.LegacyDirectoryName)));
            Assert.False(Directory.Exists(Path.Combine(second.DataDirectory, KeyRing.LegacyDirectoryName)));
        }
    }

    [Fact]
    public async Task AntiforgeryToken_FromOneInstance_IsAcceptedByAnother()
    {
        var (first, second) = CreateInstances();
        using (first)
        using (second)
        {
            var cookies = new CookieContainer();
            using var onFirst = new PortalSession(first, cookies);
            using var onSecond = new PortalSession(second, cookies);

            var fields = PortalSession.HiddenFields(await onFirst.GetPageAsync("/account/login"), "login");
            fields["Input.UserName"] = "admin";
            fields["Input.Password"] = AppFactory.AdminPassword;
            var response = await onSecond.PostFormAsync("/account/login", fields);

            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await onFirst.GetAsync("/servers")).StatusCode);
        }
    }

    [Fact]
    public async Task KeyRing_NoCertificate_StoresTheKeyInPlainXml()
    {
        var (first, second) = CreateInstances();
        using (first)
        using (second)
        {
            _ = first.Services.GetDataProtector("probe").Protect("x");

            // What README says: without a certificate, whoever reads the database reads the master key.
            var key = Assert.Single(await KeysAsync(first), k => k.FriendlyName!.StartsWith("key-", StringComparison.Ordinal));
            Assert.Contains("<masterKey", key.Xml, StringComparison.Ordinal);
            Assert.DoesNotContain("encryptedSecret", key.Xml, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task KeyRing_Certificate_EncryptsKeysAndAnInstanceWithTheSameCertificateReadsThem()
    {
        using var certificates = new TestCertificate();

        // The first instance loads the certificate from PKCS#12, the second from PEM: both loaders, one certificate.
        var (first, second) = CreateInstances(
            new() { ["DataProtection:CertificatePath"] = certificates.PfxPath, ["DataProtection:CertificatePassword"] = TestCertificate.Password },
            new() { ["DataProtection:CertificatePath"] = certificates.PemPath });
        using (first)
        using (second)
        {
            var cookies = new CookieContainer();
            using var onFirst = await PortalSession.SignInAsync(new PortalSession(first, cookies), "admin", AppFactory.AdminPassword);
            using var onSecond = new PortalSession(second, cookies);

            Assert.Equal(HttpStatusCode.OK, (await onSecond.GetAsync("/servers")).StatusCode);
            var key = Assert.Single(await KeysAsync(first), k => k.FriendlyName!.StartsWith("key-", StringComparison.Ordinal));
            Assert.Contains("encryptedSecret", key.Xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", key.Xml, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Startup_CertificateFileMissing_FailsNamingTheKey()
    {
        var (factory, unused) = CreateInstances(new() { ["DataProtection:CertificatePath"] = "/nonexistent/dp.pfx" });
        using var second = unused;
        using var first = factory;

        var error = Assert.ThrowsAny<Exception>(() => first.Services);

        Assert.Contains("DataProtection:CertificatePath", Flatten(error), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Upgrade_FileKeyRing_IsImportedOnceAndOldPayloadsStillOpen(bool withCertificate)
    {
        using var certificates = new TestCertificate();
        var directory = NewDirectory();
        var legacy = Path.Combine(directory, KeyRing.LegacyDirectoryName);

        // What an earlier version left behind: the same application name, keys as files in <DataDirectory>/keys.
        string payload;
        var services = new ServiceCollection().AddLogging();
        services.AddDataProtection().SetApplicationName(KeyRing.ApplicationName).PersistKeysToFileSystem(new DirectoryInfo(legacy));
        using (var old = services.BuildServiceProvider())
        {
            payload = old.GetDataProtector("upgrade-test").Protect("signed in before the upgrade");
        }

        var keyFile = Assert.Single(Directory.GetFiles(legacy, "key-*.xml"));
        Dictionary<string, string?> settings = withCertificate
            ? new() { ["DataProtection:CertificatePath"] = certificates.PemPath }
            : [];
        var (upgraded, again) = CreateInstances(directory, settings, settings);
        using var restarted = again;
        using (upgraded)
        {
            Assert.Equal("signed in before the upgrade", upgraded.Services.GetDataProtector("upgrade-test").Unprotect(payload));
            var imported = Assert.Single(await KeysAsync(upgraded));
            Assert.Equal(Path.GetFileNameWithoutExtension(keyFile), imported.FriendlyName);
            Assert.Equal(withCertificate, imported.Xml!.Contains("encryptedSecret", StringComparison.Ordinal));
            Assert.Equal(!withCertificate, imported.Xml.Contains("<masterKey", StringComparison.Ordinal));
        }

        Assert.False(Directory.Exists(legacy));
        var backup = Path.Combine(directory, KeyRing.ImportedDirectoryName);
        Assert.True(File.Exists(Path.Combine(backup, Path.GetFileName(keyFile))));

        // A start that finds the directory again (a restored backup, a rename that failed) imports nothing twice.
        Directory.Move(backup, legacy);
        Assert.Single(await KeysAsync(again));
        Assert.Equal("signed in before the upgrade", again.Services.GetDataProtector("upgrade-test").Unprotect(payload));
    }

    protected static async Task<List<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey>> KeysAsync(AppFactory factory)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().DataProtectionKeys.AsNoTracking().ToListAsync();
    }

    private static string Flatten(Exception e) => e.InnerException is null ? e.Message : e.Message + " " + Flatten(e.InnerException);

    /// <summary>A self-signed RSA certificate written as a password-protected PKCS#12 file and as one PEM file with its key.</summary>
    protected sealed class TestCertificate : IDisposable
    {
        public const string Password = "Dp-Cert-Pass-1";

        private readonly string _directory = Path.Combine(Path.GetTempPath(), "bsc-cert-" + Guid.NewGuid().ToString("N"));

        public TestCertificate()
        {
            Directory.CreateDirectory(_directory);
            using var rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=BackscatterConsole key ring test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            PfxPath = Path.Combine(_directory, "dp.pfx");
            File.WriteAllBytes(PfxPath, certificate.Export(X509ContentType.Pkcs12, Password));
            PemPath = Path.Combine(_directory, "dp.pem");
            File.WriteAllText(PemPath, certificate.ExportCertificatePem() + "\n" + rsa.ExportPkcs8PrivateKeyPem() + "\n");
        }

        public string PfxPath { get; }

        public string PemPath { get; }

        public void Dispose() => Directory.Delete(_directory, recursive: true);
    }
}
