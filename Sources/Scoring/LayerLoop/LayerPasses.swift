import Encoding
import Foundation
import LinearAlgebra

/// How a layer's penalties are selected and its voxels scored, decided before anything is
/// built: usually one scoring pass that chooses as the voxels stream (every inner fold's
/// operator held); a choosing pass first when splits share one alpha (it must see every
/// voxel); and, when the inner folds' operators do not fit the memory budget, one choosing
/// pass per group of inner folds, then a scoring pass with only the test rows' operators
/// (`ModelPart`, `InnerFoldPasses`). Every extra pass re-reads the neural data and
/// rebuilds the layer's features; the choices are the same.
public struct LayerSchedule: Sendable {
    /// The one plan every pass follows (reads and slices alike).
    public var plan: MemoryPlan
    /// The inner folds of each choosing pass; empty: the folds are not split into passes.
    public var foldPasses: [Range<Int>]
    /// Inner folds per split in all.
    public var innerFolds: [Int]
    /// Candidate penalties per split.
    public var candidates: [Int]

    public var inPasses: Bool { !foldPasses.isEmpty }
}

extension LayerLoop {
    /// The schedule of every layer of `design`, from the models' predicted shapes, before
    /// anything is built (`InnerFoldPasses.make`; `settings.innerFoldsPerPass`).
    public static func schedule(_ design: ScoringDesign, settings: RunSettings, precision: Precision) throws -> LayerSchedule {
        let whole = try predictedShapes(design)
        // A shared alpha's store is already held (`heldBytes`); passes add it otherwise.
        let store = design.regression.sharesOneAlpha ? 0 : lossStoreBytes(design)
        let passes = try planned {
            try InnerFoldPasses.make(budget: settings.memoryBudget, scalarSize: precision.scalarSize,
                                     heldBytes: heldBytes(design, scalarSize: precision.scalarSize), storeBytes: store, whole: whole,
                                     workers: settings.threads, source: design.source.shape, foldsPerPass: settings.innerFoldsPerPass)
        }
        return LayerSchedule(plan: passes.plan, foldPasses: passes.foldPasses, innerFolds: whole.map(\.inner.count), candidates: whole.map(\.candidates))
    }

    /// Each split's model shape, built whole (`Regression.modelShape`).
    static func predictedShapes(_ design: ScoringDesign) throws -> [ModelShape] {
        try design.splits.map { split in
            do { return try design.features.regression(for: split, base: design.regression).modelShape(split: split, features: design.features.featureCount) } catch let error as CrossValidationError {
                throw ScoringError("\(design.source.dataset.filePath): inner cross-validation: \(error.description)")
            }
        }
    }

    /// Bytes of the per-voxel loss store (`InnerLossStore`) for `design`'s splits: the
    /// candidates come from each split's regression (no inner splits need drawing).
    static func lossStoreBytes(_ design: ScoringDesign) -> Int {
        let candidates = design.splits.map { design.features.regression(for: $0, base: design.regression).candidateCount }.max() ?? 1
        return InnerLossStore.bytes(splits: design.splits.count, alphas: candidates, columns: design.source.columnCount)
    }
}

/// One layer being scored by its schedule: the passes, each building what it needs.
struct LayerRun {
    let design: ScoringDesign
    let layer: Int
    let position: Int
    let schedule: LayerSchedule
    let settings: RunSettings
    let writer: NeuralResultWriter
    let observer: RunObserver

    var name: String { design.features.layerNames[layer] }
    var total: Int { design.source.columnCount }

    func score<S: EngineScalar>(as: S.Type) throws -> LayerLoop.Outcome {
        schedule.inPasses ? try scoreInPasses(as: S.self) : try scoreInOnePass(as: S.self)
    }

    /// Every operator built at once: a shared alpha's choosing pass if any, then scoring.
    func scoreInOnePass<S: EngineScalar>(as: S.Type) throws -> LayerLoop.Outcome {
        let built = try build(.whole, as: S.self)
        guard case .models(let models) = built else { return Self.ended(built) }
        let scorer = StreamingScorer(models: models, budget: settings.memoryBudget,
                                     heldBytes: LayerLoop.heldBytes(design, scalarSize: MemoryLayout<S>.size), workers: settings.threads)
        let plan = try LayerLoop.planned { try scorer.plan(for: design.source) }
        if position == 0 { LayerLoop.warnOfIdleRanks(plan, columns: total, settings: settings, observer: observer) }
        var given: GivenAlphas?
        if scorer.choosesSharedAlphas {
            let store = InnerLossStore(alphas: models.map(\.alphas.count), columns: total)
            try choose(scorer, into: store, stage: "choosing the shared alpha")
            given = try store.choices(models, innerFolds: models.map(\.innerFoldCount))
        }
        try scoringPass(scorer, given: given)
        return .scored(plan: plan.description)
    }

