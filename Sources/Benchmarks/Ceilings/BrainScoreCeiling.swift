import Encoding
import Foundation
import LinearAlgebra
import Scoring

/// Brain-Score language 2.3.0's `ExtrapolationCeiling` (brainscore-core 2.5.0), reproduced
/// step for step, and fast (docs/protocols.md):
/// 1. subjects sorted by name; for each subset size k = 2...N, EVERY combination of k
///    subjects, and within it EVERY subject held out in turn: its neuroids are predicted from
///    the other k - 1 subjects' neuroids pooled, by the metric (least squares with intercept,
///    sklearn's `lstsq` cutoff, its splits), each split's test rows scored with Brain-Score's
///    batched Pearson (1e-8 in the norms: a constant voxel scores 0);
/// 2. per neuroid and size, the table (combinations containing its subject, ordered by the
///    text of the subject tuple as Brain-Score's merge orders them) x (splits), flattened;
/// 3. per neuroid, `RandomState(0)` re-seeded; per bootstrap, per size ascending, `choice`
///    of the table with replacement (numpy's `randint(0, m, m)`), one mean per size; the
///    means fitted with scipy's curve_fit as Brain-Score calls it (`TrustRegionCurveFit`);
///    a failed fit is NaN;
/// 4. neuroid ceiling = the median over bootstraps of v0 (NaN if any fit failed); ceiling =
///    the median over neuroids, NaN neuroids skipped.
///
/// Why it is fast: every regression shares the subjects' Gram matrices (a pool's is their
/// sum) and a pool's eigendecomposition per split serves every target subject, so the
/// 2^N - 2 pools cost (2^N - 2) x splits eigendecompositions for N (2^(N-1) - 1)
/// regressions; the bootstrap draws are the same for every neuroid (same seed, same table
/// sizes), so each size's bootstrap means for all neuroids are one product of a draw-count
/// matrix with the table; the fits run in parallel over neuroids.
public struct BrainScoreCeiling: Sendable {
    public var bootstraps = 100
    /// Bytes the run may use (nil: no limit).
    public var memoryBudget: Int?
    /// Brain-Score re-seeds RandomState(0) for each neuroid.
    public static let bootstrapSeed: UInt32 = 0
    /// sklearn's LinearRegression: lstsq with cond = tol = 1e-6 drops singular values below
    /// 1e-6 of the largest, i.e. kernel eigenvalues below 1e-12 of the largest.
    public static let eigenvalueCutoff = 1e-12
    /// Above this estimated run time the default procedure refuses (suggesting
    /// `--procedure sampled`); an explicit `--procedure brainscore` runs anyway.
    public static let longRunSeconds = 3600.0
    /// Pools computed per worker before their scores are moved into the table.
    static let poolsPerWorkerBatch = 4

    public init() {}

    /// The work of a run, known before any data are read.
    public struct Plan: Sendable {
        public var subjects: [String]
        public var sizes: [Int]
        public var splits: Int
        public var combinations: Int
        public var regressions: Int
        public var eigendecompositions: Int
        public var fits: Int
        public var bytes: Int
        public var workers: Int
        /// A rough estimate: eigendecompositions and products at ~10 GFLOP/s per worker, 20 µs
        /// per fit (calibrated on tools/bench_ceiling.py: the Pereira-sized run, 5,100
        /// eigendecompositions of 345 x 345 and 1.2 M fits, took ~190 s on 2 loaded cores).
        public var estimatedSeconds: Double
    }

    public struct Result: Sendable {
        public var plan: Plan
        /// Per neuroid (selected columns), the median over bootstraps of v0.
        public var neuroidCeilings: [Double]
        public var ceiling: Double
        /// Not Brain-Score's: the 2.5 / 97.5 percentiles over bootstraps of the per-bootstrap
        /// median over neuroids of v0 (a diagnostic of the spread).
        public var interval: (low: Double, high: Double)
        public var bootstrapCeilings: [Double]
        /// Mean score over neuroids, combinations and splits, per subset size (a diagnostic).
        public var meanScoreBySize: [Double]
        public var failedFits: Int
        public var seconds: Double
    }

