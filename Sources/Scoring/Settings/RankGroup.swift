import HDF5

/// The processes one run is spread over, as the engine sees them: the ranks of an MPI
/// job (the `Ranks` module), or one process (`SingleRank`, the serial build and tests).
///
/// The engine's rule: every rank runs the same code on the same inputs, so every
/// decision that does not depend on the voxels (splits, models, memory plan, undefined
/// layers) is the same on all ranks without talking. Ranks only talk at a few fixed
/// points (agreements, broadcasts and gathers, the shared file's open and close), and
/// every rank reaches each of them in the same order, or all ranks stop at the same one.
public protocol RankGroup: Sendable {
    /// This process, 0..<size. Rank 0 (the lead) writes the result file's metadata and
    /// summaries, publishes it, and prints.
    var rank: Int { get }
    var size: Int { get }
    /// Collective: every rank passes what went wrong on it (nil: nothing). When any rank
    /// failed, every rank throws: the failing rank its own error, the others one error
    /// naming the lowest failing rank and carrying its message.
    func agree(_ failure: Error?) throws
    /// Collective: the lead's `text` on every rank (e.g. the staged file's temporary name).
    func broadcast(_ text: String) throws -> String
    /// Collective: every rank's `values`, indexed by rank, on every rank (results of the
    /// work items each rank took, e.g. ceiling regressions).
    func allGather(_ values: [Double]) throws -> [[Double]]
    /// Collective: every rank's `text`, indexed by rank, on every rank.
    func allGather(_ text: String) throws -> [String]
    /// Collective: opens the staged result file at `path` on every rank for writing
    /// per-neuroid results into datasets created (with early allocation) by the lead.
    func openShared(_ path: String) throws -> HDF5File
}

extension RankGroup {
    public var isLead: Bool { rank == 0 }

    /// Runs `body` and then `agree`s on how it went: every rank returns, or every rank throws.
    public func agreeing<T>(_ body: () throws -> T) throws -> T {
        var value: T?
        var failure: Error?
        do { value = try body() } catch { failure = error }
        try agree(failure)
        return value!
    }

    /// Runs `body` on the lead only, then agrees (a failure on the lead stops every rank).
    public func onLead<T>(_ body: () throws -> T) throws -> T? {
        try agreeing { isLead ? try body() : nil }
    }

    /// Every item's result on every rank, when each rank computes (as it likes, e.g. on
    /// its threads) the results of the items `share(of: count)` gives it, in that order,
    /// and item i's result has `length(i)` values (known to all ranks). A failure on any
    /// rank stops all ranks (`agree`).
    public func dealt(_ count: Int, length: (Int) -> Int, _ compute: ([Int]) throws -> [[Double]]) throws -> [[Double]] {
        let items = share(of: count)
        let mine = try agreeing {
            let results = try compute(items)
            guard zip(items, results).allSatisfy({ length($0) == $1.count }), results.count == items.count else {
                throw ScoringError("rank \(rank): a work item's result has the wrong length")
            }
            return results.flatMap { $0 }
        }
        let gathered = try allGather(mine)
        var results = [[Double]](repeating: [], count: count)
        for (rank, values) in gathered.enumerated() {
            var offset = 0
            for item in stride(from: rank, to: count, by: size) {
                let n = length(item)
                guard offset + n <= values.count else { throw ScoringError("rank \(rank) sent \(values.count) values, fewer than its work items need") }
                results[item] = Array(values[offset..<(offset + n)])
                offset += n
            }
        }
        return results
    }

    /// Which of `count` work items (voxel slabs, regressions, plan steps) this rank takes:
    /// dealt round-robin, so items of similar cost balance and each rank's share keeps
    /// the serial order. More ranks than items leaves some ranks idle, which is fine.
    public func share(of count: Int) -> [Int] {
        Array(stride(from: rank, to: count, by: size))
    }
}

/// One process: the serial build, and the MPI build run without a launcher.
public struct SingleRank: RankGroup {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func agree(_ failure: Error?) throws { if let failure { throw failure } }
    public func broadcast(_ text: String) throws -> String { text }
    public func allGather(_ values: [Double]) throws -> [[Double]] { [values] }
    public func allGather(_ text: String) throws -> [String] { [text] }
    public func openShared(_ path: String) throws -> HDF5File { try HDF5File.reopenForWriting(path) }
}
