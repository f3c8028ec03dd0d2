namespace Attribution.Host.Run;

/// <summary>
/// The slots of the partitions this host owns, by partition number. Written by the
/// <see cref="PartitionTable"/> on the transaction loop's thread; read lock-free by shard threads and the source.
/// </summary>
internal sealed class PartitionDirectory
{
    private PartitionSlot?[] _slots = new PartitionSlot?[64];

    /// <summary>The slot of <paramref name="partition"/>, or null when not owned.</summary>
    public PartitionSlot? Get(int partition)
    {
        var slots = Volatile.Read(ref _slots);
        return (uint)partition < (uint)slots.Length ? Volatile.Read(ref slots[partition]) : null;
    }

    /// <summary>Installs (or replaces) a slot.</summary>
    public void Set(PartitionSlot slot)
    {
        var slots = _slots;
        if (slot.Partition >= slots.Length)
        {
            var grown = new PartitionSlot?[Math.Max(slot.Partition + 1, slots.Length * 2)];
            Array.Copy(slots, grown, slots.Length);
            slots = grown;
        }
        Volatile.Write(ref slots[slot.Partition], slot);
        Volatile.Write(ref _slots, slots);
    }

    /// <summary>Removes the slot of <paramref name="partition"/> after releasing it.</summary>
    public void Remove(int partition)
    {
        var slots = _slots;
        if ((uint)partition < (uint)slots.Length && slots[partition] is { } slot)
        {
            slot.Release();
            Volatile.Write(ref slots[partition], null);
        }
    }

    /// <summary>The owned slots (a copy).</summary>
    public List<PartitionSlot> Owned()
    {
        var list = new List<PartitionSlot>();
        foreach (var s in Volatile.Read(ref _slots))
        {
            if (s is { Owned: true })
            {
                list.Add(s);
            }
        }
        return list;
    }

    /// <summary>Fills <paramref name="into"/> with the owned slots without allocating (after warm-up).</summary>
    public void Owned(List<PartitionSlot> into)
    {
        into.Clear();
        foreach (var s in Volatile.Read(ref _slots))
        {
            if (s is { Owned: true })
            {
                into.Add(s);
            }
        }
    }
}