    /// The sorted subjects (Python's string order) and each one's neuroid columns.
    static func subjectColumns(_ subjects: [String]) throws -> (names: [String], columns: [[Int]]) {
        let names = Array(Set(subjects)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        // Two subjects give one pool size only, through which every saturating curve
        // passes: the extrapolated value would be an artefact of the fit's start.
        guard names.count >= 3 else {
            throw ScoringError("the extrapolation ceiling needs at least 3 subjects (pools of two sizes to fit its curve to), found \(names.count)")
        }
        guard names.count <= 30 else {
            throw ScoringError("\(names.count) subjects give \(names.count) x 2^\(names.count - 1) regressions: far too many for the exact Brain-Score ceiling; use --procedure sampled")
        }
        return (names, names.map { name in subjects.indices.filter { subjects[$0] == name } })
    }

    public func plan(rows: Int, trainRows: Int, testRows: Int, splits: Int, subjects: [String], threads: Int) throws -> Plan {
        let (names, columns) = try Self.subjectColumns(subjects)
        let n = names.count, neuroids = subjects.count
        let sizes = Array(2...n)
        let combinations = sizes.reduce(0) { $0 + binomial(n, $1) }
        let regressions = sizes.reduce(0) { $0 + $1 * binomial(n, $1) }
        let pools = (1 << n) - 2
        let largestTable = sizes.map { binomial(n - 1, $0 - 1) * splits }.max() ?? 0
        let tableEntries = sizes.reduce(0) { $0 + binomial(n - 1, $1 - 1) * splits }
        let largestSubject = columns.map(\.count).max() ?? 0
        // Fixed: the data and its per-subject copy, Gram matrices, one size's table, the
        // bootstrap means of every size, the fitted v0s, the draw counts.
        let fixed = MemoryPlan.processBaseline + 8 * rows * neuroids * 2 + 8 * n * rows * rows + 8 * largestTable * neuroids
            + 8 * bootstraps * sizes.count * neuroids + 8 * bootstraps * neuroids + 8 * bootstraps * tableEntries
        // Per worker: the pooled Gram, the kernel blocks, eigenvectors and products, the
        // split operators, one target's training block and predictions, and the scores of
        // its batch of pools (at most every neuroid x splits per pool), held up to three
        // times while a batch is gathered (the slots, the flattened share and the gathered
        // copy; over MPI the gather holds every rank's share).
        let perWorker = 8 * (rows * rows + 5 * trainRows * trainRows + 2 * splits * testRows * trainRows + trainRows * largestSubject * 2)
            + 3 * 8 * Self.poolsPerWorkerBatch * splits * neuroids
        var workers = max(1, threads)
        if let budget = memoryBudget {
            guard budget >= fixed + perWorker else {
                throw ScoringError("a memory budget of \(formatBytes(budget)) is too small for this ceiling: the data, tables and bootstrap means need \(formatBytes(fixed)) and one regression \(formatBytes(perWorker)); use at least --memory \(formatBytes((fixed + perWorker) * 9 / 8))")
            }
            workers = max(1, min(workers, (budget - fixed) / perWorker))
        }
        let eigenFlops = 10.0 * pow(Double(trainRows), 3)
        let regressionFlops = 2.0 * Double(testRows * trainRows) * Double(largestSubject) * Double(splits)
        let seconds = (Double(pools * splits) * eigenFlops + Double(regressions) * regressionFlops) / 1e10 / Double(workers)
            + Double(neuroids * bootstraps) * 20e-6 / Double(workers)
        return Plan(subjects: names, sizes: sizes, splits: splits, combinations: combinations, regressions: regressions, eigendecompositions: pools * splits,
                    fits: neuroids * bootstraps, bytes: fixed + perWorker * workers, workers: workers, estimatedSeconds: seconds)
    }

    /// - Parameters:
    ///   - data: rows x neuroids (the selected rows and neuroids), Double, no NaN.
    ///   - subjects: the subject of each neuroid column.
    ///   - splits: the metric's splits over the rows.
    ///   - ranks: MPI ranks to deal each batch of pools to (every rank gets every score, and
    ///     computes the fits itself: the same result on every rank).
    ///   - progress: (regressions done here, total).
    public func run(data: Matrix<Double>, subjects: [String], splits: [Split], threads: Int, ranks: any RankGroup = SingleRank(),
                    progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) throws -> Result {
        let start = Date()
        guard let first = splits.first else { throw ScoringError("the ceiling needs at least one split") }
        let plan = try self.plan(rows: data.rows, trainRows: first.train.count, testRows: first.test.count, splits: splits.count,
                                 subjects: subjects, threads: threads)
        // BLAS single-threaded (the parallelism is ours): results independent of --threads.
        return try BLASThreads.with(1) {
            try compute(data: data, subjects: subjects, splits: splits, plan: plan, ranks: ranks, start: start, progress: progress)
        }
    }

    private func compute(data: Matrix<Double>, subjects: [String], splits: [Split], plan: Plan, ranks: any RankGroup, start: Date,
                         progress: @escaping @Sendable (Int, Int) -> Void) throws -> Result {
        let (names, columns) = try Self.subjectColumns(subjects)
        let n = names.count, neuroids = data.columns, splitCount = splits.count
        let blocks = KernelLeastSquares.subjectBlocks(data, columns: columns)
        let grams = blocks.map { Matrix.gram($0, outer: true) }
        let draws = BootstrapDraws(sizes: plan.sizes.map { binomial(n - 1, $0 - 1) * splitCount }, bootstraps: bootstraps)
        let done = Counter()
        var means: [Matrix<Double>] = []  // per size: bootstraps x neuroids
        var meanBySize: [Double] = []
        var anyScore = false  // some held-out score neither 0 nor NaN
        for (sizeIndex, k) in plan.sizes.enumerated() {
            let order = CombinationOrder(names: names, size: k)
            let entries = order.perTarget * splitCount
            // 1. Every pool of k - 1 subjects, each serving every subject outside it, a batch
            //    of pools at a time (so only one batch's results wait beside the table).
            // 2. The table: row = position of the combination among the target's x splits.
            let pools = combinations(of: n, choose: k - 1)
            var table = Matrix<Double>(rows: entries, columns: neuroids)
            let workers = plan.workers, batch = workers * Self.poolsPerWorkerBatch
            for start in stride(from: 0, to: pools.count, by: batch) {
                let batchPools = Array(pools[start..<min(start + batch, pools.count)])
                let outside = batchPools.map { pool in (0..<n).filter { !pool.contains($0) } }
                // Over MPI ranks, each rank computes its share of the batch's pools and all
                // ranks gather every pool's scores (per outside subject, splits x its neuroids).
                let computed = try ranks.dealt(batchPools.count, length: { i in splitCount * outside[i].reduce(0) { $0 + columns[$1].count } }) { mine in
                    let results = ConcurrentSlots<Swift.Result<[Double], Error>>(count: mine.count)
                    DispatchQueue.concurrentPerform(iterations: workers) { worker in
                        for slot in stride(from: worker, to: mine.count, by: workers) {
                            results.set(slot, Swift.Result {
                                try Self.regressions(pool: batchPools[mine[slot]], subjectCount: n, grams: grams, blocks: blocks, splits: splits) { done.increment() }
                                    .flatMap(\.r.elements)
                            })
                            progress(done.value, plan.regressions)
                        }
                    }
                    return try results.values.map { try $0!.get() }
                }
                for (index, scores) in computed.enumerated() {
                    var offset = 0
                    for target in outside[index] {
                        let position = order.position(batchPools[index] + [target], of: target)
                        for (j, column) in columns[target].enumerated() {
                            for s in 0..<splitCount { table[position * splitCount + s, column] = scores[offset + j * splitCount + s] }
                        }
                        offset += columns[target].count * splitCount
                    }
                }
            }
            meanBySize.append(table.elements.reduce(0, +) / Double(table.elements.count))
            // (A constant neuroid's r is 0 up to the rounding of its mean, ~1e-17.)
            if !anyScore { anyScore = table.elements.contains { $0.isFinite && abs($0) > 1e-9 } }
            // 3. Bootstrap means of this size for every neuroid at once: counts x table / m.
            var sizeMeans = Matrix.product(draws.counts[sizeIndex], table)
            sizeMeans.elements.withUnsafeMutableBufferPointer { e in for i in e.indices { e[i] /= Double(entries) } }
            means.append(sizeMeans)
        }
        // With every score 0 or undefined (constant responses) each curve fits every v0
        // alike as tau grows, and the fit would report its starting point as a ceiling.
        // (One such neuroid among others is fitted as Brain-Score fits it.)
        guard anyScore else {
            throw ScoringError("every held-out score is 0 or undefined (constant responses?): there is no ceiling to extrapolate")
        }
        // 4. The fits, in parallel over neuroids.
        let sizes = plan.sizes.map(Double.init), bootstraps = bootstraps, allMeans = means
        let fitted = ConcurrentSlots<[Double]>(count: neuroids)
        let workers = max(1, plan.workers)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for column in stride(from: worker, to: neuroids, by: workers) {
                fitted.set(column, (0..<bootstraps).map { b in
                    let points = allMeans.map { $0[b, column] }
                    let valid = points.indices.filter { points[$0].isFinite }
                    guard !valid.isEmpty else { return .nan }
                    return TrustRegionCurveFit.v0(sizes: valid.map { sizes[$0] }, means: valid.map { points[$0] }) ?? .nan
                })
            }
        }
        let v0 = fitted.values.map { $0! }
        let perNeuroid = v0.map { $0.contains(where: \.isNaN) ? .nan : nanMedian($0) }  // numpy's median: NaN if any
        let perBootstrap = (0..<bootstraps).map { b in nanMedian(v0.map { $0[b] }) }
        return Result(plan: plan, neuroidCeilings: perNeuroid, ceiling: nanMedian(perNeuroid),
                      interval: (nanPercentile(perBootstrap, 2.5), nanPercentile(perBootstrap, 97.5)),
                      bootstrapCeilings: perBootstrap, meanScoreBySize: meanBySize,
                      failedFits: v0.reduce(0) { $0 + $1.filter(\.isNaN).count }, seconds: Date().timeIntervalSince(start))
    }

