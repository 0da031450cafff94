using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Debian;

/// <summary>
/// Debian 12 minbase guests (mmdebstrap) with their own dpkg base system: the imported nginx-light, curl,
/// ca-certificates, sudo and python3 install through stork-get with maintainer scripts allowed, and run.
/// </summary>
[Collection("debian")]
public sealed class DebianMinbaseTests(ImportedDebianRepository repo)
{
    static readonly string[] Guests = ["min-a", "min-b", "min-c"];

    [Fact]
    public async Task Nginx_curl_ca_certificates_sudo_and_python3_install_into_minbase_guests_and_run()
    {
        Assert.True(Environment.UserName == "root", "chroot and the script runner need root; run the integration tests as root (CI does)");
        using var host = new TestHost();
        InitWithScripts(host);
        foreach (var g in Guests)
        {
            MinbaseImage.ExtractTo(host.GuestRoot(g));
            PublishedRepository.Expect(host.Get("guest", "add", g, "--root", host.GuestRoot(g), "--base", "dpkg"), $"guest add {g}");
        }
        // Maintainer scripts of ~30 packages in three guests: allow a loaded CI machine more than the usual 5 minutes.
        var install = ProcessRunner.Run("dotnet", [RepoRoot.File("client/Stork.Get.Cli", "bin", RepoRoot.Configuration, "net10.0", "stork-get.dll"),
            "--home", host.Home, "install", .. Guests.SelectMany(g => new[] { "--guest", g }), "nginx-light", "curl", "ca-certificates", "sudo", "python3"],
            timeout: TimeSpan.FromMinutes(20));
        Assert.True(install.ExitCode == 0, install.ToString());
        // The image's own packages met the dependencies: libc6 (and the rest of the base) were not installed by Stork.
        Assert.DoesNotContain(" libc6 ", install.Stdout);
        Assert.Contains("nginx-light", install.Stdout);

        var (caDir, caFile) = MakeTestCa(host.Directory);
        int tlsPort = FreePort();
        using var tlsServer = new NginxServer(repo.PublicDir, extraServerConfig:
            $"listen 127.0.0.1:{tlsPort} ssl; ssl_certificate {caDir}/server.crt; ssl_certificate_key {caDir}/server.key;");

        foreach (var g in Guests)
        {
            var root = host.GuestRoot(g);
            // ca-certificates' postinst built the CA bundle; sudo kept its setuid bit and root owner; restrictive modes kept.
            var bundle = Path.Combine(root, "etc/ssl/certs/ca-certificates.crt");
            Assert.True(File.Exists(bundle), $"{g}: no CA bundle: {Log(host, g)}");
            Assert.True(File.ReadAllText(bundle).Split("BEGIN CERTIFICATE").Length > 100, $"{g}: the CA bundle is nearly empty");
            Assert.Equal("4755 0 0", Stat(Path.Combine(root, "usr/bin/sudo"), "%a %u %g"));
            Assert.Equal("700", Stat(Path.Combine(root, "etc/ssl/private"), "%a"));
            Assert.Equal("440", Stat(Path.Combine(root, "etc/sudoers"), "%a"));
            Assert.Contains("www-data:", File.ReadAllText(Path.Combine(root, "etc/passwd")));
            // nginx-common's postinst enabled the default site and put its index page in /var/www/html.
            Assert.True(File.Exists(Path.Combine(root, "etc/nginx/sites-enabled/default")), $"{g}: no default site: {Log(host, g)}");
            Assert.False(File.Exists(Path.Combine(root, "usr/sbin/policy-rc.d")), "the policy-rc.d used while scripts ran must be gone");
            // The guest's dpkg checks Stork's files against the md5sums Stork registered.
            var dpkgVerify = ProcessRunner.Run("chroot", [root, "dpkg", "-V", "curl", "sudo", "nginx-light"]);
            Assert.True(dpkgVerify.ExitCode == 0 && dpkgVerify.Stdout.Trim() == "", dpkgVerify.ToString());
            Assert.True(File.Exists(Path.Combine(root, "var/lib/dpkg/info/curl.md5sums")));
            var test = ProcessRunner.Run("chroot", [root, "/usr/sbin/nginx", "-t"]);
            Assert.True(test.ExitCode == 0, test.ToString());
            var py = ProcessRunner.Run("chroot", [root, "/usr/bin/python3", "-c", "import json, ssl; print(json.dumps({'tls': ssl.OPENSSL_VERSION_INFO[0]}))"]);
            Assert.True(py.ExitCode == 0 && py.Stdout.Contains("\"tls\": 3"), py.ToString());
            var sudo = ProcessRunner.Run("chroot", [root, "/usr/bin/sudo", "-u", "www-data", "/usr/bin/id", "-un"]);
            Assert.True(sudo.ExitCode == 0 && sudo.Stdout.Trim() == "www-data", sudo.ToString());

            await ServesDefaultSite(root);

            // A test CA in /usr/local/share/ca-certificates, added by ca-certificates' own update-ca-certificates.
            File.Copy(caFile, Path.Combine(root, "usr/local/share/ca-certificates/stork-test-ca.crt"));
            PublishedRepository.Expect(ProcessRunner.Run("chroot", [root, "/usr/sbin/update-ca-certificates"]), "update-ca-certificates");
            var https = ProcessRunner.Run("chroot", [root, "/usr/bin/curl", "-sSf", $"https://127.0.0.1:{tlsPort}/metadata/timestamp.json"]);
            Assert.True(https.ExitCode == 0 && https.Stdout.Contains("\"signatures\""), https.ToString());
        }
        // Library files are shared between the guests (one inode), and so is setuid sudo: one immutable store variant
        // of mode 4755 and owner root, which no guest can change for the others.
        Assert.Single(Guests.Select(g => Stat(Path.Combine(host.GuestRoot(g), "usr/lib/x86_64-linux-gnu/libssl.so.3"), "%i")).Distinct());
        Assert.Single(Guests.Select(g => Stat(Path.Combine(host.GuestRoot(g), "usr/bin/sudo"), "%i")).Distinct());
        var sudoBefore = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(host.GuestRoot(Guests[1]), "usr/bin/sudo"))));
        foreach (var change in new[] { new[] { "/bin/chmod", "0777", "/usr/bin/sudo" }, ["/bin/chown", "33:33", "/usr/bin/sudo"], ["/bin/sh", "-c", "echo x >> /usr/bin/sudo"] })
        {
            var refused = ProcessRunner.Run("chroot", [host.GuestRoot(Guests[0]), .. change]);
            Assert.True(refused.ExitCode != 0 && refused.Stderr.Contains("Operation not permitted"), refused.ToString());
        }
        Assert.Equal(sudoBefore, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(host.GuestRoot(Guests[1]), "usr/bin/sudo")))));
        Assert.Equal("4755 0 0", Stat(Path.Combine(host.GuestRoot(Guests[1]), "usr/bin/sudo"), "%a %u %g"));
        var verify = host.Get("verify");
        Assert.True(verify.ExitCode == 0, verify.ToString());
    }

    /// <summary>Runs the guest's nginx with its default site moved to a free loopback port; the host fetches the page.</summary>
    static async Task ServesDefaultSite(string root)
    {
        int port = FreePort();
        var site = Path.Combine(root, "etc/nginx/sites-available/default");
        var text = File.ReadAllText(site);
        Assert.Contains("listen 80 default_server;", text);
        File.WriteAllText(site, text.Replace("listen 80 default_server;", $"listen 127.0.0.1:{port} default_server;").Replace("listen [::]:80 default_server;", ""));
        var info = new ProcessStartInfo("chroot") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { root, "/usr/sbin/nginx", "-g", "daemon off; master_process off;" }) info.ArgumentList.Add(a);
        using var nginx = Process.Start(info)!;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            string? page = null;
            while (page is null && DateTime.UtcNow < deadline && !nginx.HasExited)
            {
                try { page = await http.GetStringAsync($"http://127.0.0.1:{port}/"); }
                catch (HttpRequestException) { await Task.Delay(200); }
            }
            Assert.True(page is not null, $"the guest's nginx did not serve its default site on port {port}: " + (nginx.HasExited ? nginx.StandardError.ReadToEnd() : "no answer"));
            Assert.Contains("Welcome to nginx", page);
        }
        finally
        {
            if (!nginx.HasExited) nginx.Kill(entireProcessTree: true);
            nginx.WaitForExit();
        }
    }

    /// <summary>A host following the shared repository, with maintainer scripts allowed for the targets role.</summary>
    internal static void InitWithScripts(TestHost host, ImportedDebianRepository repo)
    {
        PublishedRepository.Expect(host.Get("init", "--repo", repo.Nginx.BaseUrl.ToString(), "--root", repo.RootFile), "init");
        var config = Path.Combine(host.Home, "config", "stork.json");
        var json = JsonNode.Parse(File.ReadAllText(config))!.AsObject();
        json["scripts"] = new JsonObject { ["allowed_roles"] = new JsonArray("targets") };
        File.WriteAllText(config, json.ToJsonString());
    }

    void InitWithScripts(TestHost host) => InitWithScripts(host, repo);

    static (string Dir, string CaFile) MakeTestCa(string parent)
    {
        var dir = Path.Combine(parent, "test-ca");
        Directory.CreateDirectory(dir);
        void Ssl(params string[] args) => PublishedRepository.Expect(ProcessRunner.Run("openssl", args, workingDirectory: dir), "openssl " + args[0]);
        Ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=Stork Test CA");
        Ssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
        File.WriteAllText(Path.Combine(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1\n");
        Ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "ext.cnf");
        return (dir, Path.Combine(dir, "ca.crt"));
    }

    internal static string Stat(string path, string format) => ProcessRunner.Run("stat", ["-c", format, path]).Stdout.Trim();

    internal static string Log(TestHost host, string guest)
    {
        var path = Path.Combine(host.Home, "state", "history", guest + ".scripts.jsonl");
        return File.Exists(path) ? File.ReadAllText(path)[^Math.Min(4000, (int)new FileInfo(path).Length)..] : "(no script history)";
    }

    static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
