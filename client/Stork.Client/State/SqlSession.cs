using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Stork.Client.State;

/// <summary>
/// The host database's one connection and the command helper every table class uses: a statement with its
/// parameters bound, run in the transaction in progress if there is one. <see cref="InTransaction{T}"/> opens one
/// (a nested call joins it), so a change spanning several table families commits or rolls back as one.
/// </summary>
internal sealed class SqlSession(SqliteConnection connection) : IDisposable
{
    private SqliteTransaction? _transaction;

    /// <summary>The database file's path, as opened.</summary>
    public string DataSource => connection.DataSource;

    /// <summary>A command with its parameters bound: <c>Command(sql, ("$guest", guest))</c>; null values are stored as NULL.</summary>
    public SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = _transaction;
        foreach (var (name, value) in parameters)
        {
            // An enum would be stored as its number: domain enums go in by their on-disk name (LinkModes.Name, ...).
            if (value is Enum) throw new ArgumentException($"parameter {name}: store {value.GetType().Name} by its name, not as a number", nameof(parameters));
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return command;
    }

    /// <summary>Runs a statement; returns the number of rows it changed.</summary>
    public int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        return command.ExecuteNonQuery();
    }

    public object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        return command.ExecuteScalar();
    }

    public long Integer(string sql, params (string Name, object? Value)[] parameters) =>
        Convert.ToInt64(Scalar(sql, parameters), CultureInfo.InvariantCulture);

    /// <summary>Every row the query returns, each read by <paramref name="read"/>.</summary>
    public List<T> Query<T>(string sql, Func<SqliteDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(read(reader));
        return rows;
    }

    /// <summary>The first row the query returns, or null.</summary>
    public T? QueryFirst<T>(string sql, Func<SqliteDataReader, T> read, params (string Name, object? Value)[] parameters) where T : class
    {
        using var command = Command(sql, parameters);
        using var reader = command.ExecuteReader();
        return reader.Read() ? read(reader) : null;
    }

    /// <summary>
    /// Runs one prepared statement once per item, the parameters re-bound from <paramref name="bind"/> each time
    /// (bulk inserts: one statement compiled, not one per row). <paramref name="fixedParameters"/> are bound once.
    /// </summary>
    public void ExecuteEach<T>(string sql, IEnumerable<T> items, Func<T, (string Name, object? Value)[]> bind, params (string Name, object? Value)[] fixedParameters)
    {
        using var command = Command(sql, fixedParameters);
        SqliteParameter[]? bound = null;
        foreach (var item in items)
        {
            var values = bind(item);
            // No declared type: each value is bound by its own type, as AddWithValue does.
            bound ??= values.Select(v => command.Parameters.Add(new SqliteParameter { ParameterName = v.Name })).ToArray();
            for (int i = 0; i < values.Length; i++) bound[i].Value = values[i].Value ?? DBNull.Value;
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Runs <paramref name="body"/> in one transaction, or in the one already in progress (nested calls join it).</summary>
    public T InTransaction<T>(Func<T> body)
    {
        if (_transaction is not null) return body();
        using var transaction = connection.BeginTransaction();
        _transaction = transaction;
        try
        {
            var result = body();
            transaction.Commit();
            return result;
        }
        finally
        {
            _transaction = null;
        }
    }

    public void InTransaction(Action body) => InTransaction(() => { body(); return 0; });

    public void Dispose() => connection.Dispose();
}
