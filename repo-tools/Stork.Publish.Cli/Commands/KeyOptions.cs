using System.CommandLine;
using Stork.Format.Crypto;
using Stork.Publishing.Repository;

namespace Stork.Publish.Cli.Commands;

/// <summary>Options shared by the key, root and delegation commands.</summary>
internal static class KeyOptions
{
    public static Argument<string> Repo() => new("repo") { Description = "Repository directory" };

    public static Option<string> Role() => new("--role") { Description = "Role name: root, targets, snapshot, timestamp, or a delegated role", Required = true };

    public static Option<bool> Offline() => new("--offline")
    {
        Description = "Root keys are not on this host: stage the change in REPO/staged-root.json for 'root export' / 'sign' / 'root import'",
    };

    /// <summary>Extra private keys for signing (repeatable): e.g. a delegated role's maintainer key.</summary>
    public static Option<string[]> SigningKeys(string description) => new("--key")
    {
        Description = description,
        AllowMultipleArgumentsPerToken = true,
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary>Loads private key files; a public-only file here is a usage mistake worth a clear message.</summary>
    public static List<SigningKey> LoadPrivate(IEnumerable<string>? paths)
    {
        var keys = new List<SigningKey>();
        foreach (var path in paths ?? [])
        {
            var file = KeyFiles.Read(path);
            keys.Add(file.Private ?? throw new PublisherException($"{path} holds only a public key; signing needs the private key file"));
        }
        return keys;
    }

    public static void DisposeAll(IEnumerable<SigningKey> keys)
    {
        foreach (var key in keys) key.Dispose();
    }
}
