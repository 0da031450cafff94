using Stork.Cli;
using System.CommandLine;
using Stork.Format.Metadata;
using Stork.Publishing.Repository;

namespace Stork.Publish.Cli.Commands;

/// <summary><c>sign FILE --key KEYFILE</c>: adds signatures to a metadata file; needs no repository (offline hosts).</summary>
internal static class SignCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "Metadata file to sign in place (e.g. from 'root export')" };
        var keyFiles = KeyOptions.SigningKeys("Private key file(s) to sign with");
        keyFiles.Required = true;
        var command = new Command("sign", "Add signatures by private keys to a metadata file") { file, keyFiles };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var path = Path.GetFullPath(result.GetValue(file)!);
            if (!File.Exists(path)) throw new PublisherException($"{path} does not exist");
            var envelope = SignedEnvelope.Parse(File.ReadAllBytes(path), path);
            var keys = KeyOptions.LoadPrivate(result.GetValue(keyFiles));
            var signedBy = new System.Text.Json.Nodes.JsonArray();
            try
            {
                RootMetadata? root = envelope.Type == RoleNames.Root ? RootMetadata.FromSigned(envelope.Signed, path) : null;
                foreach (var key in keys)
                {
                    envelope.Sign(key);
                    PublishOutput.Say($"signed {Path.GetFileName(path)} with key {key.KeyId}");
                    // A key outside the new root may still be one of the previous root's keys; only say so.
                    bool outside = root is not null && !root.Role(RoleNames.Root).KeyIds.Contains(key.KeyId);
                    if (outside) PublishOutput.Say("  (not a root key of this version: it counts only if it is a root key of the previous version)");
                    signedBy.Add((System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject { ["keyid"] = key.KeyId, ["root_key_of_this_version"] = root is null ? null : !outside });
                }
                var temp = path + ".tmp";
                File.WriteAllBytes(temp, envelope.ToBytes());
                File.Move(temp, path, overwrite: true);
                PublishOutput.Set("file", path);
                PublishOutput.Set("signed_by", signedBy);
            }
            finally { KeyOptions.DisposeAll(keys); }
            return 0;
        }));
        return command;
    }
}
