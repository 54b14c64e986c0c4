import Encoding
import Foundation
import LinearAlgebra
import TestSupport
import Testing

/// Alphas selected in passes of inner folds choose what one pass chooses, and the plan
/// falls back to passes only when one pass does not fit.
@Suite struct InnerFoldPassesTests {
    /// Per-voxel and shared alphas, squared error (k-fold) and the bootstrap's correlation:
    /// the store's choices after passes of 1 or 2 folds equal the whole model's, and the
    /// test-rows-only model given them predicts what the whole model predicts.
    @Test(arguments: [(true, false), (false, false), (true, true), (false, true)])
    func passesChooseWhatOnePassChooses(perVoxel: Bool, bootstrap: Bool) throws {
        var (x, y) = StreamingTests.data(n: 60, voxels: 120)
        for i in 0..<x.rows { for v in 0..<60 { y[i, v] = x[i, v % x.columns] * 2 + 0.3 * y[i, v] } }
        let inner: CrossValidation = bootstrap ? .chunkedBootstrap(ChunkedBootstrap(draws: 5, chunkLength: 4, heldOutChunks: 3)) : .kFold(5)
        let regression = Regression.ridge(RidgeConfiguration(alphas: [0.01, 0.3, 10, 300], alphaPerTarget: perVoxel, innerCrossValidation: inner))
        let splits = try CrossValidation.kFold(3).splits(count: x.rows)
        try BLASThreads.with(1) {
            let whole = try SplitModel.build(features: x, splits: splits, regression: regression, threads: 1)
            let expected = whole.map { $0.predict(targets: y) }
            for size in [1, 2] {
                let store = InnerLossStore(alphas: splits.map { _ in 4 }, columns: y.columns)
                for start in stride(from: 0, to: 5, by: size) {
                    let pass = try SplitModel.build(features: x, splits: splits, regression: regression.restricted(to: .innerFolds(start..<min(start + size, 5))), threads: 1)
                    // Two slices of voxels, as a stream would hand them over.
                    for columns in [0..<50, 50..<120] { store.add(pass, targets: y.columns(columns), columns: columns) }
                    store.passDone(pass)
                }
                let test = try SplitModel.build(features: x, splits: splits, regression: regression.restricted(to: .test), threads: 1)
                #expect(test.allSatisfy { $0.innerFoldCount == 0 })
                let given = try store.choices(test, innerFolds: splits.map { _ in 5 })
                for s in splits.indices {
                    guard let indices = given.indices(split: s, columns: 0..<120) else { Issue.record("split \(s) has no choice"); continue }
                    #expect(indices == expected[s].chosen, "\(size) per pass, split \(s)")
                    let predicted = test[s].predict(targets: y, given: indices)
                    #expect(predicted.predictions.elements == expected[s].predictions.elements, "the same operator, the same predictions")
                }
                // A pass missing is refused, not chosen from.
                let partial = InnerLossStore(alphas: splits.map { _ in 4 }, columns: y.columns)
                #expect(throws: CrossValidationError.self) { try partial.choices(test, innerFolds: splits.map { _ in 5 }) }
            }
        }
    }

    /// Shapes of the passes are predicted exactly, as for whole models.
    @Test func passShapesArePredicted() throws {
        let (x, _) = StreamingTests.data(n: 80, p: 20)
        let regression = Regression.ridge(RidgeConfiguration(alphas: [1, 10], innerCrossValidation: .chunkedBootstrap(ChunkedBootstrap(draws: 6, chunkLength: 5, heldOutChunks: 2))))
        let split = try CrossValidation.kFold(4).splits(count: 80)[1]
        for part in [ModelPart.whole, .innerFolds(2..<5), .test] {
            let predicted = try regression.restricted(to: part).modelShape(split: split, features: 20)
            let built = try SplitModel(features: x, split: split, regression: regression.restricted(to: part))
            #expect(built.shape == predicted, "\(part)")
            #expect(built.builtElementCount == predicted.operatorElements, "\(part)")
        }
    }

    /// 50 factored bootstrap draws at 9,000 rows x 3,072 features: one pass needs ~5.7 GiB
    /// (refused under 2 GB); passes fit, each inside the budget; far too little is still
    /// refused with the budget that would do; a large budget keeps one pass.
    @Test func theBudgetDecidesOnPasses() throws {
        let regression = Regression.ridge(RidgeConfiguration(alphas: RidgeConfiguration.logspace(1, 3, count: 10), innerCrossValidation: .chunkedBootstrap(.lebel2023()), fitIntercept: false))
        let split = Split(train: Array(0..<9_000), test: Array(9_000..<9_300))
        let whole = [try regression.modelShape(split: split, features: 3_072)]
        let source = MemoryPlan.SourceShape(fileRows: 9_300, rows: 9_300, columns: 95_000, alignment: 256)
        let store = InnerLossStore.bytes(splits: 1, alphas: 10, columns: 95_000)
        func passes(_ budget: Int, _ foldsPerPass: Int? = nil) throws -> InnerFoldPasses {
            try InnerFoldPasses.make(budget: budget, scalarSize: 4, heldBytes: 300 << 20, storeBytes: store, whole: whole, workers: 2,
                                     source: source, foldsPerPass: foldsPerPass)
        }
        #expect(throws: MemoryPlan.TooSmall.self) { try MemoryPlan.make(budget: 2 << 30, scalarSize: 4, heldBytes: 300 << 20, models: whole, workers: 2, source: source) }
        let fitted = try passes(2 << 30)
        #expect(fitted.foldPasses.count >= 2)
        #expect(fitted.foldPasses.flatMap { Array($0) } == Array(0..<50), "every draw in exactly one pass, in order")
        #expect(fitted.plan.plannedBytes <= 2 << 30)
        #expect(fitted.plan.description.contains("\(fitted.foldPasses.count) passes over the inner folds"))
        // Fewest passes: one pass fewer would not fit.
        let fewer = (50 + fitted.foldPasses.count - 2) / (fitted.foldPasses.count - 1)
        let groups = stride(from: 0, to: 50, by: fewer).map { $0..<min($0 + fewer, 50) }
        #expect(throws: MemoryPlan.TooSmall.self) {
            try MemoryPlan.make(budget: 2 << 30, scalarSize: 4, heldBytes: (300 << 20) + store,
                                passes: groups.map { [whole[0].restricted(to: .innerFolds($0))] } + [[whole[0].restricted(to: .test)]],
                                workers: 2, source: source)
        }
        // A limit per pass is kept: passes of at most 4 draws.
        #expect(try passes(2 << 30, 4).foldPasses.allSatisfy { $0.count <= 4 })
        #expect(try passes(16 << 30).foldPasses.isEmpty, "one pass when it fits")
        #expect(try passes(16 << 30, 10).foldPasses.count == 5, "passes when asked for")
        #expect(try passes(16 << 30, 50).foldPasses.isEmpty, "a limit of every fold is one pass")
        #expect(try passes(2 << 30, 50).foldPasses.count == fitted.foldPasses.count, "a limit one pass cannot meet falls back to passes")
        do {
            _ = try passes(400 << 20)
            Issue.record("expected a refusal")
        } catch let error as MemoryPlan.TooSmall {
            #expect(error.description.contains("use at least --memory"), "\(error)")
        }
    }
}
