using Stork.Format.Errors;

namespace Stork.Client.Fleet;

/// <summary>
/// `stork-get agent`: rounds of refresh, plan, apply and drift repair, for as long as the process runs.
/// A failed round (repository unreachable or serving bad data, a lock held too long, a disk error) is retried with
/// capped exponential backoff and jitter; a manifest that cannot be applied is reported once and tried again when the
/// metadata changes. The loop ends only when <c>stop</c> is cancelled (a signal: no error) or the configuration is
/// damaged (<see cref="ErrorClass.LocalState"/>). Logs are one line per event, and nothing at all for a round that changed nothing.
/// </summary>
public sealed class AgentLoop(AgentLog log, AgentSettings settings, string host)
{
    /// <summary>Reads stork.json again before every round; throws <see cref="LocalException"/> when it is damaged.</summary>
    public required Action CheckConfig { get; init; }

    /// <summary>Runs one round; gets the fingerprint of a failed plan to skip (see <see cref="FleetOperations.RoundAsync"/>).</summary>
    public required Func<string?, CancellationToken, Task<FleetRound>> Round { get; init; }

    /// <summary>Writes the status record (and sends the report); its own failures are logged, never fatal.</summary>
    public required Func<RoundResult, CancellationToken, Task> AfterRound { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;
    public Random Random { get; init; } = Random.Shared;

    /// <summary>A round that runs longer (a lock held too long, a stalled disk) is abandoned and retried.</summary>
    public TimeSpan RoundTimeout { get; init; } = TimeSpan.FromMinutes(30);

    private readonly Dictionary<string, string> _guestErrors = new(StringComparer.Ordinal);
    private HashSet<string> _problems = new(StringComparer.Ordinal);
    private HashSet<string> _deferred = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _keptAdopted = new(StringComparer.Ordinal);

    /// <returns>Null when stopped by <paramref name="stop"/>; the class of the error that ended the loop otherwise.</returns>
    public async Task<ErrorClass?> RunAsync(CancellationToken stop)
    {
        var splay = AgentTiming.SplayOffset(host, settings.EffectiveSplay);
        log.Info($"agent started for host {host}: a round every {Show(settings.Interval)}, first after {Show(splay)} (splay)");
        if (!await SleepAsync(splay, stop)) return Stopped();

        string? failedPlan = null, failedPlanError = null;
        int failures = 0;
        long number = 0;
        while (true)
        {
            try { CheckConfig(); }
            catch (Exception e) when (e is LocalException or IOException or UnauthorizedAccessException)
            {
                log.Error($"stopping: {Failure.Describe(e).Message}");
                return ErrorClass.LocalState;
            }

            number++;
            var started = Time.GetUtcNow();
            FleetRound? round = null;
            Exception? error = null;
            using (var limit = CancellationTokenSource.CreateLinkedTokenSource(stop))
            {
                limit.CancelAfter(RoundTimeout);
                try
                {
                    round = await Round(failedPlan, limit.Token);
                    // A skipped plan still stands failed: the status record keeps saying why.
                    if (round.PlanSkipped) round = round with { PlanError = failedPlanError };
                    else failedPlanError = round.PlanError;
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    log.Notice($"stopping during round {number}; a change it interrupted is finished or undone at the next start");
                    return null;
                }
                catch (OperationCanceledException e)
                {
                    error = new LocalException($"round {number} took longer than {Show(RoundTimeout)} (a lock held too long?); abandoned", e);
                }
                catch (Exception e)
                {
                    error = e;
                }
            }

            TimeSpan wait;
            if (error is null)
            {
                if (failures > 0) log.Info($"round {number} succeeded after {failures} failed round(s)");
                failures = 0;
                failedPlan = Report(round!, failedPlan);
                wait = settings.Interval - (Time.GetUtcNow() - started);
            }
            else
            {
                failures++;
                wait = AgentTiming.Backoff(failures, settings.RetryMin, settings.EffectiveRetryMax, Random);
                var (message, errorClass) = Failure.Describe(error);
                var priority = errorClass == ErrorClass.Internal ? LogPriority.Critical : LogPriority.Warning;
                log.Write(priority, $"round {number} failed ({HostStatus.KindOf(errorClass)}): {message}; retry {failures} in {Show(wait)}");
            }
            if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;

            try
            {
                await AfterRound(new RoundResult(number, started, Time.GetUtcNow(), round, error, failures, Time.GetUtcNow() + wait), stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { return Stopped(); }
            catch (Exception e)
            {
                log.Warning($"status record: {Failure.Describe(e).Message}");
            }
            if (!await SleepAsync(wait, stop)) return Stopped();
        }
    }

    /// <summary>Logs what the round changed or newly found; returns the fingerprint of a failed plan (null when it planned).</summary>
    private string? Report(FleetRound round, string? failedPlan)
    {
        var problems = round.Problems.ToHashSet(StringComparer.Ordinal);
        foreach (var p in round.Problems.Where(p => !_problems.Contains(p))) log.Warning($"fleet: {p}");
        _problems = problems;
        var deferred = round.Deferred.ToHashSet(StringComparer.Ordinal);
        foreach (var d in round.Deferred.Where(d => !_deferred.Contains(d))) log.Info($"rollout: {d}");
        _deferred = deferred;

        foreach (var guest in round.Guests)
        {
            if (guest.Report is { Changed: true } r)
            {
                var parts = new List<string>();
                if (r.Added.Count > 0) parts.Add("added " + string.Join(", ", r.Added));
                if (r.Upgraded.Count > 0) parts.Add("upgraded " + string.Join(", ", r.Upgraded));
                if (r.Removed.Count > 0) parts.Add("removed " + string.Join(", ", r.Removed));
                log.Notice($"guest {guest.Guest}: generation {r.Generation}: {string.Join("; ", parts)}");
            }
            // Said when it changes, not every round.
            var kept = string.Join(", ", guest.KeptAdopted);
            if (kept.Length > 0 && _keptAdopted.GetValueOrDefault(guest.Guest) != kept)
                log.Info($"guest {guest.Guest}: kept as adopted (the guest's dpkg image): {kept}");
            if (guest.Desired is not null) _keptAdopted[guest.Guest] = kept;
            if (guest.Repaired.Count > 0)
                log.Warning($"guest {guest.Guest}: repaired {guest.Repaired.Count} drifted path(s): {string.Join(", ", guest.Repaired.Take(5))}{(guest.Repaired.Count > 5 ? ", ..." : "")}");
            if (guest.Error is { } e)
            {
                if (!_guestErrors.TryGetValue(guest.Guest, out var before) || before != e) log.Error($"guest {guest.Guest}: {e}");
                _guestErrors[guest.Guest] = e;
            }
            else if (_guestErrors.Remove(guest.Guest) && !round.PlanSkipped && round.PlanError is null)
            {
                log.Info($"guest {guest.Guest}: converged again");
            }
        }

        if (round.PlanError is not null)
        {
            if (!round.PlanSkipped) log.Error($"{round.PlanError}; tried again when the metadata changes");
            return round.Fingerprint;
        }
        if (round.PlanSkipped) return failedPlan;
        if (failedPlan is not null) log.Info("the fleet manifests apply again");
        return null;
    }

    private ErrorClass? Stopped()
    {
        log.Info("stopped");
        return null;
    }

    private async Task<bool> SleepAsync(TimeSpan wait, CancellationToken stop)
    {
        if (stop.IsCancellationRequested) return false;
        if (wait <= TimeSpan.Zero) return true;
        try { await Task.Delay(wait, Time, stop); return true; }
        catch (OperationCanceledException) { return false; }
    }

    public static string Show(TimeSpan t) => t.TotalSeconds < 120 ? $"{t.TotalSeconds:0.#}s" : t.TotalMinutes < 120 ? $"{t.TotalMinutes:0.#}m" : $"{t.TotalHours:0.#}h";
}
