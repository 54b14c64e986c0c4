import Foundation
import LinearAlgebra

/// The results for one chunk of voxels: per split, Pearson r on the held-out rows and the
/// index (into the split's alphas) chosen for each voxel.
public struct ChunkResult: Sendable {
    public var columns: Range<Int>
    /// [split][voxel in chunk]
    public var r: [[Double]]
    /// [split][voxel in chunk]
    public var alphaIndex: [[Int]]
}

/// Runs cross-validated predictivity over every voxel of a `TargetSource`, streaming:
///
///     reader thread --(bounded queue)--> compute workers --(bounded queue)--> caller (writer)
///
/// The scorer owns its memory plan: it is given the byte budget (and what the caller
/// already holds), and derives from the models and the source how wide each read is and
/// how wide each computed slice is (`MemoryPlan`). The reader reads whole stored chunks,
/// cuts them into slices and queues them while workers compute; the calling thread
/// receives finished slices (in any order) and writes them out. The split models (all
/// voxel-independent work) are built once, before streaming.
public struct StreamingScorer<S: EngineScalar>: Sendable {
    public let models: [SplitModel<S>]
    public let budget: Int
    /// Bytes the caller holds beside the models (features, transforms, summaries).
    public let heldBytes: Int
    public let workers: Int
    /// A plan made beforehand for several passes over the data (alphas selected in passes
    /// of inner folds): every pass reads and slices the same way. Nil: the plan is made
    /// for these models.
    public let fixedPlan: MemoryPlan?

    public init(models: [SplitModel<S>], budget: Int, heldBytes: Int, workers: Int, fixedPlan: MemoryPlan? = nil) {
        self.models = models
        self.budget = budget
        self.heldBytes = heldBytes
        self.workers = max(1, workers)
        self.fixedPlan = fixedPlan
    }

    /// The plan this scorer will follow on `source`: the `fixedPlan` when it has one, else
    /// one made for its models (they are built: the build's memory was the predicted
    /// plan's to check).
    public func plan(for source: TargetSource) throws -> MemoryPlan {
        if let fixedPlan { return fixedPlan }
        return try MemoryPlan.make(budget: budget, scalarSize: MemoryLayout<S>.size, heldBytes: heldBytes, models: models.map(\.shape),
                            workers: workers, source: source.shape, toBuild: false)
    }

