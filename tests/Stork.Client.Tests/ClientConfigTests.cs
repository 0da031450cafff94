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

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
