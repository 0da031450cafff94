namespace Stork.Resolver.Search;

/// <summary>A growable int array without the bounds and version checks of List&lt;int&gt;; the solver's hot loops live on these.</summary>
internal sealed class IntList
{
    public int[] Items;
    public int Count;

    public IntList(int capacity = 4) => Items = new int[Math.Max(capacity, 1)];

    public void Add(int value)
    {
        if (Count == Items.Length) Array.Resize(ref Items, Items.Length * 2);
        Items[Count++] = value;
    }

    public void Clear() => Count = 0;

    public ref int this[int index] => ref Items[index];

    public int[] ToArray() => Items.AsSpan(0, Count).ToArray();
}
