using Stork.Client.Config;
using Stork.Format.Errors;

namespace Stork.Client.Tests;

public sealed class ClientConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stork-config-test-").FullName;

    private ClientConfig LoadWith(string extra)
    {
        File.WriteAllText(ClientConfig.PathIn(_dir), $$"""{"repository": "http://repo.example/"{{extra}}}""");
        return ClientConfig.Load(_dir);
    }

    [Fact]
    public void Root_check_interval_defaults_to_an_hour()
        => Assert.Equal(TimeSpan.FromHours(1), LoadWith("").RootCheckInterval);

    [Theory]
    [InlineData(0)]
    [InlineData(600)]
    [InlineData(86400)]
    public void Root_check_interval_takes_whole_seconds_from_zero_to_a_day(int seconds)
        => Assert.Equal(TimeSpan.FromSeconds(seconds), LoadWith($", \"root_check_interval_seconds\": {seconds}").RootCheckInterval);

    [Theory]
    [InlineData("-1")]
    [InlineData("86401")]
    [InlineData("1.5")]
    [InlineData("\"60\"")]
    [InlineData("null")]
    public void Root_check_interval_outside_the_range_is_refused_by_name(string value)
    {
        var error = Assert.Throws<LocalException>(() => LoadWith($", \"root_check_interval_seconds\": {value}"));
        Assert.Contains("'root_check_interval_seconds' must be an integer from 0", error.Message);
    }

    [Fact]
    public void Scripts_are_off_unless_roles_are_allowed()
    {
        Assert.Null(LoadWith("").ScriptRoles);
        Assert.Equal(["debian", "targets"], LoadWith(", \"scripts\": {\"allowed_roles\": [\"targets\", \"debian\"]}").ScriptRoles!.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_script_time_limit_defaults_to_ten_minutes_and_is_set_in_seconds()
    {
        Assert.Equal(TimeSpan.FromMinutes(10), LoadWith("").ScriptTimeLimit);
        Assert.Equal(TimeSpan.FromMinutes(10), LoadWith(", \"scripts\": {\"allowed_roles\": [\"targets\"]}").ScriptTimeLimit);
        Assert.Equal(TimeSpan.FromSeconds(2), LoadWith(", \"scripts\": {\"allowed_roles\": [\"targets\"], \"time_limit_seconds\": 2}").ScriptTimeLimit);
    }

    [Theory]
    [InlineData("[]", "'scripts' must be an object")]
    [InlineData("{\"allowed_role\": []}", "allowed_role")]
    [InlineData("{\"allowed_roles\": \"targets\"}", "'scripts.allowed_roles' must be a list")]
    [InlineData("{\"allowed_roles\": [1]}", "'scripts.allowed_roles' must hold role names")]
    [InlineData("{\"allowed_roles\": [], \"time_limit_seconds\": 0}", "'scripts.time_limit_seconds' must be a whole number of seconds from 1 to 86400")]
    [InlineData("{\"allowed_roles\": [], \"time_limit_seconds\": 86401}", "'scripts.time_limit_seconds' must be")]
    [InlineData("{\"allowed_roles\": [], \"time_limit_seconds\": \"60\"}", "'scripts.time_limit_seconds' must be")]
    public void A_bad_scripts_section_is_refused_by_name(string value, string problem)
    {
        var error = Assert.Throws<LocalException>(() => LoadWith($", \"scripts\": {value}"));
        Assert.Contains(problem, error.Message);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
