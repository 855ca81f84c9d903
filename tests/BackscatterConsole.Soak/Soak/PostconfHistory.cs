using System.Globalization;

namespace BackscatterConsole.Soak;

/// <summary>One successful change to the Postfix configuration, as the recording wrapper saw it.</summary>
/// <param name="Name">The parameter.</param>
/// <param name="Value">The value set; null for a removal (<c>postconf -X</c>).</param>
/// <param name="Line">The history line, for messages.</param>
public sealed record PostconfWrite(string Name, string? Value, string Line);

/// <summary>
/// The Postfix setting history, written by a witness outside the agent: the agent is given a wrapper as its
/// <c>Agent:Postfix:PostconfPath</c> that runs the real <c>/usr/sbin/postconf</c> and then appends its exit code and
/// arguments to a file. The soak marks the start of each cycle in the same file, so the writes between two marks belong to
/// that cycle's job. postconf writes nothing to the Postfix log, and reading <c>postconf -h</c> afterwards would miss a
/// change that a rollback undid a moment later, hence the wrapper.
/// </summary>
public sealed class PostconfHistory
{
    private const string Mark = "#cycle";

    public PostconfHistory(string directory)
    {
        HistoryPath = Path.Combine(directory, "postconf-history.tsv");
        WrapperPath = Path.Combine(directory, "postconf");
        File.WriteAllText(HistoryPath, string.Empty);

        // Recorded after the real postconf returns, with its exit code: the agent is killed alone (SIGKILL to its own pid),
        // so a postconf it started runs to its end and its line is written even when the agent is gone.
        File.WriteAllText(WrapperPath, $"""
            #!/bin/sh
            # Written by the soak: runs the real postconf, then records its exit code and arguments (tab-separated).
            /usr/sbin/postconf "$@"
            rc=$?
            tab=$(printf '\t')
            line=$rc
            for argument in "$@"; do
              line="$line$tab$argument"
            done
            printf '%s\n' "$line" >> '{HistoryPath}'
            exit $rc

            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(WrapperPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>The wrapper to give the agent as its postconf.</summary>
    public string WrapperPath { get; }

    public string HistoryPath { get; }

    /// <summary>Marks the start of <paramref name="cycle"/>.</summary>
    public void MarkCycle(int cycle) =>
        File.AppendAllText(HistoryPath, $"{Mark}\t{cycle.ToString(CultureInfo.InvariantCulture)}\n");

    /// <summary>The successful changes (<c>-e</c>, <c>-X</c>) recorded since the mark of <paramref name="cycle"/>, up to the next mark.</summary>
    public IReadOnlyList<PostconfWrite> WritesOf(int cycle)
    {
        var writes = new List<PostconfWrite>();
        var inside = false;
        foreach (var line in File.ReadLines(HistoryPath))
        {
            var fields = line.Split('\t');
            if (fields[0] == Mark)
            {
                inside = int.Parse(fields[1], CultureInfo.InvariantCulture) == cycle;
                continue;
            }

            if (!inside || fields[0] != "0")
            {
                continue;
            }

            // The agent runs: postconf -c DIR -e NAME=VALUE, or -c DIR -X NAME; reads (-h, -n, -P) change nothing.
            for (var i = 1; i < fields.Length - 1; i++)
            {
                if (fields[i] == "-e" && fields[i + 1].IndexOf('=', StringComparison.Ordinal) is > 0 and var equals)
                {
                    writes.Add(new PostconfWrite(fields[i + 1][..equals], fields[i + 1][(equals + 1)..], line));
                }
                else if (fields[i] == "-X")
                {
                    writes.Add(new PostconfWrite(fields[i + 1], null, line));
                }
            }
        }

        return writes;
    }
}
