import Encoding
import Foundation
import HDF5
import LinearAlgebra
import Scoring

/// Brain-Score's extrapolation noise ceiling (docs/protocols.md), made fast by sharing work.
///
/// Procedure (all randomness from numpy-exact `RandomState(seed)` streams):
/// 1. subsets: one generator; for each subject count n = 2...N and each of `subsets` draws,
///    subset = the first n of `permutation(N)`; held-out subjects = the first
///    min(`heldOut`, n) of `permutation(n)` (positions in the subset);
/// 2. each held-out subject's neuroids are predicted from the pooled neuroids of the other
///    subjects in the subset with the benchmark's metric (least squares, its splits); a
///    neuroid's score = its r averaged over the splits -> a point (n, score);
/// 3. per neuroid, `bootstraps` resamples of its points (index = floor(u m) with u from a
///    second `RandomState(seed)`'s random_sample, neuroids in order) are each fitted with
///    v0 (1 - exp(-n / tau)), v0 in [0, 1] (`SaturatingFit`); neuroid ceiling = the median v0;
/// 4. benchmark ceiling = median over neuroids; its interval = the 2.5 / 97.5 percentiles
///    over bootstraps of the per-bootstrap medians over neuroids.
///
/// Why it is fast: every regression is least squares in kernel form, built from Gram
/// matrices. Each subject's Gram matrix over all rows is computed once; a pool's is their
/// sum; the centred train/test blocks of each split follow from it by arithmetic, so a
/// regression costs one small eigendecomposition per split, shared by every target neuroid.
public struct ExtrapolationCeiling: Sendable {
    public var subsets = 10
    public var heldOut = 5
    public var bootstraps = 100
    public var seed: UInt32 = 0
    /// Bytes the run may use (nil: no limit). Fewer regressions run in parallel when the
    /// budget requires; a budget too small for one is refused.
    public var memoryBudget: Int?

    public init() {}

    /// How many regressions may run side by side within the budget. Fixed: the process
    /// allowance, the data and its per-subject copy, the Gram matrices, each neuroid's points
    /// and fitted v0s, one block of bootstrap draws; per regression: the centred kernel
    /// blocks, eigenvectors and products, and the target subject's predictions.
    public static func workers(rows: Int, neuroids: Int, subjects: Int, largestSubject: Int, pointsPerNeuroid: Int,
                               bootstraps: Int, threads: Int, budget: Int?) throws -> Int {
        let fixed = MemoryPlan.processBaseline + 8 * rows * neuroids * 2 + 8 * subjects * rows * rows
            + neuroids * (16 * pointsPerNeuroid + 8 * bootstraps) + 256 * bootstraps * pointsPerNeuroid * 8
        let perWorker = 8 * (rows * rows * 6 + rows * largestSubject * 4)
        guard let budget else { return threads }
        guard budget >= fixed + perWorker else {
            throw ScoringError("a memory budget of \(formatBytes(budget)) is too small for this ceiling: the data, Gram matrices and fits need \(formatBytes(fixed)) and one regression \(formatBytes(perWorker)); use at least --memory \(formatBytes((fixed + perWorker) * 9 / 8))")
        }
        return max(1, min(threads, (budget - fixed) / perWorker))
    }

    public struct Result: Sendable {
        public var subjects: [String]
        /// Per neuroid (selected columns), the median bootstrapped v0.
        public var neuroidCeilings: [Double]
        public var ceiling: Double
        public var interval: (low: Double, high: Double)
        /// Per bootstrap, the median over neuroids of v0.
        public var bootstrapCeilings: [Double]
        /// Mean score over neuroids and draws, per subject count 2...N (a diagnostic).
        public var meanScoreByCount: [Double]
        public var regressions: Int
        public var seconds: Double
    }

