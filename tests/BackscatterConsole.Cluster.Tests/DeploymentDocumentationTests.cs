using BackscatterConsole.Cluster.Tests.Infrastructure;

namespace BackscatterConsole.Cluster.Tests;

/// <summary>The README shows the nginx site these tests run, verbatim, so the documented deployment is the tested one.</summary>
public sealed class DeploymentDocumentationTests
{
    [Fact]
    public void Readme_NginxSite_IsTheFileTheClusterTestsRun()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "BackscatterConsole.sln")))
        {
            root = root.Parent;
        }

        var readme = File.ReadAllText(Path.Combine(root!.FullName, "README.md")).ReplaceLineEndings("\n");
        Assert.Contains(NginxProxy.DocumentedSite.ReplaceLineEndings("\n").Trim(), readme, StringComparison.Ordinal);
        Assert.DoesNotContain("one console instance at a time", readme, StringComparison.OrdinalIgnoreCase);
    }
}
