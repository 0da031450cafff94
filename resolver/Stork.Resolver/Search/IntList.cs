namespace Stork.Resolver.Search;

/// <summary>A growable int array without the bounds and version checks of List&lt;int&gt;; the solver's hot loops live on these.</summary>
internal sealed class IntList
{
    public int[] Items;
    public int Count;

    public IntList(int capacity = 4) => Items = new int[Math.Max(capacity, 1)];

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void Add(int value)
    {
        if (Count == Items.Length) Grow(Count + 1);
        Items[Count++] = value;
    }

    public void AddRange(ReadOnlySpan<int> values)
    {
        if (Count + values.Length > Items.Length) Grow(Count + values.Length);
        values.CopyTo(Items.AsSpan(Count));
        Count += values.Length;
    }

    private void Grow(int needed) => Array.Resize(ref Items, Math.Max(needed, Items.Length * 2));

    public ReadOnlySpan<int> AsSpan() => Items.AsSpan(0, Count);

    public void Clear() => Count = 0;

    public ref int this[int index] => ref Items[index];

    public int[] ToArray() => Items.AsSpan(0, Count).ToArray();
}
