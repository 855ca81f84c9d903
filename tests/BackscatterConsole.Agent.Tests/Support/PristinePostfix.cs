namespace BackscatterConsole.Agent.Tests.Support;

/// <summary>
/// Lays out a test instance's Postfix configuration directory from the Debian package's pristine copies, never from
/// /etc/postfix: the machine's own master.cf may carry listeners or <c>-o</c> overrides (say
/// <c>-o smtpd_reject_unlisted_recipient=no</c> on smtp) that would change what a test sees. master.cf is the package's
/// <c>/usr/share/postfix/master.cf.dist</c>; main.cf is the test's own text (the package's main.cf.dist is only the
/// upstream commentary plus Debian paths, none of which a test instance wants). Postfix's shared installation files
/// (postfix-files, dynamicmaps.cf) stay in its compiled-in meta_directory, which every instance shares by design; the
/// fixtures themselves read nothing there.
/// </summary>
public static class PristinePostfix
{
    /// <summary>The package's untouched master.cf.</summary>
    public const string MasterCfDist = "/usr/share/postfix/master.cf.dist";

    /// <summary>Fails with what to install when Postfix or its pristine master.cf is missing.</summary>
    public static void EnsureInstalled(string program)
    {
        if (!File.Exists(program) || !File.Exists(MasterCfDist))
        {
            throw new InvalidOperationException($"Postfix is not installed ({program}, {MasterCfDist}). Install the Debian package: run ./test.sh as root, or apt-get install postfix.");
        }
    }

    /// <summary>Creates <paramref name="configDirectory"/> with the pristine master.cf and the given main.cf.</summary>
    public static void WriteConfigDirectory(string configDirectory, string mainCf)
    {
        Directory.CreateDirectory(configDirectory);
        File.Copy(MasterCfDist, Path.Combine(configDirectory, "master.cf"));
        File.WriteAllText(Path.Combine(configDirectory, "main.cf"), mainCf);
    }
}
