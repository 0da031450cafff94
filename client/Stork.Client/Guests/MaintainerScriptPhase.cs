using System.Text;
using Stork.Client.Model;
using Stork.Client.Planning;
using Stork.Format.Packages;

namespace Stork.Client.Guests;

/// <summary>
/// Runs Debian maintainer scripts of one guest change in dpkg's order, inside the guest (see <see cref="ScriptRunner"/>):
/// before any file changes, <c>prerm remove</c> / <c>prerm upgrade NEW</c> of leaving versions, then <c>preinst install</c> /
/// <c>preinst upgrade OLD</c> of arriving ones (a failure there runs dpkg's abort-* unwind); after the new generation is recorded, <c>postrm upgrade NEW</c> /
/// <c>postrm remove</c>, <c>postinst configure [OLD]</c> in dependency order, then each interested package's
/// <c>postinst triggered NAMES</c> once and <c>ldconfig</c> when a library package activated it and no package of the
/// guest's Stork set handles it. Scripts are written where dpkg keeps them (/var/lib/dpkg/info/NAME.SCRIPT), a
/// policy-rc.d that forbids starting services is in place while they run (unless the guest has its own), and every run
/// (exit status and capped output) is collected in <see cref="Runs"/> and appended to the guest's history as it ends (<see cref="ScriptHistory"/>).
/// </summary>
internal sealed class MaintainerScriptPhase(GuestRoot root, ScriptPolicy policy, string stateDir, TimeProvider time)
{
    public const string InfoDir = "var/lib/dpkg/info";
    private const string PolicyRcD = "usr/sbin/policy-rc.d";

    /// <summary>Scripts that were not run, and why (a guest without a shell, for example).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Packages with scripts this host's policy did not allow to run.</summary>
    public SortedSet<string> NotAllowed { get; } = new(StringComparer.Ordinal);

    /// <summary>Every script run of this change, in order (the generation is set when history keeps them).</summary>
    public List<ScriptRecord> Runs { get; } = [];

    /// <summary>The guest's generation when the change began: where a change that stops before its files change is filed.</summary>
    public int BaseGeneration { get; init; }

    /// <summary>The guest has a dpkg base image whose status Stork writes: image packages' triggers are recorded there.</summary>
    public bool DpkgBase { get; init; }

