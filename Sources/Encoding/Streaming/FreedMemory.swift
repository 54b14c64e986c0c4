import CProcessGuard

extension MemoryPlan {
    /// The plan counts what is alive; it can bound the resident size only if freed memory
    /// leaves the process. glibc's malloc gives large blocks their own mappings (returned
    /// on free) only above a threshold that it raises, up to 32 MiB, each time such a block
    /// is freed. The operator build allocates transients of 4-20 MiB between the operators
    /// it keeps; from the heap, they leave holes that stay resident (measured on the
    /// chunked-bootstrap fit, 6,000 x 1,024, 50 draws: peak RSS 1.6 GiB against a plan of
    /// 1.3 GiB). So the build runs with the threshold at 1 MiB, and then, before the voxels
    /// stream, the free memory is handed back and the thresholds go where malloc's own
    /// adjustment takes them on a long run (mmap 32 MiB; trim twice that, or the heap
    /// shrinks and regrows around every slice): streaming reuses its slice-sized blocks from
    /// the heap, as it always did (with every block a fresh mapping the paper-scale fit was
    /// 38% slower, from page faults).
    public static func whileBuildingOperators<T>(_ body: () throws -> T) rethrows -> T {
        _ = pg_set_malloc_thresholds(1 << 20, 2 << 20)
        defer {
            pg_release_free_memory()
            _ = pg_set_malloc_thresholds(32 << 20, 64 << 20)
        }
        return try body()
    }
}