    /// Scores one chunk (all rows x some voxels) through every split. `given`: alphas
    /// chosen beforehand (`GivenAlphas`); splits without a choice there (or nil) choose
    /// as the model does.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func score(chunk targets: Matrix<S>, columns: Range<Int>, given: GivenAlphas? = nil) -> ChunkResult {
        var r: [[Double]] = [], chosen: [[Int]] = []
        for (s, model) in models.enumerated() {
            let (predictions, alphaIndex) = model.predict(targets: targets, given: given?.indices(split: s, columns: columns))
            r.append(pearsonPerColumn(predictions, targets.rows(model.split.test)))
            chosen.append(alphaIndex)
        }
        return ChunkResult(columns: columns, r: r, alphaIndex: chosen)
    }

    /// True when some split chooses one alpha for all voxels: it needs a pass
    /// `addInnerLosses` over every voxel before `run` can predict (`InnerLossStore`).
    public var choosesSharedAlphas: Bool { models.contains(where: \.choosesOneSharedAlpha) }

    /// Streams every column of `source` through the models. `receive` runs on the calling
    /// thread for each finished slice (for writing), with the number of voxels done so far.
    /// The first error (planning, reading or receiving) stops the pipeline and is rethrown.
    /// Returns the plan it followed.
    ///
    /// `slabs` picks which of the plan's reads (column slabs aligned to the stored chunks,
    /// in order) this process scores: all of them, or one MPI rank's share. The plan is
    /// always made for the whole source, so every slice has the width it has in a
    /// one-process run and each voxel's arithmetic is the same.
    ///
    /// Splits that share one alpha (`choosesSharedAlphas`) must be given it in `given`: a
    /// choice made chunk by chunk would differ between chunks; so must models built
    /// without inner folds (`ModelPart.test`).
    @discardableResult
    public func run(source: TargetSource, slabs: (_ count: Int) -> [Int] = { Array(0..<$0) }, given: GivenAlphas? = nil,
                    receive: (ChunkResult, _ voxelsDone: Int) throws -> Void) throws -> MemoryPlan {
        precondition(models.indices.allSatisfy { s in !(models[s].choosesOneSharedAlpha || models[s].needsGivenAlphas) || given?.splits[s] != nil },
                     "a split sharing one alpha, or built without its inner folds, needs its alphas chosen first")
        return try stream(source: source, slabs: slabs, compute: { score(chunk: $0, columns: $1, given: given) },
                          receive: { try receive($1, $2) })
    }

    /// A choosing pass: every slice's inner losses added into `store` (all of the models'
    /// inner folds: a shared alpha's first pass, or one group of folds when alphas are
    /// selected in passes, `ModelPart.innerFolds`). Same plan, slabs and slices as `run`
    /// (a `fixedPlan` keeps them the same across passes); `progress` gets the voxels done.
    public func addInnerLosses(source: TargetSource, slabs: (_ count: Int) -> [Int] = { Array(0..<$0) }, into store: InnerLossStore,
                               progress: (_ voxelsDone: Int) throws -> Void) throws {
        try stream(source: source, slabs: slabs, compute: { (chunk: Matrix<S>, columns: Range<Int>) -> Bool in
            store.add(models, targets: chunk, columns: columns)
            return true
        }, receive: { _, _, done in try progress(done) })
        store.passDone(models)
    }

    /// The pipeline: the reader cuts the plan's slabs into slices, workers `compute` them,
    /// the calling thread `receive`s each result (with its columns and the voxels done).
    @discardableResult
    func stream<R: Sendable>(source: TargetSource, slabs: (_ count: Int) -> [Int], compute: @escaping @Sendable (Matrix<S>, Range<Int>) -> R,
                             receive: (Range<Int>, R, _ voxelsDone: Int) throws -> Void) throws -> MemoryPlan {
        let plan = try self.plan(for: source)
        let total = source.columnCount
        let all = stride(from: 0, to: total, by: plan.readColumns).map { $0..<min($0 + plan.readColumns, total) }
        let reads = slabs(all.count).map { all[$0] }
        guard !reads.isEmpty else { return plan }
        let sliceWidth = plan.computeColumns
        let input = BoundedQueue<(Range<Int>, Matrix<S>)>(capacity: 1)
        let output = BoundedQueue<(Range<Int>, R)>(capacity: workers + 1)
        let failure = FirstError()

        let reader = Thread {
            reading: for range in reads {
                if failure.isSet { break }
                do {
                    let slab = try source.read(columns: range, as: S.self)
                    if range.count <= sliceWidth {
                        if !input.push((range, slab)) { break }
                        continue
                    }
                    // Column-major: each slice is a contiguous run of the slab.
                    for start in stride(from: 0, to: range.count, by: sliceWidth) {
                        let local = start..<min(start + sliceWidth, range.count)
                        let slice = slab.columns(local)
                        let global = (range.lowerBound + local.lowerBound)..<(range.lowerBound + local.upperBound)
                        if !input.push((global, slice)) { break reading }
                    }
                } catch {
                    failure.set(error)
                    break
                }
            }
            input.close()
        }
        reader.stackSize = 1 << 20
        reader.start()

        // BLAS threads and Dispatch workers share the cores: with several workers each
        // GEMM runs single-threaded; with one worker BLAS keeps the caller's threads.
        try BLASThreads.with(workers > 1 ? 1 : BLASThreads.count) {
            let group = DispatchGroup()
            for _ in 0..<workers {
                DispatchQueue.global().async(group: group) {
                    while let (range, slab) = input.pop() {
                        if failure.isSet { continue }  // drain so the reader can finish
                        output.push((range, compute(slab, range)))
                    }
                }
            }
            DispatchQueue.global().async {
                group.wait()
                output.close()
            }

            var done = 0
            while let (range, result) = output.pop() {
                if failure.isSet { continue }
                done += range.count
                do { try receive(range, result, done) } catch {
                    failure.set(error)
                    input.close()
                }
            }
            if let error = failure.error { throw error }
        }
        return plan
    }
}

/// The first error raised by any thread of the pipeline.
final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?
    func set(_ error: Error) { lock.withLock { if stored == nil { stored = error } } }
    var error: Error? { lock.withLock { stored } }
    var isSet: Bool { error != nil }
}
