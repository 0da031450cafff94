namespace Stork.Client;