    /// One pool's regressions: per split its prediction operator (one eigendecomposition),
    /// applied to every subject outside the pool; r per (split, target neuroid).
    static func regressions(pool: [Int], subjectCount: Int, grams: [Matrix<Double>], blocks: [Matrix<Double>], splits: [Split],
                            done: () -> Void) throws -> [(target: Int, r: Matrix<Double>)] {
        let gram = KernelLeastSquares.pooledGram(grams, pool: pool)
        let operators = try splits.map { try KernelLeastSquares.predictionOperator(gram: gram, split: $0, relativeCutoff: eigenvalueCutoff) }
        return (0..<subjectCount).filter { !pool.contains($0) }.map { target in
            let y = blocks[target]
            var r = Matrix<Double>(rows: splits.count, columns: y.columns)
            for (s, split) in splits.enumerated() {
                let scores = batchedPearsonPerColumn(Matrix.product(operators[s], y.rows(split.train)), y.rows(split.test))
                for (j, value) in scores.enumerated() { r[s, j] = value }
            }
            done()
            return (target, r)
        }
    }
}

func binomial(_ n: Int, _ k: Int) -> Int {
    guard k >= 0, k <= n else { return 0 }
    var result = 1
    for i in 0..<min(k, n - k) { result = result * (n - i) / (i + 1) }
    return result
}