    /// - Parameters:
    ///   - data: rows x neuroids (the selected rows and neuroids), Double.
    ///   - subjects: the subject of each neuroid column.
    ///   - splits: the metric's splits over the rows.
    ///   - ranks: MPI ranks to deal the regressions to (each rank computes its share with
    ///     its own threads; every rank then has all scores and the same result).
    public func run(data: Matrix<Double>, subjects: [String], splits: [Split], threads: Int, ranks: any RankGroup = SingleRank(),
                    progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) throws -> Result {
        let start = Date()
        // All BLAS work single-threaded (the parallelism is ours, over regressions): the
        // results then do not depend on --threads, and the same seed gives the same bits.
        return try BLASThreads.with(1) {
            try compute(data: data, subjects: subjects, splits: splits, threads: threads, ranks: ranks, start: start, progress: progress)
        }
    }

    /// A regression: the pooled subjects predict the target subject.
    struct Task: Hashable { var pool: [Int]; var target: Int }

    /// 1. The draws, in a fixed order (then computed in any order).
    func draws(subjectCount count: Int) -> [(n: Int, task: Task)] {
        var random = LegacyRandomState(seed: seed)
        var tasks: [(n: Int, task: Task)] = []
        for n in 2...count {
            for _ in 0..<subsets {
                let subset = Array(random.permutation(count).prefix(n))
                let held = Array(random.permutation(n).prefix(min(heldOut, n)))
                for h in held {
                    let pool = subset.enumerated().filter { $0.offset != h }.map(\.element).sorted()
                    tasks.append((n, Task(pool: pool, target: subset[h])))
                }
            }
        }
        return tasks
    }

    /// The subjects in order of first appearance, and each one's neuroid columns.
    static func subjectColumns(_ subjects: [String]) throws -> (names: [String], columns: [[Int]]) {
        let names = subjects.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        guard names.count >= 3 else { throw ScoringError("the extrapolation ceiling needs at least 3 subjects, found \(names.count)") }
        return (names, names.map { name in subjects.indices.filter { subjects[$0] == name } })
    }

    /// How many regressions run side by side; refuses a budget too small, before the data
    /// are read (`rows` x the neuroids of `subjects`).
    public func plannedWorkers(rows: Int, subjects: [String], threads: Int) throws -> Int {
        let (names, columns) = try Self.subjectColumns(subjects)
        let tasks = draws(subjectCount: names.count)
        let pointsPerNeuroid = (0..<names.count).map { s in tasks.filter { $0.task.target == s }.count }.max() ?? 0
        return try Self.workers(rows: rows, neuroids: subjects.count, subjects: names.count, largestSubject: columns.map(\.count).max() ?? 0,
                                pointsPerNeuroid: pointsPerNeuroid, bootstraps: bootstraps, threads: threads, budget: memoryBudget)
    }

