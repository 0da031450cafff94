namespace Stork.Format;