/// itertools.combinations(range(n), k), in its order.
func combinations(of n: Int, choose k: Int) -> [[Int]] {
    guard k >= 0, k <= n else { return [] }
    var out: [[Int]] = [], current = Array(0..<k)
    while true {
        out.append(current)
        var i = k - 1
        while i >= 0 && current[i] == n - k + i { i -= 1 }
        if i < 0 { return out }
        current[i] += 1
        for j in (i + 1)..<k { current[j] = current[j - 1] + 1 }
    }
}

/// Where Brain-Score's merged scores put each combination of one size: per target subject,
/// the combinations containing it sorted by their text, Python's str() of the tuple of
/// subject names (e.g. "('018', '199')").
struct CombinationOrder {
    let perTarget: Int
    private var positions: [Int: [UInt64: Int]] = [:]

    init(names: [String], size: Int) {
        let all = combinations(of: names.count, choose: size)
        perTarget = binomial(names.count - 1, size - 1)
        for target in names.indices {
            let mine = all.filter { $0.contains(target) }
                .map { (mask: Self.mask($0), label: Self.label($0.map { names[$0] })) }
                .sorted { $0.label.utf8.lexicographicallyPrecedes($1.label.utf8) }
            positions[target] = Dictionary(uniqueKeysWithValues: mine.enumerated().map { ($1.mask, $0) })
        }
    }

    func position(_ combination: [Int], of target: Int) -> Int { positions[target]![Self.mask(combination)]! }

    static func mask(_ subjects: [Int]) -> UInt64 { subjects.reduce(0) { $0 | (1 << UInt64($1)) } }

    /// Python's repr of a tuple of str (names are sorted, as itertools yields them).
    static func label(_ names: [String]) -> String {
        "(" + names.map(pythonRepr).joined(separator: ", ") + (names.count == 1 ? ",)" : ")")
    }

    static func pythonRepr(_ s: String) -> String {
        let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case quote: out += "\\" + String(c)
            default: out.append(c)
            }
        }
        return out + String(quote)
    }
}

/// The bootstrap draws every neuroid gets (Brain-Score re-seeds RandomState(0) for each):
/// per bootstrap, per size ascending, m indices into that size's m-entry table, as counts
/// (bootstraps x m per size) so that the means are one matrix product.
struct BootstrapDraws {
    var counts: [Matrix<Double>]

    init(sizes tableSizes: [Int], bootstraps: Int) {
        var random = LegacyRandomState(seed: BrainScoreCeiling.bootstrapSeed)
        counts = tableSizes.map { Matrix<Double>(rows: bootstraps, columns: $0) }
        for b in 0..<bootstraps {
            for (k, m) in tableSizes.enumerated() {
                for index in random.randint(m, count: m) { counts[k][b, index] += 1 }
            }
        }
    }
}
