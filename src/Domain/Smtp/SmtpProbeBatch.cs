namespace BackscatterConsole.Domain.Smtp;

/// <summary>Probes many endpoints concurrently with a bound, so one slow or silent server only occupies one slot.</summary>
public static class SmtpProbeBatch
{
    /// <summary>
    /// Runs <paramref name="probe"/> over every option set with at most <paramref name="maxConcurrency"/> sessions open at once.
    /// Results come back in the order of <paramref name="targets"/>.
    /// </summary>
    public static async Task<IReadOnlyList<SmtpProbeResult>> ProbeAllAsync(
        ISmtpProbe probe,
        IReadOnlyList<SmtpProbeOptions> targets,
        int maxConcurrency,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        var results = new SmtpProbeResult[targets.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, targets.Count),
            new ParallelOptions { MaxDegreeOfParallelism = maxConcurrency, CancellationToken = cancellationToken },
            async (index, token) => results[index] = await probe.ProbeAsync(targets[index], token).ConfigureAwait(false)).ConfigureAwait(false);
        return results;
    }
}
