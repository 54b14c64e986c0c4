/// The plan for selecting alphas in passes of inner folds (`ModelPart`): when every inner
/// fold's operator at once does not fit the budget, groups of folds are streamed one
/// after another, then the test rows' operators alone; one `MemoryPlan` covers them all.
public struct InnerFoldPasses: Sendable, Equatable {
    /// The plan every pass follows (reads and slices alike).
    public var plan: MemoryPlan
    /// The inner folds of each choosing pass (positions in each split's inner splits);
    /// empty: one pass, alphas chosen as the voxels stream.
    public var foldPasses: [Range<Int>]

    /// One pass when it fits, else the fewest passes that fit, each of at most
    /// `foldsPerPass` folds when that is given (below the most folds any split has, it
    /// asks for passes even when one pass would fit). Folds are grouped in order,
    /// ceil(folds / passes) to a pass, the last pass taking the rest. `storeBytes`: what the per-voxel loss store takes
    /// (`InnerLossStore.bytes`), held beside every pass. A budget too small even for one
    /// fold per pass is refused with the budget that would do.
    public static func make(budget: Int, scalarSize: Int, heldBytes: Int, storeBytes: Int, whole: [ModelShape], workers: Int,
                            source: MemoryPlan.SourceShape, foldsPerPass: Int? = nil) throws -> InnerFoldPasses {
        func plan(_ passes: [[ModelShape]], held: Int) throws -> MemoryPlan {
            try MemoryPlan.make(budget: budget, scalarSize: scalarSize, heldBytes: held, passes: passes, workers: workers, source: source)
        }
        if let foldsPerPass, foldsPerPass < 1 {
            throw MemoryPlan.TooSmall(description: "inner folds per pass must be at least 1, got \(foldsPerPass)")
        }
        let most = whole.map(\.inner.count).max() ?? 0, limit = foldsPerPass ?? most
        var refusal: Error?
        if most < 2 || limit >= most {
            do { return InnerFoldPasses(plan: try plan([whole], held: heldBytes), foldPasses: []) } catch let error as MemoryPlan.TooSmall {
                guard most >= 2 else { throw error }
                refusal = error
            }
        }
        // Fewest passes first: ceil(most / passes) folds per pass for 2, 3, ... passes.
        var seen = Set<Int>()
        let sizes = (2...most).map { (most + $0 - 1) / $0 }.filter { $0 <= limit && seen.insert($0).inserted }
        for size in sizes {
            let ranges = stride(from: 0, to: most, by: size).map { $0..<min($0 + size, most) }
            let passes = ranges.map { range in whole.map { $0.restricted(to: .innerFolds(range)) } } + [whole.map { $0.restricted(to: .test) }]
            do {
                return InnerFoldPasses(plan: try plan(passes, held: heldBytes + storeBytes), foldPasses: ranges)
            } catch let error as MemoryPlan.TooSmall {
                refusal = error
            }
        }
        throw refusal!
    }
}
