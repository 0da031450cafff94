using System.Diagnostics;
using System.Runtime.InteropServices;
using Stork.Format.Errors;

namespace Stork.Client.Guests;

/// <summary>
/// The result of one maintainer script run: its exit status and what it printed (stdout and stderr, interleaved). Output
/// beyond <see cref="ScriptRunner.MaxOutputChars"/> is cut in the middle (the start and the end are kept, a marker line
/// says how much was cut); <paramref name="CutChars"/> counts what was dropped.
/// </summary>
public sealed record ScriptRun(int ExitCode, string Output, bool TimedOut, long CutChars = 0);

/// <summary>
/// Runs a program inside a guest root, confined by an existing tool found at run time: <c>bwrap</c> (bubblewrap), else
/// <c>unshare</c> + <c>setpriv</c> + <c>chroot</c> (util-linux, coreutils). Either way the program gets no network and its
/// own mount, PID, IPC and UTS namespaces, loses CAP_LINUX_IMMUTABLE, CAP_SYS_ADMIN and CAP_SYS_MODULE, sees only the
/// environment given, is killed (with everything it started) after the time limit, and its output is captured.
/// </summary>
public sealed class ScriptRunner
{
    /// <summary>Output kept per run: the first and the last half of this many characters (a failure prints at the end).</summary>
    public const int MaxOutputChars = 64 * 1024;
    /// <summary>The default time limit ("scripts": {"time_limit_seconds": N} in stork.json changes it).</summary>
    public static readonly TimeSpan DefaultTimeLimit = TimeSpan.FromMinutes(10);
    private static readonly string[] DefaultSearchDirs = ["/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin"];
    private static readonly string[] DroppedCapabilities = ["CAP_LINUX_IMMUTABLE", "CAP_SYS_ADMIN", "CAP_SYS_MODULE"];

    public string Tool { get; }
    private readonly string _program;
    private readonly string _setpriv = "setpriv", _chroot = "chroot";

    private ScriptRunner(string tool, string program, TimeSpan timeLimit)
    {
        Tool = tool;
        _program = program;
        TimeLimit = timeLimit;
    }

    // The fallback's helpers by full path: the environment given to the script need not have them on its PATH.
    private ScriptRunner(string unshare, string setpriv, string chroot, TimeSpan timeLimit) : this("unshare+chroot", unshare, timeLimit)
    {
        _setpriv = setpriv;
        _chroot = chroot;
    }

    /// <summary>How long one script may run before it and everything it started are killed.</summary>
    public TimeSpan TimeLimit { get; }

    /// <summary>
    /// The directories searched for the runner's tools, in order: fixed system directories, not the caller's PATH.
    /// STORK_SCRIPT_RUNNER_DIRS (colon-separated) replaces them, so a test can show what happens when none is found.
    /// </summary>
    public static IReadOnlyList<string> SearchDirs =>
        Environment.GetEnvironmentVariable("STORK_SCRIPT_RUNNER_DIRS") is { } dirs
            ? dirs.Split(':', StringSplitOptions.RemoveEmptyEntries)
            : DefaultSearchDirs;

    /// <summary>Finds a runner; none is a local error (exit 7) saying what to install.</summary>
    public static ScriptRunner Detect(TimeSpan? timeLimit = null)
    {
        if (ForTool("bwrap", timeLimit) is { } bwrap) return bwrap;
        if (ForTool("unshare+chroot", timeLimit) is { } fallback) return fallback;
        throw new LocalException("maintainer scripts are allowed but no script runner was found in " + string.Join(":", SearchDirs) +
            ": install bubblewrap (bwrap), or util-linux's unshare and setpriv with chroot");
    }

