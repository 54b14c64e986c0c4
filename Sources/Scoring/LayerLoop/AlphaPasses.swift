import Encoding
import Foundation
import LinearAlgebra

/// How a layer's alphas are selected: in the scoring pass itself (every inner fold's
/// operator held while the voxels stream), or, when those operators do not fit the memory
/// budget, in passes of a group of inner folds each, then one pass with only the test
/// rows' operators (`ModelPart`, `InnerFoldPasses`). Each extra pass re-reads the neural
/// data and rebuilds the layer's features; the choices are the same.
public struct LayerSchedule: Sendable {
    /// The one plan every pass follows (reads and slices alike).
    public var plan: MemoryPlan
    /// The inner folds of each choosing pass; empty: one pass.
    public var foldPasses: [Range<Int>]
    /// Inner folds per split in all.
    public var innerFolds: [Int]

    public var inPasses: Bool { !foldPasses.isEmpty }
}

extension LayerLoop {
    /// The schedule of every layer of `design`, from the models' predicted shapes, before
    /// anything is built (`InnerFoldPasses.make`; `settings.innerFoldsPerPass`).
    public static func schedule(_ design: ScoringDesign, settings: RunSettings, precision: Precision) throws -> LayerSchedule {
        let whole = try design.splits.map { split in
            do { return try design.features.regression(for: split, base: design.regression).modelShape(split: split, features: design.features.featureCount) } catch let error as CrossValidationError {
                throw ScoringError("\(design.source.dataset.filePath): inner cross-validation: \(error.description)")
            }
        }
        let store = InnerLossStore.bytes(splits: whole.count, alphas: design.regression.candidateCount, columns: design.source.columnCount)
        let passes = try planned {
            try InnerFoldPasses.make(budget: settings.memoryBudget, scalarSize: precision.scalarSize,
                                     heldBytes: heldBytes(design, scalarSize: precision.scalarSize), storeBytes: store, whole: whole,
                                     workers: settings.threads, source: design.source.shape, foldsPerPass: settings.innerFoldsPerPass)
        }
        return LayerSchedule(plan: passes.plan, foldPasses: passes.foldPasses, innerFolds: whole.map(\.inner.count))
    }

    /// One layer with its alphas selected in passes (`LayerSchedule.foldPasses`): each pass
    /// builds its folds' operators, streams the voxels and adds their losses to the store;
    /// the last builds the test rows' operators and scores with the store's choices.
    static func scoreLayerInPasses<S: EngineScalar>(_ design: ScoringDesign, layer: Int, position: Int, schedule: LayerSchedule,
                                                    settings: RunSettings, writer: NeuralResultWriter, observer: RunObserver,
                                                    as: S.Type) throws -> Outcome {
        let name = design.features.layerNames[layer], total = design.source.columnCount
        func models(_ part: ModelPart) throws -> Result<[SplitModel<S>], OutcomeReason> {
            switch try design.features.models(layer: layer, splits: design.splits, regression: design.regression.restricted(to: part),
                                              threads: settings.threads, as: S.self) {
            case .models(let built): .success(built)
            case .undefined(let reason): .failure(.undefined(reason))
            case .overflow(let reason): .failure(.overflow(reason))
            }
        }
        func scorer(_ models: [SplitModel<S>]) -> StreamingScorer<S> {
            StreamingScorer(models: models, budget: settings.memoryBudget, heldBytes: 0, workers: settings.threads, fixedPlan: schedule.plan)
        }
        if position == 0 { warnOfIdleRanks(schedule.plan, columns: total, settings: settings, observer: observer) }
        let store = InnerLossStore(alphas: design.splits.map { _ in design.regression.candidateCount }, columns: total)
        for (pass, range) in schedule.foldPasses.enumerated() {
            let built: [SplitModel<S>]
            switch try models(.innerFolds(range)) {
            case .success(let models): built = models
            case .failure(let reason): return reason.outcome
            }
            // A shared alpha needs every voxel's losses on every rank; per-voxel alphas
            // only the rank's own slabs (one plan for every pass: the same slabs).
            let sharesAlpha = built.contains(where: \.choosesOneSharedAlpha)
            let stage = "selecting alphas, pass \(pass + 1) of \(schedule.foldPasses.count)"
            try scorer(built).addInnerLosses(source: design.source, slabs: sharesAlpha ? { Array(0..<$0) } : settings.ranks.share(of:),
                                             into: store) { done in
                observer.progress(ScoreProgress(part: design.part, layer: position, layerCount: design.layers.count, layerName: name,
                                                voxelsDone: done, voxelsTotal: total, stage: stage))
            }
        }
        let testModels: [SplitModel<S>]
        switch try models(.test) {
        case .success(let models): testModels = models
        case .failure(let reason): return reason.outcome
        }
        let given = try store.choices(testModels, innerFolds: schedule.innerFolds)
        try scorer(testModels).run(source: design.source, slabs: settings.ranks.share(of:), given: given) { chunk, done in
            try writer.write(chunk: chunk, layer: position, alphas: testModels.map(\.alphas))
            observer.progress(ScoreProgress(part: design.part, layer: position, layerCount: design.layers.count, layerName: name,
                                            voxelsDone: done, voxelsTotal: total))
        }
        return .scored(plan: schedule.plan.description)
    }

    /// Why a layer's models could not be built (as `LayerModels` says).
    enum OutcomeReason: Error {
        case undefined(String)
        case overflow(String)

        var outcome: Outcome {
            switch self {
            case .undefined(let reason): .undefined(reason)
            case .overflow(let reason): .overflow(reason)
            }
        }
    }
}

extension Regression {
    /// Alphas tried (1 for least squares).
    var candidateCount: Int {
        if case .ridge(let config) = self { return config.alphas.count }
        return 1
    }
}