    private ScriptRunner? _runner;
    private bool _ourPolicyRcD;
    private int? _generation;
    // Names this change's runs in history until its generation is recorded.
    private readonly string _change = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));

    private string LogDir => Path.Combine(stateDir, "scripts");
    private string PendingFile => Path.Combine(LogDir, root.Name + ".unconfigured");

    /// <summary>Packages whose postinst configure failed in an earlier change: configured again by the next one.</summary>
    public IReadOnlySet<string> Pending() =>
        File.Exists(PendingFile) ? File.ReadAllLines(PendingFile).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal) : new HashSet<string>();

    /// <summary>
    /// Before the guest's files change. A failure throws with nothing of the guest's files changed, after dpkg's error
    /// unwind: every step that ran (the failed one included) is undone in reverse order by the script dpkg calls for it
    /// (<c>postinst abort-remove</c> for a <c>prerm remove</c>, <c>postinst abort-upgrade NEW</c> of the old version for a
    /// <c>prerm upgrade NEW</c>, <c>postrm abort-install</c> / <c>postrm abort-upgrade OLD</c> of the new version for a
    /// preinst). A failed <c>prerm upgrade</c> is first retried as dpkg does, with the new version's
    /// <c>prerm failed-upgrade OLD</c>; when that succeeds the change goes on.
    /// </summary>
    public async Task BeforeAsync(PackageChanges changes, IReadOnlyDictionary<string, PackageManifest> arriving,
        IReadOnlyDictionary<string, PackageManifest> leaving, CancellationToken ct)
    {
        var unwind = new Stack<(PackageManifest Manifest, string Script, string[] Args)>();
        async Task Step(PackageManifest manifest, string script, string[] args, (PackageManifest, string, string[]) undo,
            Func<Task<bool>>? retry = null)
        {
            if (await RunAsync(manifest, script, args, ct) is not { } failed) { unwind.Push(undo); return; }
            if (retry is not null && await retry()) { unwind.Push(undo); return; }
            unwind.Push(undo);
            var error = await Unwound(failed, unwind, ct);
            RestoreInfo(changes, leaving);
            throw error;
        }

        foreach (var removed in changes.Removed)
            if (leaving.TryGetValue(removed.Name, out var old))
                await Step(old, "prerm", ["remove"], (old, "postinst", ["abort-remove"]));
        foreach (var (oldPackage, newPackage) in changes.Upgraded)
            if (leaving.TryGetValue(oldPackage.Name, out var old) && arriving.TryGetValue(newPackage.Name, out var next))
                await Step(old, "prerm", ["upgrade", DebVersion(next)], (old, "postinst", ["abort-upgrade", DebVersion(next)]),
                    async () => await RunAsync(next, "prerm", ["failed-upgrade", DebVersion(old)], ct) is null);
        foreach (var added in changes.Added)
            if (arriving.TryGetValue(added.Name, out var next))
                await Step(next, "preinst", ["install"], (next, "postrm", ["abort-install"]));
        foreach (var (oldPackage, newPackage) in changes.Upgraded)
            if (leaving.TryGetValue(oldPackage.Name, out var old) && arriving.TryGetValue(newPackage.Name, out var next))
                await Step(next, "preinst", ["upgrade", DebVersion(old)], (next, "postrm", ["abort-upgrade", DebVersion(old)]));
    }

    // Runs the error unwind and says in the error what it did: dpkg's abort steps are best effort too.
    private async Task<MaintainerScriptException> Unwound(string failed, Stack<(PackageManifest Manifest, string Script, string[] Args)> unwind, CancellationToken ct)
    {
        var ran = new List<string>();
        var unwindFailures = new List<string>();
        while (unwind.TryPop(out var undo))
        {
            if (undo.Manifest.Scripts?.Get(undo.Script) is null || !policy.Allows(undo.Manifest.Name)) continue;
            var step = $"{undo.Manifest.Name} {undo.Script} {string.Join(' ', undo.Args)}";
            if (await RunAsync(undo.Manifest, undo.Script, undo.Args, ct) is { } alsoFailed) unwindFailures.Add(alsoFailed);
            else ran.Add(step);
        }
        var state = "nothing in the guest's files was changed" +
            (ran.Count > 0 ? $"; dpkg's error unwind ran: {string.Join(", ", ran)}" : "") +
            (unwindFailures.Count > 0 ? $"; the unwind failed too ({string.Join("; ", unwindFailures)}), so a package may be left half-configured" : "");
        return new MaintainerScriptException(root.Name, $"{failed}; {state}; fix the cause and run the command again " +
            $"(the scripts' output: stork-get history --guest {root.Name} --scripts {BaseGeneration})");
    }

    /// <summary>
    /// After the new generation is recorded. Returns the failures (one line each); packages whose postinst failed are
    /// remembered and configured again by the guest's next change, as dpkg leaves them half-configured.
    /// </summary>
    public async Task<IReadOnlyList<string>> AfterAsync(PackageChanges changes, IReadOnlyDictionary<string, PackageManifest> arriving,
        IReadOnlyDictionary<string, PackageManifest> leaving, IReadOnlyDictionary<string, PackageManifest> installedNow, CancellationToken ct)
    {
        var failures = new List<string>();
        foreach (var (oldPackage, newPackage) in changes.Upgraded)
            if (leaving.TryGetValue(oldPackage.Name, out var old) && arriving.TryGetValue(newPackage.Name, out var next)
                && await RunAsync(old, "postrm", ["upgrade", DebVersion(next)], ct) is { } failed)
                failures.Add(failed);
        foreach (var removed in changes.Removed)
        {
            if (!leaving.TryGetValue(removed.Name, out var old)) continue;
            if (await RunAsync(old, "postrm", ["remove"], ct) is { } failed) failures.Add(failed);
            foreach (var name in MaintainerScripts.Names) root.TryUnlink($"{InfoDir}/{removed.Name}.{name}");
        }

        // The arriving versions' scripts replace the leaving ones' in info/ (dpkg does so at unpack), all of them, so
        // a later prerm or postrm run by the guest's own dpkg is the installed version's.
        foreach (var added in changes.Added.Concat(changes.Upgraded.Select(u => u.New)))
            if (arriving.TryGetValue(added.Name, out var next)) SyncInfo(added.Name, next);

        var previous = changes.Upgraded.ToDictionary(u => u.New.Name, u => leaving.TryGetValue(u.Old.Name, out var m) ? DebVersion(m) : "", StringComparer.Ordinal);
        var toConfigure = changes.Added.Select(p => p.Name).Concat(changes.Upgraded.Select(u => u.New.Name))
            .Concat(Pending()).Where(installedNow.ContainsKey).ToHashSet(StringComparer.Ordinal);
        var unconfigured = new List<string>();
        // Remembered first, so a crash in the middle leaves them to be configured by the next change.
        Directory.CreateDirectory(LogDir);
        if (toConfigure.Count > 0) File.WriteAllLines(PendingFile, toConfigure.Order(StringComparer.Ordinal));
        foreach (var name in DependencyOrder(toConfigure, installedNow))
            if (await RunAsync(installedNow[name], "postinst", ["configure", previous.GetValueOrDefault(name, "")], ct) is { } failed)
            {
                failures.Add(failed);
                unconfigured.Add(name);
            }
        var changed = arriving.Values.Concat(leaving.Values).ToList();
        failures.AddRange(await RunTriggersAsync(changed, installedNow, ct));
        Directory.CreateDirectory(LogDir);
        if (unconfigured.Count > 0) File.WriteAllLines(PendingFile, unconfigured);
        else File.Delete(PendingFile);
        return failures;
    }

    // After an unwind nothing changed: info/ holds the scripts of the versions still installed (the leaving ones), and
    // none of a package that was to be added, whatever the new version's preinst or abort steps wrote there.
    private void RestoreInfo(PackageChanges changes, IReadOnlyDictionary<string, PackageManifest> leaving)
    {
        foreach (var old in changes.Removed.Concat(changes.Upgraded.Select(u => u.Old)))
            if (leaving.TryGetValue(old.Name, out var manifest)) SyncInfo(old.Name, manifest);
        foreach (var added in changes.Added) SyncInfo(added.Name, null);
    }

    /// <summary>Makes info/NAME.{preinst,...,templates} exactly the scripts of <paramref name="installed"/> (none when null).</summary>
    private void SyncInfo(string name, PackageManifest? installed)
    {
        // Scripts the policy does not allow are never written, so they are not there to replace either; nor is there an
        // info/ to keep in step in a root where no script ever ran (an empty root without a shell).
        if (!policy.Allows(name) || root.LStat(InfoDir) is null) return;
        foreach (var member in MaintainerScripts.Names)
        {
            var path = $"{InfoDir}/{name}.{member}";
            if (installed?.Scripts?.Get(member) is { } text) root.WriteFile(path, Encoding.UTF8.GetBytes(text), member == "templates" ? 0x1A4 /* 0644 */ : 0x1ED /* 0755 */);
            else root.TryUnlink(path);
        }
    }

    /// <summary>Removes the policy-rc.d this phase put into the guest.</summary>
    public void Finish()
    {
        if (_ourPolicyRcD) root.TryUnlink(PolicyRcD);
        _ourPolicyRcD = false;
    }

    /// <summary>How many times triggered scripts may activate further triggers in one change (dpkg stops a loop too).</summary>
    private const int MaxTriggerRounds = 8;

    // Triggers come from two places: the changed packages' triggers files (file triggers on their paths, activate lines),
    // and what scripts activated with dpkg-trigger, which dpkg-trigger left in the guest's triggers/Unincorp. Each
    // interested package of the guest's Stork set runs postinst triggered NAMES once per round, in dependency order,
    // NAMES in the order of its interest lines; what those runs activate is another round.
    private async Task<IReadOnlyList<string>> RunTriggersAsync(IReadOnlyList<PackageManifest> changed, IReadOnlyDictionary<string, PackageManifest> installedNow, CancellationToken ct)
    {
        var activated = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in changed.Where(m => policy.Allows(m.Name)))
            foreach (var (directive, name) in Triggers(m))
                if (directive.StartsWith("activate", StringComparison.Ordinal)) activated.Add(name);
        var failures = new List<string>();
        bool ldconfigHandled = installedNow.Values.Any(m => Triggers(m).Any(t => t.Directive.StartsWith("interest", StringComparison.Ordinal) && t.Name == "ldconfig"));
        bool firstRound = true, unreadable = false;
        var keptForGuest = new HashSet<string>(StringComparer.Ordinal); // run by us once, left in Unincorp for the guest's own packages
        for (int round = 0; ; round++)
        {
            var fromScripts = new List<string>();
            try { if (!unreadable) fromScripts = TakeScriptActivations(installedNow, keptForGuest, ldconfig: !ldconfigHandled); }
            catch (GuestException e)
            {
                failures.Add(e.Message); // said once; the file is left as it is
                unreadable = true;
            }
            var names = new HashSet<string>(fromScripts, StringComparer.Ordinal);
            if (firstRound) names.UnionWith(activated);
            var hits = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var (name, manifest) in installedNow)
                foreach (var (directive, trigger) in Triggers(manifest))
                {
                    if (!directive.StartsWith("interest", StringComparison.Ordinal)) continue;
                    bool fileTrigger = trigger.StartsWith('/');
                    bool hit = names.Contains(trigger)
                        || (fileTrigger && names.Any(n => n.StartsWith('/') && DpkgTriggers.Covers(trigger, n)))
                        || (fileTrigger && firstRound && changed.Any(c => c.Files.Any(f => ("/" + f.Path).StartsWith(trigger.TrimEnd('/') + "/", StringComparison.Ordinal))));
                    if (hit && !(hits.TryGetValue(name, out var list) ? list : hits[name] = []).Contains(trigger)) hits[name].Add(trigger);
                }
            bool ldconfig = names.Contains("ldconfig") && !ldconfigHandled;
            if (hits.Count == 0 && !ldconfig) break;
            if (round == MaxTriggerRounds)
            {
                failures.Add($"guest {root.Name}: triggers still activated after {MaxTriggerRounds} rounds of postinst triggered " +
                    $"({string.Join(' ', names.Order(StringComparer.Ordinal))}): a trigger loop, stopped there as dpkg stops one; those were not run again");
                break;
            }
            foreach (var name in DependencyOrder(hits.Keys.ToHashSet(StringComparer.Ordinal), installedNow))
                if (await RunAsync(installedNow[name], "postinst", ["triggered", string.Join(' ', hits[name])], ct) is { } failed) failures.Add(failed);
            if (ldconfig) await RunLdconfigAsync(failures, ct);
            firstRound = false;
        }
        return failures;
    }

    /// <summary>
    /// The triggers scripts activated since Unincorp was last read (none when no script ran), taken out of it as dpkg
    /// takes them when it incorporates it: a trigger a package of our set is interested in is run by us; one the guest's
    /// own dpkg packages are interested in (ldconfig excepted when <paramref name="ldconfig"/>: we run it) is recorded in
    /// the guest's status as dpkg records it (<see cref="DpkgIncorporation"/>: those packages become triggers-pending and
    /// the guest's next dpkg run runs their scripts), so a trigger both want is run by us once and by the guest's dpkg
    /// once, never again by a later change; one nobody is interested in is dropped, as dpkg drops it. Every line leaves
    /// Unincorp, except in a guest whose status Stork does not write (no dpkg base): there a line the guest's packages
    /// want stays for its dpkg, and <paramref name="keptForGuest"/> keeps us from running ours again in a later round.
    /// </summary>
    private List<string> TakeScriptActivations(IReadOnlyDictionary<string, PackageManifest> installedNow, HashSet<string> keptForGuest, bool ldconfig)
    {
        if (Runs.Count == 0 || root.LStat(DpkgTriggers.UnincorpPath) is null) return [];
        var pending = DpkgTriggers.ReadUnincorp(root);
        var taken = new List<string>();
        var kept = new List<TriggerActivation>();
        var records = new List<TriggerRecord>();
        var incorporated = new List<TriggerActivation>();
        foreach (var activation in pending)
        {
            var trigger = activation.Trigger;
            bool ours = installedNow.Values.Any(m => Triggers(m).Any(t => t.Directive.StartsWith("interest", StringComparison.Ordinal)
                && (t.Name == trigger || (t.Name.StartsWith('/') && trigger.StartsWith('/') && DpkgTriggers.Covers(t.Name, trigger)))));
            IReadOnlyList<TriggerInterest> image = ldconfig && trigger == "ldconfig" ? [] : DpkgTriggers.ImageInterest(root, trigger);
            if ((ours || (ldconfig && trigger == "ldconfig")) && !keptForGuest.Contains(trigger)) taken.Add(trigger);
            if (image.Count == 0) continue;
            if (!DpkgBase)
            {
                kept.Add(activation);
                keptForGuest.Add(trigger);
                continue;
            }
            incorporated.Add(activation);
            // dpkg activates once per awaiter word of the line ("-" is none), for every interested package; a line
            // with no word after the name (dpkg-trigger never writes one) activates nothing.
            foreach (var awaiter in activation.Awaiters)
                foreach (var interest in image)
                    records.Add(new TriggerRecord(interest.Package, interest.Pending, awaiter == "-" || interest.NoAwait ? null : awaiter));
        }
        // The status first: a crash in between leaves the line in Unincorp, which the guest's dpkg incorporates again
        // without harm (a trigger already pending is not added twice).
        if (records.Count > 0 && !DpkgIncorporation.Incorporate(root, records))
            foreach (var activation in incorporated) // no status to record them in: left for the guest's dpkg, as without a base
            {
                kept.Add(activation);
                keptForGuest.Add(activation.Trigger);
            }
        if (kept.Count != pending.Count) DpkgTriggers.WriteUnincorp(root, kept);
        return taken;
    }

    // libc-bin's trigger (often the guest's own dpkg package): rebuild the linker cache once.
    private async Task RunLdconfigAsync(List<string> failures, CancellationToken ct)
    {
        var ldconfig = new[] { "usr/sbin/ldconfig", "sbin/ldconfig" }.FirstOrDefault(p => root.LStat(p) is not null);
        if (ldconfig is null)
        {
            Notes.Add($"guest {root.Name}: ldconfig trigger not run: the guest has no /sbin/ldconfig");
            return;
        }
        var run = await Runner().RunAsync(root, ["/" + ldconfig], Environment("ldconfig", "triggered", ""), ct);
        Log("ldconfig", "(trigger)", [], run);
        if (run.ExitCode != 0) failures.Add($"guest {root.Name}: ldconfig (trigger) failed with exit {run.ExitCode}: {Tail(run.Output)}");
    }

    private static IEnumerable<(string Directive, string Name)> Triggers(PackageManifest manifest)
    {
        if (manifest.Triggers is null) yield break;
        foreach (var raw in manifest.Triggers.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2) yield return (parts[0], parts[1]);
        }
    }

    // Dependencies are configured before the packages that need them (dpkg does the same); cycles are broken by name order.
    private static List<string> DependencyOrder(IReadOnlySet<string> names, IReadOnlyDictionary<string, PackageManifest> manifests)
    {
        var order = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Visit(string name)
        {
            if (!seen.Add(name)) return;
            foreach (var clause in manifests[name].Depends)
                foreach (var alternative in clause)
                {
                    var dep = alternative.Split(' ')[0];
                    if (names.Contains(dep)) Visit(dep);
                }
            order.Add(name);
        }
        foreach (var name in names.Order(StringComparer.Ordinal)) Visit(name);
        return order;
    }

    /// <summary>Runs one script if the package has it and the policy allows it; returns a failure line, or null.</summary>
    private async Task<string?> RunAsync(PackageManifest manifest, string script, string[] args, CancellationToken ct)
    {
        if (manifest.Scripts?.Get(script) is not { } text) return null;
        if (!policy.Allows(manifest.Name))
        {
            NotAllowed.Add(manifest.Name);
            return null;
        }
        var interpreter = Interpreter(text);
        if (root.LStat(interpreter.TrimStart('/')) is null)
        {
            Notes.Add($"guest {root.Name}: {manifest.Name} {script} not run: it needs {interpreter}, which the guest does not have");
            return null;
        }
        EnsurePolicyRcD();
        var path = $"{InfoDir}/{manifest.Name}.{script}";
        root.WriteFile(path, Encoding.UTF8.GetBytes(text), 0x1ED /* 0755 */);
        // debconf's frontend loads NAME.templates and runs NAME.config beside a preinst or postinst that uses it.
        if (script is "preinst" or "postinst")
            foreach (var (member, mode) in new[] { ("templates", 0x1A4 /* 0644 */), ("config", 0x1ED /* 0755 */) })
                if (manifest.Scripts.Get(member) is { } extra) root.WriteFile($"{InfoDir}/{manifest.Name}.{member}", Encoding.UTF8.GetBytes(extra), mode);
        var run = await Runner().RunAsync(root, ["/" + path, .. args], Environment(manifest.Name, script, DebVersion(manifest)), ct);
        Log(manifest.Name, script, args, run);
        if (run.ExitCode == 0) return null;
        var how = run.TimedOut ? $"was killed at its time limit of {Runner().TimeLimit.TotalSeconds:0} s (stork.json scripts.time_limit_seconds)"
            : $"failed with exit {run.ExitCode}";
        return $"guest {root.Name}: {manifest.Name} {script} {string.Join(' ', args)} {how}: {Tail(run.Output)}";
    }

    private ScriptRunner Runner() => _runner ??= policy.Runner();

    /// <summary>
    /// Finds the runner when any of <paramref name="changing"/> (arriving and leaving versions) may run a script or
    /// activate a trigger: none is a local error (exit 7) raised before the change touches anything.
    /// </summary>
    public static void RequireRunner(ScriptPolicy policy, IEnumerable<PackageManifest> changing)
    {
        if (changing.Any(m => policy.Allows(m.Name) && (m.Scripts is { IsEmpty: false } || m.Triggers is not null))) policy.Runner();
    }

    private void EnsurePolicyRcD()
    {
        if (_ourPolicyRcD || root.LStat(PolicyRcD) is not null) return;
        root.WriteFile(PolicyRcD, "#!/bin/sh\n# Written by stork-get while maintainer scripts run: no service starts.\nexit 101\n"u8, 0x1ED /* 0755 */);
        _ourPolicyRcD = true;
    }

    private static string Interpreter(string text)
    {
        if (!text.StartsWith("#!", StringComparison.Ordinal)) return "/bin/sh";
        var line = text[2..].Split('\n')[0].Trim();
        var program = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "/bin/sh";
        return program.StartsWith('/') ? program : "/bin/sh";
    }

    // What dpkg gives a maintainer script (dpkg(1) ENVIRONMENT), plus a noninteractive debconf.
    private static Dictionary<string, string> Environment(string package, string script, string version) => new(StringComparer.Ordinal)
    {
        ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ["HOME"] = "/root",
        ["LC_ALL"] = "C",
        ["DPKG_MAINTSCRIPT_NAME"] = script,
        ["DPKG_MAINTSCRIPT_PACKAGE"] = package,
        ["DPKG_MAINTSCRIPT_PACKAGE_REFCOUNT"] = "1",
        ["DPKG_MAINTSCRIPT_ARCH"] = ScriptRunner.DebianArchitecture,
        ["DPKG_MAINTSCRIPT_DEBUG"] = "0",
        ["DPKG_RUNNING_VERSION"] = "1.21.22",
        ["DPKG_ADMINDIR"] = "/var/lib/dpkg",
        ["DPKG_ROOT"] = "",
        ["DPKG_FRONTEND_LOCKED"] = "true",
        ["DEBIAN_FRONTEND"] = "noninteractive",
        ["DEBCONF_NONINTERACTIVE_SEEN"] = "true",
        ["STORK_PACKAGE_VERSION"] = version,
    };

    private static string DebVersion(PackageManifest manifest) => manifest.DebianVersion ?? manifest.Version;

    private static string Tail(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var tail = string.Join(" | ", lines.TakeLast(3));
        return tail.Length == 0 ? "(no output)" : tail.Length > 400 ? tail[^400..] : tail;
    }

    // Each run goes to the guest's history as it ends (a crash later in the change keeps it), then is a crash point.
    private void Log(string package, string script, string[] args, ScriptRun run)
    {
        var record = new ScriptRecord(_generation ?? BaseGeneration, time.GetUtcNow(), package, script, args, run.ExitCode, run.TimedOut, run.CutChars, run.Output);
        Runs.Add(record);
        var problem = ScriptHistory.TryAppend(stateDir, root.Name, record, _generation is null ? _change : null);
        HistoryProblem ??= problem;
        CrashPoints.Hit();
    }

    /// <summary>
    /// The change recorded <paramref name="generation"/>: the runs so far (filed under the base generation) are refiled
    /// under it, and later ones go there directly.
    /// </summary>
    public void Filed(int generation)
    {
        if (_generation is not null || generation == BaseGeneration) return;
        _generation = generation;
        if (Runs.Count > 0) HistoryProblem ??= ScriptHistory.TryFile(stateDir, root.Name, _change, generation);
    }

    /// <summary>Why a run could not be kept in history (the first problem), or null.</summary>
    public string? HistoryProblem { get; private set; }
}
