using System.Data.Common;

namespace Stork.Format.Errors;

/// <summary>Turns any failure into the one-line message and documented exit code the CLIs print.</summary>
public static class ErrorReport
{
    /// <summary>The host state database this process opened, named in database errors (set by the client).</summary>
    public static string? DatabasePath { get; set; }

    public static (string Message, int ExitCode) Describe(Exception error) => error switch
    {
        StorkException s => (s.Message, s.ExitCode),
        UnauthorizedAccessException u => ($"permission denied: {u.Message}", ExitCodes.LocalState),
        IOException io => ($"I/O error: {LocalFailure.Describe(io)}", ExitCodes.LocalState),
        DbException db => (DescribeDatabase(db), ExitCodes.LocalState),
        OperationCanceledException => ("cancelled", ExitCodes.Internal),
        _ => ($"internal error ({error.GetType().Name}): {error.Message}", ExitCodes.Internal),
    };

    /// <summary>
    /// SQLite failures are local: the primary result code (DbException.ErrorCode) says what is wrong with the
    /// state database or the filesystem under it.
    /// </summary>
    public static string DescribeDatabase(DbException db)
    {
        var where = DatabasePath ?? "the host state database";
        var meaning = (db.ErrorCode & 0xFF) switch
        {
            13 => "the disk is full; free space and retry",
            8 => "it is read-only (read-only filesystem or permissions); make the state folder writable",
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
