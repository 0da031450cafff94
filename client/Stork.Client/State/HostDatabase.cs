using Microsoft.Data.Sqlite;

namespace Stork.Client.State;

/// <summary>
/// The host's SQLite state: one connection (<see cref="SqlSession"/>) shared by one class per table family
/// (<see cref="Guests"/>, <see cref="Ownership"/>, <see cref="Manifests"/>, <see cref="Generations"/>,
/// <see cref="Journal"/>, <see cref="Adoptions"/>), each reading and writing only its own tables; tables, schema version and migrations in
/// <see cref="HostSchema"/>. The changes that span families (a generation's commit, a guest's removal) are here, each
/// one transaction.
/// </summary>
public sealed class HostDatabase : IDisposable
{
    /// <summary>The schema version this build writes (<see cref="HostSchema"/>).</summary>
    public const int SchemaVersion = HostSchema.Version;

    private readonly SqlSession _sql;

    public GuestTable Guests { get; }
    public OwnershipTable Ownership { get; }
    public ManifestTable Manifests { get; }
    public GenerationTable Generations { get; }
    public JournalTable Journal { get; }
    public AdoptionTable Adoptions { get; }

    /// <summary>Opens (creating if missing) a database file and brings its schema up to date. Hosts use <see cref="Open"/>.</summary>
    public HostDatabase(string databasePath) : this(databasePath, create: true)
    {
        Migrate();
    }

    private HostDatabase(string databasePath, bool create)
    {
        if (create) Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 60,
        }.ToString());
        connection.Open();
        _sql = new SqlSession(connection);
        Guests = new GuestTable(_sql);
        Ownership = new OwnershipTable(_sql);
        Manifests = new ManifestTable(_sql);
        Generations = new GenerationTable(_sql);
        Journal = new JournalTable(_sql);
        Adoptions = new AdoptionTable(_sql);
    }

    /// <summary>
    /// Opens the host's state database after proving it belongs to this host's store (HOST-STATE.md, "Host
    /// identity"): a missing, empty, damaged or foreign database is a local error naming it, and nothing is
    /// changed. A host with neither a database nor store content gets both, with a new host id.
    /// </summary>
    public static HostDatabase Open(HostPaths paths)
    {
        Stork.Format.Errors.Failure.DatabasePath = paths.Database;
        Stork.Format.Errors.Failure.DatabaseErrorCode = e => e is SqliteException s ? s.SqliteErrorCode : e.ErrorCode;
        var storeId = HostIdentity.ReadStoreId(paths);
        if (!File.Exists(paths.Database))
        {
            HostIdentity.RequireNoStoreWithoutDatabase(paths, storeId);
            HostIdentity.CreateFresh(paths);
            storeId = HostIdentity.ReadStoreId(paths);
        }
        if (new FileInfo(paths.Database).Length == 0)
            throw HostIdentity.Refused(paths, "is empty (0 bytes)");
        if (HostIdentity.HeaderProblem(paths.Database) is { } problem) throw HostIdentity.Refused(paths, problem);
        HostDatabase? database = null;
        try
        {
            database = new HostDatabase(paths.Database, create: false);
            database.CheckIdentity(paths, storeId);
            database.Migrate();
            LegacyAdoptionFiles.Import(database, paths.StateDir);
            return database;
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 11 or 26 /* SQLITE_CORRUPT, SQLITE_NOTADB */)
        {
            database?.Dispose();
            throw HostIdentity.Refused(paths, $"is damaged ({e.Message})", e);
        }
        catch
        {
            database?.Dispose();
            throw;
        }
    }

    /// <summary>Creates a new database with the current schema and the given host id (fresh hosts, recover --rebuild).</summary>
    internal static HostDatabase CreateNew(string databasePath, string hostId)
    {
        var database = new HostDatabase(databasePath, create: true);
        try
        {
            database.Migrate();
            database.SetHostId(hostId);
            return database;
        }
        catch
        {
            database.Dispose();
            throw;
        }
    }

    public int UserVersion => HostSchema.UserVersion(_sql);

    /// <summary>This host's id, from the host table (null in a database from before host identity).</summary>
    public string? HostId => HostSchema.TableExists(_sql, "host") ? _sql.Scalar("SELECT id FROM host LIMIT 1") as string : null;

    /// <summary>
    /// The end of a change, in one SQLite transaction: the guest's packages and owned files become the new set,
    /// a new generation is recorded, the link mode in use is stored and the journal is dropped.
    /// Returns the new generation number.
    /// </summary>
    public int CommitGeneration(string guest, IReadOnlyList<InstalledPackage> packages, IReadOnlyList<OwnedFile> owned, LinkMode? linkModeUsed, string summary, DateTimeOffset created) =>
        _sql.InTransaction(() =>
        {
            Ownership.Replace(guest, packages, owned);
            var number = Generations.Add(guest, packages, summary, created);
            if (linkModeUsed is not null) Guests.SetLinkModeUsed(guest, linkModeUsed.Value);
            Journal.Delete(guest);
            return number;
        });

    /// <summary>Unregisters a guest: its journal, adoption record, packages, owned files and generations go with it, in one transaction.</summary>
    public void DeleteGuest(string guest) => _sql.InTransaction(() =>
    {
        Journal.Delete(guest);
        Adoptions.Delete(guest);
        Ownership.Delete(guest);
        Generations.Delete(guest);
        Guests.Delete(guest);
    });

    /// <summary>Every blob some guest has installed, keeps in a generation, or is in the middle of installing.</summary>
    public IReadOnlySet<string> ReferencedBlobs()
    {
        var set = new HashSet<string>(Ownership.InstalledBlobs(), StringComparer.Ordinal);
        set.UnionWith(Generations.KeptBlobs());
        set.UnionWith(Journal.DesiredBlobs());
        return set;
    }

    private void Migrate() => HostSchema.Migrate(_sql);

    private void SetHostId(string id) => _sql.InTransaction(() =>
    {
        _sql.Execute("DELETE FROM host");
        _sql.Execute("INSERT INTO host(id) VALUES ($id)", ("$id", id));
    });

    /// <summary>Reads only, until the database is known to be this host's; see <see cref="Open"/>.</summary>
    private void CheckIdentity(HostPaths paths, string? storeId)
    {
        var version = UserVersion;
        if (version > SchemaVersion)
            throw HostIdentity.Refused(paths, $"has schema version {version}, newer than this stork-get knows ({SchemaVersion}); upgrade stork-get");
        if (!HostSchema.TableExists(_sql, "guests"))
            throw HostIdentity.Refused(paths, "holds no Stork state (no tables)");
        var id = HostId;
        if (id is null)
        {
            if (version >= 1) throw HostIdentity.Refused(paths, "has lost its host id");
            // A database from before host identity: it becomes this store's, unless the store already has an owner.
            if (storeId is not null)
                throw HostIdentity.Refused(paths, $"has no host id, but the store belongs to host {storeId}");
            Migrate();
            SetHostId(HostIdentity.NewId());
            id = HostId!;
        }
        if (storeId is null) HostIdentity.WriteStoreId(paths, id); // a crash right after creation left the store without it
        else if (storeId != id)
            throw HostIdentity.Refused(paths, $"belongs to host {id}, but the store {Path.GetDirectoryName(paths.FilesDir)} belongs to host {storeId}");
    }

    public void Dispose() => _sql.Dispose();
}
