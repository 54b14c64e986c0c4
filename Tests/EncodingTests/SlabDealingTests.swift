import Encoding
import Foundation
import LinearAlgebra
import Testing

/// What an MPI rank streams: its share of the plan's slabs. The shares of all ranks cover
/// every voxel exactly once, and together give the one-process run's numbers bit for bit
/// (the plan is made for the whole source, so every slice has the same width).
@Suite struct SlabDealingTests {
    /// Rank `rank` of `size`: every size-th slab, as `RankGroup.share(of:)` deals them.
    static func share(rank: Int, size: Int) -> (Int) -> [Int] { { Array(stride(from: rank, to: $0, by: size)) } }

    @Test(arguments: [2, 3, 7, 40])
    func sharesTogetherAreTheWholeRunBitForBit(ranks: Int) throws {
        let (x, y) = StreamingTests.data()
        let models = try StreamingTests.models(x)
        let source = StreamingTests.ChunkedTargets(inner: InMemoryTargets(y), alignment: 16)
        let probe = try StreamingScorer(models: models, budget: 1 << 30, heldBytes: 0, workers: 2).plan(for: source)
        let budget = MemoryPlan.processBaseline + probe.fixedBytes + 32 * probe.bytesPerReadColumn + 16 * probe.bytesPerComputeColumn
        let scorer = StreamingScorer(models: models, budget: budget, heldBytes: 0, workers: 2)
        let plan = try scorer.plan(for: source)
        let slabs = (y.columns + plan.readColumns - 1) / plan.readColumns
        #expect(slabs > 3, "the test needs several slabs (got \(slabs))")

        func collect(_ deal: (Int) -> [Int]) throws -> (r: [[Double]], alpha: [[Int]], columns: [Int]) {
            var r = [[Double]](repeating: [Double](repeating: -9, count: y.columns), count: models.count)
            var alpha = [[Int]](repeating: [Int](repeating: -1, count: y.columns), count: models.count)
            var columns: [Int] = []
            try scorer.run(source: source, slabs: deal) { result, _ in
                columns += Array(result.columns)
                for s in models.indices {
                    r[s].replaceSubrange(result.columns, with: result.r[s])
                    alpha[s].replaceSubrange(result.columns, with: result.alphaIndex[s])
                }
            }
            return (r, alpha, columns)
        }
        let whole = try collect { Array(0..<$0) }
        var r = [[Double]](repeating: [Double](repeating: -9, count: y.columns), count: models.count)
        var alpha = [[Int]](repeating: [Int](repeating: -1, count: y.columns), count: models.count)
        var covered: [Int] = []
        for rank in 0..<ranks {
            let part = try collect(Self.share(rank: rank, size: ranks))
            if rank >= slabs { #expect(part.columns.isEmpty, "rank \(rank) of \(ranks) has no slab of \(slabs)") }
            covered += part.columns
            for s in models.indices {
                for c in part.columns {
                    r[s][c] = part.r[s][c]
                    alpha[s][c] = part.alpha[s][c]
                }
            }
        }
        #expect(covered.sorted() == Array(0..<y.columns), "every voxel scored by exactly one rank")
        for s in models.indices {
            #expect(zip(r[s], whole.r[s]).allSatisfy { $0.bitPattern == $1.bitPattern })
            #expect(alpha[s] == whole.alpha[s])
        }
    }
}
