using Stork.Cli;
using System.CommandLine;
using Stork.Format.Crypto;
using Stork.Publishing.Repository;

namespace Stork.Publish.Cli.Commands;

/// <summary><c>key add|remove|rotate|new</c>: the keys of top-level and delegated roles.</summary>
internal static class KeyCommand
{
    public static Command Create() => new("key", "Manage the signing keys of a role")
    {
        Add(), Remove(), Rotate(), New(),
    };

    private static Command Add()
    {
        var repo = KeyOptions.Repo();
        var role = KeyOptions.Role();
        var key = new Option<string?>("--key") { Description = "Key file to add (public or private); a new key is generated into the key store when omitted" };
        var offline = KeyOptions.Offline();
        var command = new Command("add", "Add a key to a role (a new root version for top-level roles)") { repo, role, key, offline };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var project = RepositoryProject.Open(result.GetValue(repo)!, TimeProvider.System);
            var given = result.GetValue(key) is { } path ? KeyFiles.Read(path) : null;
            try { Report(project.AddKey(result.GetValue(role)!, given, result.GetValue(offline)), "added"); }
            finally { given?.Private?.Dispose(); }
            return 0;
        }));
        return command;
    }

    private static Command Remove()
    {
        var repo = KeyOptions.Repo();
        var role = KeyOptions.Role();
        var keyId = new Option<string>("--keyid") { Description = "Key ID (or a unique prefix of at least 8 hex digits)", Required = true };
        var offline = KeyOptions.Offline();
        var command = new Command("remove", "Remove a key from a role; its private key file moves to the key store's retired/") { repo, role, keyId, offline };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var project = RepositoryProject.Open(result.GetValue(repo)!, TimeProvider.System);
            Report(project.RemoveKey(result.GetValue(role)!, result.GetValue(keyId)!, result.GetValue(offline)), "removed");
            return 0;
        }));
        return command;
    }

    private static Command Rotate()
    {
        var repo = KeyOptions.Repo();
        var role = KeyOptions.Role();
        var key = new Option<string?>("--key") { Description = "Key file to use (public or private); a new key is generated into the key store when omitted" };
        var offline = KeyOptions.Offline();
        var command = new Command("rotate", "Replace all keys of a role with one key (threshold 1)") { repo, role, key, offline };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var project = RepositoryProject.Open(result.GetValue(repo)!, TimeProvider.System);
            var given = result.GetValue(key) is { } path ? KeyFiles.Read(path) : null;
            try { Report(project.RotateKey(result.GetValue(role)!, given, result.GetValue(offline)), "now the only key:"); }
            finally { given?.Private?.Dispose(); }
            return 0;
        }));
        return command;
    }

    private static Command New()
    {
        var output = new Option<string>("--out") { Description = "Private key file to write (mode 0600)", Required = true };
        var publicOut = new Option<string?>("--public-out") { Description = "Public key file (default: OUT with .pub.json)" };
        var type = new Option<string>("--type") { Description = $"Key type: {string.Join(", ", SigningKey.GeneratableTypes)} (securesystemslib encodings)", DefaultValueFactory = _ => PublicKey.Ed25519 };
        type.AcceptOnlyFromAmong(SigningKey.GeneratableTypes);
        var command = new Command("new", "Generate a key pair, e.g. for a delegated role's maintainer or an offline root key") { output, publicOut, type };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var path = Path.GetFullPath(result.GetValue(output)!);
            if (File.Exists(path)) throw new PublisherException($"{path} exists; refusing to overwrite a key");
            var publicPath = result.GetValue(publicOut) ?? (path.EndsWith(".key.json", StringComparison.Ordinal) ? path[..^".key.json".Length] + ".pub.json" : path + ".pub.json");
            using var key = SigningKey.Generate(result.GetValue(type)!);
            File.WriteAllText(path, "");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(path, key.ToPrivateJson());
            KeyFiles.WritePublic(publicPath, key.Public);
            PublishOutput.Say($"key {key.KeyId} ({key.Public.KeyType}/{key.Public.Scheme})");
            PublishOutput.Say($"  private: {path}");
            PublishOutput.Say($"  public:  {publicPath}");
            PublishOutput.Set("keyid", key.KeyId);
            PublishOutput.Set("keytype", key.Public.KeyType);
            PublishOutput.Set("scheme", key.Public.Scheme);
            PublishOutput.Set("private", path);
            PublishOutput.Set("public", publicPath);
            return 0;
        }));
        return command;
    }

    internal static void Report(KeyChange change, string verb)
    {
        PublishOutput.Set("role", change.Role);
        if (change.KeyId is not null) PublishOutput.Set("keyid", change.KeyId);
        if (change.PrivateKeyFile is not null) PublishOutput.Set("private", change.PrivateKeyFile);
        PublishOutput.Set("published", change.Published);
        PublishOutput.Set("root_version", change.Version);
        PublishOutput.Set("resigned_roles", PublishOutput.Strings(change.ResignedRoles));
        if (change.KeyId is not null) PublishOutput.Say($"role {change.Role}: {verb} key {change.KeyId}");
        if (change.PrivateKeyFile is not null) PublishOutput.Say($"  private key: {change.PrivateKeyFile}");
        if (!change.Published)
        {
            PublishOutput.Say($"staged in root version {change.Version} (not published).");
            PublishOutput.Say("Next: 'stork-publish root export REPO --out FILE', 'stork-publish sign FILE --key ROOTKEY' where the root keys are, 'stork-publish root import REPO FILE'.");
            return;
        }
        var what = Stork.Format.Metadata.RoleNames.TopLevel.Contains(change.Role) ? $"root v{change.Version} published" : "delegation updated";
        PublishOutput.Say(change.ResignedRoles.Count == 0 ? what : $"{what}; re-signed {string.Join(", ", change.ResignedRoles)} and the chain below");
    }
}
