using System.Reflection;
using System.Text.RegularExpressions;

namespace Stork.Architecture.Tests;

/// <summary>
/// Host state is one class per table family (Stork.Client.State's *Table classes), each declaring the tables it
/// owns in a static Tables field. No table class touches another family's tables (its SQL literals, read from the
/// IL, name only its own) or holds another table class; every owned table is created by HostSchema, and HostSchema
/// creates no table nobody owns (except the host identity table, which HostDatabase reads itself).
/// </summary>
public sealed partial class HostStateTables
{
    private static readonly Assembly Client = Assembly.Load("Stork.Client");

    private static List<Type> TableClasses() =>
        Client.GetTypes().Where(t => t.Namespace == "Stork.Client.State" && t.IsClass && !t.Name.Contains('<') && t.Name.EndsWith("Table", StringComparison.Ordinal)).ToList();

    private static string[] Owned(Type table) =>
        (string[])(table.GetField("Tables", BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static)?.GetValue(null)
            ?? throw new InvalidOperationException($"{table.Name} declares no static Tables field"));

    [Fact]
    public void Each_table_class_names_only_its_own_tables()
    {
        var tables = TableClasses();
        Assert.True(tables.Count >= 5, $"only {tables.Count} table classes: {string.Join(", ", tables.Select(t => t.Name))}");
        var violations = new List<string>();
        foreach (var table in tables)
        {
            var owned = Owned(table);
            var named = IlScanner.BodiesOf(table).SelectMany(m => IlScanner.StringsUsed(m).Select(s => (Method: m.Name, Sql: s))).ToList();
            Assert.True(named.Any(n => TablesNamed(n.Sql).Any()), $"{table.Name}: no SQL found in its method bodies");
            foreach (var (method, sql) in named)
                foreach (var name in TablesNamed(sql).Where(n => !owned.Contains(n)))
                    violations.Add($"{table.Name}.{method} uses table '{name}', which is not one of its own ({string.Join(", ", owned)})");
            foreach (var field in table.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public))
                if (tables.Contains(field.FieldType)) violations.Add($"{table.Name} holds a {field.FieldType.Name}: compose table families in HostDatabase");
        }
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void Every_table_has_one_owner_and_the_schema_creates_exactly_those()
    {
        var owners = TableClasses().SelectMany(t => Owned(t).Select(name => (Name: name, Owner: t.Name))).ToList();
        var twice = owners.GroupBy(o => o.Name).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(o => o.Owner))}");
        Assert.Empty(twice);
        var schema = Client.GetType("Stork.Client.State.HostSchema", throwOnError: true)!;
        var created = schema.GetFields(BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .SelectMany(f => CreatedTable().Matches((string)f.GetRawConstantValue()!).Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains("guests", created);
        Assert.Equal(owners.Select(o => o.Name).Append("host").Order(StringComparer.Ordinal), created.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_scan_sees_a_foreign_table()
    {
        var method = typeof(HostStateTables).GetMethod(nameof(TouchesGuests), BindingFlags.NonPublic | BindingFlags.Static)!;
        Assert.Equal(["guests", "journal"], IlScanner.StringsUsed(method).SelectMany(TablesNamed).Order(StringComparer.Ordinal));
    }

    private static int TouchesGuests(Func<string, int> run) => run("DELETE FROM guests WHERE name = $guest") + run("UPDATE journal SET state = 1");

    private static IEnumerable<string> TablesNamed(string sql) => TableReference().Matches(sql).Select(m => m.Groups[1].Value);

    [GeneratedRegex(@"\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_]+)\b")]
    private static partial Regex TableReference();

    [GeneratedRegex(@"CREATE TABLE IF NOT EXISTS ([a-z_]+)")]
    private static partial Regex CreatedTable();
}