    private func compute(data: Matrix<Double>, subjects: [String], splits: [Split], threads: Int, ranks: any RankGroup, start: Date,
                         progress: @escaping @Sendable (Int, Int) -> Void) throws -> Result {
        let (names, columns) = try Self.subjectColumns(subjects)
        let count = names.count
        let blocks = KernelLeastSquares.subjectBlocks(data, columns: columns)
        let grams = blocks.map { Matrix.gram($0, outer: true) }
        let tasks = draws(subjectCount: count)
        let threads = try plannedWorkers(rows: data.rows, subjects: subjects, threads: threads)
        // 2. Each distinct (pool, target) regression once, in parallel; over MPI ranks,
        //    each rank takes its share (dealt round-robin) and all ranks gather the scores.
        // Sorted, so every run does the same work in the same order (a Set's order is not stable).
        let unique = Array(Set(tasks.map(\.task))).sorted { a, b in a.target != b.target ? a.target < b.target : a.pool.lexicographicallyPrecedes(b.pool) }
        let computed = try ranks.dealt(unique.count, length: { columns[unique[$0].target].count }) { mine in
            let results = ConcurrentSlots<Swift.Result<[Double], Error>>(count: mine.count)
            let done = Counter()
            DispatchQueue.concurrentPerform(iterations: max(1, threads)) { worker in
                for slot in stride(from: worker, to: mine.count, by: max(1, threads)) {
                    let task = unique[mine[slot]]
                    let pooled = KernelLeastSquares.pooledGram(grams, pool: task.pool)
                    results.set(slot, Swift.Result<[Double], Error> { try Self.scores(gram: pooled, targets: blocks[task.target], splits: splits) })
                    progress(done.increment(), mine.count)
                }
            }
            return try results.values.map { try $0!.get() }
        }
        var scoresByTask: [Task: [Double]] = [:]
        for (index, task) in unique.enumerated() { scoresByTask[task] = computed[index] }

        // Points per neuroid (column in `data`).
        var points = [[(n: Double, v: Double)]](repeating: [], count: data.columns)
        var byCount = [[Double]](repeating: [], count: count + 1)
        for (n, task) in tasks {
            let scores = scoresByTask[task]!
            for (k, column) in columns[task.target].enumerated() where !scores[k].isNaN {
                points[column].append((Double(n), scores[k]))
                byCount[n].append(scores[k])
            }
        }
        // 3. Bootstrapped fits: resample indices drawn from one stream, neuroids in order
        //    (so the result is reproducible), a block of neuroids at a time (so the draws
        //    never all sit in memory), each block fitted in parallel.
        var bootstrapRandom = LegacyRandomState(seed: seed)
        let v0s = ConcurrentSlots<[Double]>(count: data.columns)
        let allPoints = points, bootstraps = bootstraps, block = 256
        for first in stride(from: 0, to: data.columns, by: block) {
            let columnsInBlock = Array(first..<min(first + block, data.columns))
            let draws: [[Int]] = columnsInBlock.map { column in
                let m = allPoints[column].count
                return (0..<(bootstraps * m)).map { _ in min(m - 1, Int(bootstrapRandom.randomSample() * Double(m))) }
            }
            DispatchQueue.concurrentPerform(iterations: max(1, threads)) { worker in
                for index in stride(from: worker, to: columnsInBlock.count, by: max(1, threads)) {
                    let column = columnsInBlock[index], m = allPoints[column].count
                    guard m > 0 else { v0s.set(column, [Double](repeating: .nan, count: bootstraps)); continue }
                    let fits = (0..<bootstraps).map { b in
                        let sample = draws[index][(b * m)..<((b + 1) * m)]
                        return SaturatingFit.fit(n: sample.map { allPoints[column][$0].n }, v: sample.map { allPoints[column][$0].v }).v0
                    }
                    v0s.set(column, fits)
                }
            }
        }
        let fitted = v0s.values.map { $0 ?? [Double](repeating: .nan, count: bootstraps) }
        let perNeuroid = fitted.map { nanMedian($0) }
        let perBootstrap = (0..<bootstraps).map { b in nanMedian(fitted.map { $0[b] }) }
        return Result(subjects: names, neuroidCeilings: perNeuroid, ceiling: nanMedian(perNeuroid),
                      interval: (nanPercentile(perBootstrap, 2.5), nanPercentile(perBootstrap, 97.5)),
                      bootstrapCeilings: perBootstrap, meanScoreByCount: (2...count).map { nanMean(byCount[$0]) },
                      regressions: unique.count, seconds: Date().timeIntervalSince(start))
    }

    /// Per target column: the mean over splits of the held-out Pearson r of least squares
    /// (intercept, minimum norm) from the features whose Gram matrix over all rows is `gram`.
    static func scores(gram: Matrix<Double>, targets: Matrix<Double>, splits: [Split]) throws -> [Double] {
        var sums = [Double](repeating: 0, count: targets.columns)
        var counts = [Int](repeating: 0, count: targets.columns)
        for split in splits {
            let q = try KernelLeastSquares.predictionOperator(gram: gram, split: split)
            let predictions = Matrix.product(q, targets.rows(split.train))
            let r = pearsonPerColumn(predictions, targets.rows(split.test))
            for (k, value) in r.enumerated() where !value.isNaN { sums[k] += value; counts[k] += 1 }
        }
        return zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : .nan }
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    @discardableResult func increment() -> Int { lock.withLock { count += 1; return count } }
    var value: Int { lock.withLock { count } }
}