    /// Groups of inner folds, one choosing pass each, then the test rows' operators alone.
    func scoreInPasses<S: EngineScalar>(as: S.Type) throws -> LayerLoop.Outcome {
        if position == 0 { LayerLoop.warnOfIdleRanks(schedule.plan, columns: total, settings: settings, observer: observer) }
        let store = InnerLossStore(alphas: schedule.candidates, columns: total)
        for (pass, range) in schedule.foldPasses.enumerated() {
            let part = ModelPart.innerFolds(range)
            let built = try build(part, as: S.self)
            guard case .models(let models) = built else { return Self.ended(built) }
            // A transform must build the folds asked for, or the plan no longer holds.
            for (s, model) in models.enumerated() where model.innerFoldCount != part.folds(of: Array(0..<schedule.innerFolds[s])).count {
                throw ScoringError("layer '\(name)': split \(s) built \(model.innerFoldCount) inner folds for pass \(pass + 1), expected those of \(range)")
            }
            try choose(scorer(models), into: store, stage: "selecting penalties, pass \(pass + 1) of \(schedule.foldPasses.count)")
        }
        let built = try build(.test, as: S.self)
        guard case .models(let models) = built else { return Self.ended(built) }
        try scoringPass(scorer(models), given: try store.choices(models, innerFolds: schedule.innerFolds))
        return .scored(plan: schedule.plan.description)
    }

    // MARK: Pieces

    func build<S: EngineScalar>(_ part: ModelPart, as: S.Type) throws -> LayerModels<S> {
        try design.features.models(layer: layer, splits: design.splits, regression: design.regression.restricted(to: part),
                                   threads: settings.threads, as: S.self)
    }

    /// Why the layer ends without scores, for models that were not built.
    static func ended<S: EngineScalar>(_ models: LayerModels<S>) -> LayerLoop.Outcome {
        switch models {
        case .models: preconditionFailure("built models end nothing")
        case .undefined(let reason): .undefined(reason)
        case .overflow(let reason): .overflow(reason)
        }
    }

    func scorer<S: EngineScalar>(_ models: [SplitModel<S>]) -> StreamingScorer<S> {
        StreamingScorer(models: models, budget: settings.memoryBudget, heldBytes: 0, workers: settings.threads, fixedPlan: schedule.plan)
    }

    /// A choosing pass into `store`. A shared alpha needs every voxel's losses on every MPI
    /// rank (no rank talks to another mid-layer); per-voxel alphas only the rank's own
    /// slabs (the plan is the same in every pass, so are the slabs).
    func choose<S: EngineScalar>(_ scorer: StreamingScorer<S>, into store: InnerLossStore, stage: String) throws {
        let everyVoxel = scorer.choosesSharedAlphas
        try scorer.addInnerLosses(source: design.source, slabs: everyVoxel ? { Array(0..<$0) } : settings.ranks.share(of:), into: store) { done in
            observer.progress(ScoreProgress(part: design.part, layer: position, layerCount: design.layers.count, layerName: name,
                                            voxelsDone: done, voxelsTotal: total, stage: stage))
        }
    }

    /// The scoring pass: this rank's slabs, each slice's r and alphas written as it ends.
    func scoringPass<S: EngineScalar>(_ scorer: StreamingScorer<S>, given: GivenAlphas?) throws {
        try scorer.run(source: design.source, slabs: settings.ranks.share(of:), given: given) { chunk, done in
            try writer.write(chunk: chunk, layer: position, alphas: scorer.models.map(\.alphas))
            observer.progress(ScoreProgress(part: design.part, layer: position, layerCount: design.layers.count, layerName: name,
                                            voxelsDone: done, voxelsTotal: total))
        }
    }
}

extension Regression {
    /// Penalties tried (1 for least squares).
    var candidateCount: Int {
        if case .ridge(let config) = self { return config.alphas.count }
        return 1
    }

    /// True for a ridge that chooses one penalty for all voxels of a split.
    var sharesOneAlpha: Bool {
        guard case .ridge(let config) = self else { return false }
        return !config.alphaPerTarget && config.alphas.count > 1
    }
}
