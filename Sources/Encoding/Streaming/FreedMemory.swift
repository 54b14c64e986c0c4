import CProcessGuard

extension MemoryPlan {
    /// The plan counts what is alive; it can only bound the resident size if freed memory
    /// leaves the process. glibc's malloc serves blocks above its mmap threshold with their
    /// own mappings (returned on free) but raises that threshold, up to 32 MiB, each time
    /// such a block is freed; after that, the operator build's transients (4-20 MiB each)
    /// come from the heap arenas and stay resident, fragmented, once freed. Measured on the
    /// chunked-bootstrap fit (6,000 x 1,024, 50 draws): peak RSS 1.6 GiB against a plan of
    /// 1.3 GiB with the moving threshold, 1.3 GiB with it fixed at 1 MiB (and no slower
    /// beyond the machine's noise: the big blocks are few). Called once at start-up by the
    /// command-line tool.
    public static func returnLargeFreedBlocksToTheSystem() {
        _ = pg_fix_mmap_threshold(1 << 20)
    }
}
