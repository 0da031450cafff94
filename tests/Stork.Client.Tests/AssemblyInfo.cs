// The client manages Linux guests; its tests only run there.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
