using System.Data.Common;

namespace Stork.Format.Errors;

/// <summary>
/// Turns any failure into one line an operator can act on and its <see cref="ErrorClass"/>. The CLIs print it with the
/// class's exit code (Stork.Cli's ErrorReport); the fleet agent logs it and writes it into its status record.
/// </summary>
public static class Failure
{
    /// <summary>The host state database this process opened, named in database errors (set by the client).</summary>
    public static string? DatabasePath { get; set; }

    /// <summary>Reads the SQLite result code of a database exception (set by the client, which knows SqliteException).</summary>
    public static Func<DbException, int>? DatabaseErrorCode { get; set; }

    public static (string Message, ErrorClass Class) Describe(Exception error) => error switch
    {
        StorkException s => (s.Message, s.Class),
        UnauthorizedAccessException u => ($"permission denied: {u.Message}", ErrorClass.LocalState),
        IOException io => ($"I/O error: {LocalFailure.Describe(io)}", ErrorClass.LocalState),
        DbException db => (DescribeDatabase(db), ErrorClass.LocalState),
        OperationCanceledException => ("cancelled", ErrorClass.Internal),
        _ => ($"internal error ({error.GetType().Name}): {error.Message}", ErrorClass.Internal),
    };

    /// <summary>
    /// SQLite failures are local: the primary result code (DbException.ErrorCode) says what is wrong with the
    /// state database or the filesystem under it.
    /// </summary>
    public static string DescribeDatabase(DbException db)
    {
        var where = DatabasePath ?? "the host state database";
        int code = (DatabaseErrorCode?.Invoke(db) ?? db.ErrorCode) & 0xFF;
        // SQLite says "disk I/O error" or "unable to open" for a full or read-only filesystem too: look at it.
        bool full = code is 13 or 10 && DatabasePath is not null && LocalFailure.IsFullAt(DatabasePath);
        bool readOnly = code is 8 or 10 or 14 && DatabasePath is not null && LocalFailure.IsReadOnlyAt(DatabasePath);
        var meaning = full ? "the disk is full; free space and retry"
            : readOnly ? "the filesystem is read-only; remount it read-write and retry"
            : code switch
            {
                13 => "the disk is full; free space and retry",
                8 => "it is read-only (permissions); make the state folder writable",
                11 or 26 => "it is damaged or not a Stork state database; see 'stork-get recover --rebuild' in HOST-STATE.md",
                10 => "an I/O error occurred reading or writing it",
                14 => "it cannot be opened (missing folder or permissions)",
                5 or 6 => "it is locked by another process for too long; retry",
                23 => "permission denied",
                _ => "a database operation failed",
            };
        return $"{where}: {meaning} ({db.Message})";
    }
}