    /// <summary>One runner by name ("bwrap" or "unshare+chroot"), or null when its tools are missing (tests run both).</summary>
    internal static ScriptRunner? ForTool(string tool, TimeSpan? timeLimit = null)
    {
        var limit = timeLimit ?? DefaultTimeLimit;
        return tool switch
        {
            "bwrap" => Find("bwrap") is { } bwrap ? new ScriptRunner(tool, bwrap, limit) : null,
            "unshare+chroot" => Find("unshare") is { } unshare && Find("setpriv") is { } setpriv && Find("chroot") is { } chroot
                ? new ScriptRunner(unshare, setpriv, chroot, limit) : null,
            _ => null,
        };
    }

    private static string? Find(string name) => SearchDirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    // Children inherit every descriptor without FD_CLOEXEC: one guest's root must never reach the runner of another
    // guest started at the same moment, so duplicating, starting and closing happen one runner at a time.
    private static readonly Lock SpawnGate = new();

    /// <summary>
    /// Runs <paramref name="command"/> (a path inside the guest and its arguments) with exactly <paramref name="environment"/>.
    /// The runner enters the guest through the root descriptor <paramref name="guest"/> holds, never through its host
    /// path: a guest that renames or replaces its root (or anything on the way to it) after Stork opened it cannot make
    /// the script run anywhere else.
    /// </summary>
    public async Task<ScriptRun> RunAsync(GuestRoot guest, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        var start = new ProcessStartInfo(_program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        start.Environment.Clear();
        foreach (var (key, value) in environment) start.Environment[key] = value;

        var output = new CappedOutput(MaxOutputChars);
        void Append(string? line)
        {
            if (line is null) return;
            lock (output) output.Add(line);
        }
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        lock (SpawnGate)
        {
            using var rootFd = guest.DuplicateForChild();
            int fd = (int)rootFd.DangerousGetHandle();
            foreach (var arg in Arguments(fd)) start.ArgumentList.Add(arg);
            foreach (var arg in command) start.ArgumentList.Add(arg);
            try { process.Start(); }
            catch (System.ComponentModel.Win32Exception e) { throw new LocalException($"cannot start the script runner {_program}: {e.Message}"); }
        }
        process.StandardInput.Close(); // noninteractive: a script reading a terminal gets end of file
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeLimit);
        bool timedOut = false;
        try { await process.WaitForExitAsync(limit.Token); }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await process.WaitForExitAsync(CancellationToken.None);
            ct.ThrowIfCancellationRequested();
            timedOut = true;
        }
        process.WaitForExit(); // drains the output readers
        lock (output) return new ScriptRun(timedOut ? -1 : process.ExitCode, output.ToString(), timedOut, output.CutChars);
    }

    // bwrap --bind-fd mounts /proc/self/fd/N (the kernel follows that link to the very directory open there, not
    // to a path) and then checks the mount is that inode; chroot(2) of /proc/self/fd/N does the same for the fallback.
    private IEnumerable<string> Arguments(int rootFd)
    {
        var inherited = rootFd.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (Tool == "bwrap")
        {
            string[] args = ["--bind-fd", inherited, "/", "--dev", "/dev", "--proc", "/proc",
                "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                "--new-session", "--chdir", "/"];
            // No --die-with-parent: its PR_SET_PDEATHSIG follows the forking *thread*, and a .NET pool thread that
            // retires killed long scripts (exit 137). The time limit kills the whole tree instead.
            return args.Concat(DroppedCapabilities.SelectMany(c => new[] { "--cap-drop", c })).Append("--");
        }
        var bounding = string.Join(',', DroppedCapabilities.Select(c => "-" + c["CAP_".Length..].ToLowerInvariant()));
        return ["--net", "--mount", "--pid", "--ipc", "--uts", "--fork", "--kill-child", "--",
            _setpriv, "--bounding-set", bounding, "--", _chroot, "/proc/self/fd/" + inherited];
    }

    /// <summary>dpkg's name for this machine's architecture (DPKG_MAINTSCRIPT_ARCH).</summary>
    public static string DebianArchitecture => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.X86 => "i386",
        Architecture.Arm => "armhf",
        Architecture.S390x => "s390x",
        Architecture.Ppc64le => "ppc64el",
        Architecture.RiscV64 => "riscv64",
        _ => "all",
    };
}
