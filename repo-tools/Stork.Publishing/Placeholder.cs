namespace Stork.Publishing;
