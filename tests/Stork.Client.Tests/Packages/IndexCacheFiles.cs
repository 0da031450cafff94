using Microsoft.Data.Sqlite;
using Stork.Client.Packages;

namespace Stork.Client.Tests.Packages;

/// <summary>What the tests do to an index cache database from outside: SQL that damages or rewrites rows, and a copy
/// of its files (database and write-ahead log) to put back.</summary>
internal static class IndexCacheFiles
{
    public static void Sql(string file, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static T Scalar<T>(string file, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType(command.ExecuteScalar()!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The meta row rewritten with a valid check value (what a cache of another key would hold).</summary>
    public static void SetMeta(string file, string? key = null, string? baseKey = null, int? names = null)
    {
        string k = key ?? Scalar<string>(file, "SELECT key FROM meta"), b = baseKey ?? Scalar<string>(file, "SELECT base_key FROM meta");
        long expires = Scalar<long>(file, "SELECT expires FROM meta");
        int n = names ?? Scalar<int>(file, "SELECT names FROM meta");
        var sum = Convert.ToHexString(RowSum.Of("meta", IndexDatabase.Format, k, b, $"{expires}", $"{n}"));
        Sql(file, $"UPDATE meta SET key = '{k}', base_key = '{b}', names = {n}, sum = x'{sum}'");
    }

    public static Dictionary<string, byte[]> Save(string file)
        => new[] { "", "-wal" }.Where(s => File.Exists(file + s)).ToDictionary(s => s, s => File.ReadAllBytes(file + s));

    public static void Restore(string file, Dictionary<string, byte[]> saved)
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(file + suffix);
        foreach (var (suffix, bytes) in saved) File.WriteAllBytes(file + suffix, bytes);
    }
}
