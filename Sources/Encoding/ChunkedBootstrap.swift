/// The held-out sets of the Huth lab's `bootstrap_ridge` (ridge_utils/ridge.py, as used
/// by LeBel et al. 2023 with 50 draws of 125 chunks of 40 TRs), drawn from a seeded numpy
/// generator so a Python reference reproduces them.
///
/// The published algorithm, and what is kept of it:
/// - the training rows are cut into `n / chunkLength` consecutive chunks
///   (`zip(*[iter(range(n))]*chunklen)`): the last `n % chunkLength` rows belong to no
///   chunk and are never held out;
/// - each draw shuffles the chunk list afresh and holds out its first `heldOutChunks`
///   chunks: chunks are drawn without replacement within a draw, independently across
///   draws; the rest of the rows are fitted on;
/// - the published code shuffles with Python's unseeded `random.shuffle`; here draw b is
///   `numpy.random.RandomState(seed)`'s b-th `permutation(n / chunkLength)` (one
///   generator for all draws, in order; `LegacyRandomState.permutation`), whose first
///   `heldOutChunks` entries are the held-out chunks, in that order;
/// - each alpha is scored by the held-out rows' Pearson r per voxel (undefined r counts as
///   0), averaged (mean) over draws; the highest mean wins, ties to the earlier alpha
///   (`numpy.argmax`). That is `RidgeConfiguration.InnerCriterion.correlation`.
public struct ChunkedBootstrap: Equatable, Sendable {
    /// Draws (NBOOTS).
    public var draws: Int
    /// Rows per chunk (CHUNKLEN).
    public var chunkLength: Int
    /// Chunks held out per draw (NCHUNKS).
    public var heldOutChunks: Int
    /// Seed of numpy's RandomState.
    public var seed: UInt32

    public init(draws: Int, chunkLength: Int, heldOutChunks: Int, seed: UInt32 = 1) {
        self.draws = draws
        self.chunkLength = chunkLength
        self.heldOutChunks = heldOutChunks
        self.seed = seed
    }

    /// LeBel et al. (2023)'s setting: 50 draws of 125 chunks of 40 rows.
    public static func lebel2023(seed: UInt32 = 1) -> ChunkedBootstrap {
        ChunkedBootstrap(draws: 50, chunkLength: 40, heldOutChunks: 125, seed: seed)
    }

    public var description: String {
        "chunked bootstrap (\(draws) draws holding out \(heldOutChunks) chunks of \(chunkLength) rows, seed \(seed))"
    }

    /// The draws over `n` training rows: test = the held-out rows (chunk by chunk, in the
    /// order drawn), train = the others, ascending.
    public func splits(count n: Int) throws -> [Split] {
        guard draws >= 1, chunkLength >= 1, heldOutChunks >= 1 else {
            throw CrossValidationError(description: "bootstrap inner CV needs at least 1 draw, 1 row per chunk and 1 held-out chunk; got \(draws):\(chunkLength):\(heldOutChunks)")
        }
        let (product, overflow) = heldOutChunks.multipliedReportingOverflow(by: chunkLength)
        guard !overflow, product < n else {
            throw CrossValidationError(description: "bootstrap inner CV holds out \(heldOutChunks) chunks of \(chunkLength) rows (\(overflow ? "too many" : "\(product)") rows) per draw, but the training data have \(n) rows; at least one must remain to fit (use fewer or shorter chunks)")
        }
        guard product >= 2 else {
            throw CrossValidationError(description: "bootstrap inner CV holds out \(product) row per draw; a held-out correlation needs at least 2")
        }
        let chunks = n / chunkLength
        var random = LegacyRandomState(seed: seed)
        return (0..<draws).map { _ in
            let order = random.permutation(chunks)
            let held = order.prefix(heldOutChunks).flatMap { ($0 * chunkLength)..<(($0 + 1) * chunkLength) }
            var isHeld = [Bool](repeating: false, count: n)
            for row in held { isHeld[row] = true }
            return Split(train: (0..<n).filter { !isHeld[$0] }, test: held)
        }
    }
}
