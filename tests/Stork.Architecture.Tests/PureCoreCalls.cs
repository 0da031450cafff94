using System.Reflection;
using System.Reflection.Emit;

namespace Stork.Architecture.Tests;

/// <summary>
/// The pure cores that share an assembly with I/O code (the trusted-metadata state machine and target search in
/// Stork.Format, the install planner and the fleet planner in Stork.Client) cannot use the banned-API analyzer
/// project-wide, so this test reads their method bodies' IL and fails on any call, field load or construction that
/// build/pure-core/BannedSymbols.txt bans (the same list the analyzer enforces on Stork.Resolver).
/// </summary>
public sealed class PureCoreCalls
{
    /// <summary>Assembly, and the namespace or full type name of each pure core in it.</summary>
    public static IEnumerable<object[]> PureCores() =>
    [
        ["Stork.Format", "Stork.Format.Trust"],
        ["Stork.Client", "Stork.Client.Planning"],
        ["Stork.Client", "Stork.Client.Fleet.FleetPlanner"],
        ["Stork.Resolver", "Stork.Resolver"],
    ];

    [Theory]
    [MemberData(nameof(PureCores))]
    public void Pure_cores_call_no_banned_api(string assemblyName, string scope)
    {
        var banned = BannedList.Load(RepoRoot.File("build", "pure-core", "BannedSymbols.txt"));
        var types = Assembly.Load(assemblyName).GetTypes().Where(t => InScope(t, scope)).ToList();
        Assert.NotEmpty(types);
        var (violations, methods) = IlScanner.Scan(types, (method, member) =>
            CompilerIteratorPlumbing(method, member) ? null : banned.Reason(member));
        Assert.True(methods > 0, $"no method bodies found in {scope}");
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void The_scanner_sees_a_banned_call()
    {
        var banned = BannedList.Load(RepoRoot.File("build", "pure-core", "BannedSymbols.txt"));
        var method = typeof(PureCoreCalls).GetMethod(nameof(ReadsTheClock), BindingFlags.NonPublic | BindingFlags.Static)!;
        var reasons = IlScanner.MembersUsed(method).Select(banned.Reason).Where(r => r is not null).ToList();
        Assert.Contains("use an injected TimeProvider", reasons);
    }

    private static DateTime ReadsTheClock() => DateTime.UtcNow;

    // The C# compiler's iterator state machines read Environment.CurrentManagedThreadId to hand out enumerators:
    // not our code's choice, and no configuration is read.
    private static bool CompilerIteratorPlumbing(MethodBase method, MemberInfo member) =>
        member.Name == "get_CurrentManagedThreadId" && member.DeclaringType == typeof(Environment)
        && (method.DeclaringType?.Name.Contains('<') == true || method.DeclaringType?.GetInterfaces().Any(i => i.Name.StartsWith("IEnumerable", StringComparison.Ordinal)) == true);

    private static bool InScope(Type type, string scope)
    {
        for (var t = type; t is not null; t = t.DeclaringType)
            if (t.FullName == scope) return true;
        return type.Namespace is { } ns && (ns == scope || ns.StartsWith(scope + ".", StringComparison.Ordinal));
    }
}

/// <summary>The banned-symbol file's T:/P:/M: entries, matched against members used in IL.</summary>
internal sealed class BannedList
{
    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _members = new(StringComparer.Ordinal);

    public static BannedList Load(string path)
    {
        var list = new BannedList();
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var (id, reason) = line.IndexOf(';') is var i and >= 0 ? (line[..i], line[(i + 1)..]) : (line, "banned");
            if (id.StartsWith("T:", StringComparison.Ordinal)) list._types[id[2..]] = reason;
            else list._members[StripParameters(id[2..])] = reason;
        }
        return list;
    }

    private static string StripParameters(string id) => id.IndexOf('(') is var p and >= 0 ? id[..p] : id;

    public string? Reason(MemberInfo member)
    {
        var declaring = member.DeclaringType?.FullName;
        if (declaring is null) return null;
        if (_types.TryGetValue(declaring, out var why)) return why;
        var name = member.Name.StartsWith("get_", StringComparison.Ordinal) ? member.Name[4..] : member.Name;
        return _members.GetValueOrDefault($"{declaring}.{name}");
    }
}

/// <summary>Reads method bodies' IL for the members they call, load or construct (tokens resolved by the module).</summary>
internal static class IlScanner
{
    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> Codes = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(c => c.Value);

    /// <summary>The type's own methods and constructors, plus those of the compiler's nested types (lambdas, iterators, async state machines).</summary>
    public static IEnumerable<MethodBase> BodiesOf(Type type)
    {
        foreach (var m in type.GetMethods(All)) if (m.GetMethodBody() is not null) yield return m;
        foreach (var c in type.GetConstructors(All)) if (c.GetMethodBody() is not null) yield return c;
        foreach (var nested in type.GetNestedTypes(All).Where(n => n.Name.Contains('<')))
            foreach (var m in BodiesOf(nested)) yield return m;
    }

    /// <summary>
    /// Every use, in the method bodies of <paramref name="types"/>, of a member that <paramref name="objection"/>
    /// objects to, as "Type.Method uses Member: objection"; and how many bodies were read.
    /// </summary>
    public static (List<string> Violations, int Methods) Scan(IEnumerable<Type> types, Func<MethodBase, MemberInfo, string?> objection)
    {
        var violations = new List<string>();
        int methods = 0;
        foreach (var type in types)
            foreach (var method in BodiesOf(type))
            {
                methods++;
                foreach (var member in MembersUsed(method))
                    if (objection(method, member) is { } why)
                        violations.Add($"{type.FullName}.{method.Name} uses {member.DeclaringType?.FullName}.{member.Name}: {why}");
            }
        return (violations.Distinct().ToList(), methods);
    }

    public static IEnumerable<MemberInfo> MembersUsed(MethodBase method) =>
        Operands(method, OperandType.InlineMethod, OperandType.InlineField, OperandType.InlineTok, OperandType.InlineType)
            .Select(token => ResolveMember(method, token)).OfType<MemberInfo>();

    /// <summary>The string literals a method body loads (ldstr).</summary>
    public static IEnumerable<string> StringsUsed(MethodBase method) =>
        Operands(method, OperandType.InlineString).Select(token => method.Module.ResolveString(token));

    private static MemberInfo? ResolveMember(MethodBase method, int token)
    {
        Type[]? typeArgs = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        Type[]? methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        try { return method.Module.ResolveMember(token, typeArgs, methodArgs); }
        catch (ArgumentException) { return null; }
    }

    /// <summary>The metadata tokens of the body's instructions whose operand is of one of <paramref name="kinds"/>.</summary>
    private static IEnumerable<int> Operands(MethodBase method, params OperandType[] kinds)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        for (int at = 0; at < il.Length;)
        {
            short value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            at += il[at] == 0xFE ? 2 : 1;
            var code = Codes[value];
            int operand = code.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
                _ => 4,
            };
            if (kinds.Contains(code.OperandType)) yield return BitConverter.ToInt32(il, at);
            at += operand;
        }
    }
}
