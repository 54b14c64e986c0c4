import Encoding
import Foundation
import HDF5
import LinearAlgebra

/// Everything a neural part has fixed before its layers are scored: the neuroids to
/// stream, the splits, how a layer's activations become models, and how r values
/// become scores.
public struct ScoringDesign: Sendable {
    public var part: String
    public var source: HDF5Targets
    public var splits: [Split]
    public var features: any FeatureTransform
    /// Indices into `features.layerNames`, in the order to score and report.
    public var layers: [Int]
    public var regression: Regression
    public var aggregation: Aggregation
    /// The subject of each neuroid (per-subject scores), or nil.
    public var subjects: [String]?

    public init(part: String, source: HDF5Targets, splits: [Split], features: any FeatureTransform, layers: [Int],
                regression: Regression, aggregation: Aggregation, subjects: [String]?) {
        self.part = part
        self.source = source
        self.splits = splits
        self.features = features
        self.layers = layers
        self.regression = regression
        self.aggregation = aggregation
        self.subjects = subjects
    }

    public var layerNames: [String] { layers.map { features.layerNames[$0] } }
}

/// The one per-layer scoring loop every neural benchmark runs: for each layer, build the
/// split models (they do not depend on the voxels), stream the neuroids through them
/// under the memory budget, write each slice's r as it finishes; then summarise each
/// layer from the file. A layer may take more than one pass over the neuroids (a shared
/// alpha, penalties selected in passes of inner folds: `LayerSchedule`, `LayerRun`); the
/// only state kept between slabs is then the per-voxel loss store of its choosing passes.
///
/// Spread over MPI ranks (`settings.ranks`), every rank builds the same models and plan,
/// streams its own share of the voxel slabs (dealt by `RankGroup.share`) and writes them
/// into the one shared result file; the lead summarises once every rank is done.
public enum LayerLoop {
    /// Scores every layer of `design` into `writer`; returns the layer scores and the plan
    /// followed (the scores only on the lead rank: empty elsewhere). The memory budget is
    /// checked before any activations are read.
    public static func run(_ design: ScoringDesign, settings: RunSettings, writer: NeuralResultWriter,
                           observer: RunObserver) throws -> (layers: [LayerScore], plan: String, warnings: [String]) {
        try BLASThreads.with(settings.threads) {
            var warnings: [String] = []
            func warn(_ message: String) {
                warnings.append(message)
                observer.warning(message)
            }
            var planDescription = ""
            var outcomes: [Outcome] = []
            var failure: Error?
            // Streaming: every rank, its own slabs. A failure on any rank is agreed on
            // (`endStreaming`) so that all ranks stop together.
            do {
                let schedule = try self.schedule(design, settings: settings, precision: settings.precision)
                planDescription = schedule.plan.description
                for (position, layer) in design.layers.enumerated() {
                    let name = design.features.layerNames[layer]
                    observer.progress(ScoreProgress(part: design.part, layer: position, layerCount: design.layers.count, layerName: name,
                                                    voxelsDone: 0, voxelsTotal: design.source.columnCount))
                    var outcome = try scoreLayer(design, layer: layer, position: position, schedule: schedule, settings: settings, writer: writer,
                                                 observer: observer, precision: settings.precision)
                    if case .overflow(let reason) = outcome, settings.precision == .float32 {
                        warn("\(reason); scored this layer in float64 instead")
                        let wider = try self.schedule(design, settings: settings, precision: .float64)
                        outcome = try scoreLayer(design, layer: layer, position: position, schedule: wider, settings: settings, writer: writer,
                                                 observer: observer, precision: .float64)
                    }
                    switch outcome {
                    case .scored: break  // the predicted plan stays the one reported: it covers the build too
                    case .undefined(let reason): warn("\(reason): its scores are NaN and it is never the best layer")
                    case .overflow(let reason): throw ScoringError("\(reason), in float64 too: check the activations file")
                    }
                    outcomes.append(outcome)
                }
            } catch {
                failure = error
            }
            try writer.endStreaming(failure)
            // Summaries: from the finished file, by the lead.
            let scores = try settings.ranks.onLead {
                try writer.resumeForSummaries()
                return try zip(design.layers, outcomes).enumerated().map { position, pair in
                    let name = design.features.layerNames[pair.0]
                    if case .undefined(let reason) = pair.1 { return undefinedLayer(design, name: name, reason: reason) }
                    return try summarize(design, layer: position, name: name, writer: writer)
                }
            }
            return (scores ?? [], planDescription, warnings)
        }
    }

    enum Outcome {
        case scored(plan: String)
        case undefined(String)
        case overflow(String)
    }

    static func scoreLayer(_ design: ScoringDesign, layer: Int, position: Int, schedule: LayerSchedule, settings: RunSettings,
                           writer: NeuralResultWriter, observer: RunObserver, precision: Precision) throws -> Outcome {
        let layerRun = LayerRun(design: design, layer: layer, position: position, schedule: schedule, settings: settings,
                                writer: writer, observer: observer)
        switch precision {
        case .float32: return try layerRun.score(as: Float.self)
        case .float64: return try layerRun.score(as: Double.self)
        }
    }

    /// More ranks than voxel slabs: said once, not recorded in the result (the file is the
    /// same as a one-process run's).
    static func warnOfIdleRanks(_ plan: MemoryPlan, columns: Int, settings: RunSettings, observer: RunObserver) {
        let slabs = (columns + plan.readColumns - 1) / max(1, plan.readColumns), ranks = settings.ranks.size
        guard ranks > slabs else { return }
        observer.warning("\(ranks) ranks share \(slabs) voxel slab(s) of up to \(plan.readColumns) voxels: ranks \(slabs)-\(ranks - 1) have nothing to score and only wait (harmless; fewer ranks would do)")
    }

    /// The plan from the models' predicted shapes (`schedule`): a budget too small is
    /// refused before any activations are read or operators built.
    public static func predictedPlan(_ design: ScoringDesign, settings: RunSettings, precision: Precision) throws -> MemoryPlan {
        try schedule(design, settings: settings, precision: precision).plan
    }

    /// What the loop holds beside the scorer: the transform's features, and the summary
    /// pass (one split's r in Double, a sorted copy for the median, per-neuroid flags,
    /// sums and counts).
    /// With a shared alpha, also the store its choosing pass fills (`InnerLossStore`).
    static func heldBytes(_ design: ScoringDesign, scalarSize: Int) -> Int {
        design.features.heldBytes(scalarSize: scalarSize) + design.source.columnCount * (8 + 8 + 1 + 16)
            + (design.regression.sharesOneAlpha ? lossStoreBytes(design) : 0)
    }

    static func planned<T>(_ make: () throws -> T) throws -> T {
        do { return try make() } catch let error as MemoryPlan.TooSmall { throw ScoringError(error.description) }
    }

    static func undefinedLayer(_ design: ScoringDesign, name: String, reason: String) -> LayerScore {
        let subjects = design.subjects.map { Array(Set($0)).sorted() } ?? []
        return LayerScore(name: name, splitScores: [Double](repeating: .nan, count: design.splits.count), score: .nan,
                          undefinedNeuroids: design.source.columnCount, subjectScores: subjects.map { ($0, Double.nan) },
                          undefinedReason: reason)
    }

    /// A layer's scores from the result file, one split at a time: memory stays
    /// independent of the voxel count beyond one split's r (planned for in `heldBytes`).
    static func summarize(_ design: ScoringDesign, layer: Int, name: String, writer: NeuralResultWriter) throws -> LayerScore {
        let neuroids = design.source.columnCount, aggregation = design.aggregation
        let subjectNames = design.subjects.map { Array(Set($0)).sorted() } ?? []
        // Each subject's neuroid positions, found once rather than per split.
        let subjectColumns = subjectNames.map { name in design.subjects!.indices.filter { design.subjects![$0] == name } }
        var undefined = [Bool](repeating: false, count: neuroids)
        var splitScores: [Double] = []
        var subjectSplitScores = [[Double]](repeating: [], count: subjectNames.count)
        // splitsThenNeuroids: each neuroid's r over splits, accumulated split by split.
        var sums = [Double](repeating: 0, count: aggregation.order == .splitsThenNeuroids ? neuroids : 0)
        var counts = [Int](repeating: 0, count: sums.count)
        for s in design.splits.indices {
            let r = try writer.r(layer: layer, split: s)
            for (v, value) in r.enumerated() where value.isNaN { undefined[v] = true }
            splitScores.append(aggregation.neuroids(r))
            switch aggregation.order {
            case .neuroidsThenSplits:
                for (k, columns) in subjectColumns.enumerated() { subjectSplitScores[k].append(aggregation.neuroids(columns.map { r[$0] })) }
            case .splitsThenNeuroids:
                precondition(aggregation.splits == .mean, "splitsThenNeuroids supports the mean over splits")
                for (v, value) in r.enumerated() where !value.isNaN { sums[v] += value; counts[v] += 1 }
            }
        }
        let score: Double
        var subjectScores: [(subject: String, score: Double)] = []
        switch aggregation.order {
        case .neuroidsThenSplits:
            score = aggregation.splits(splitScores)
            subjectScores = zip(subjectNames, subjectSplitScores).map { ($0, aggregation.splits($1)) }
        case .splitsThenNeuroids:
            let perNeuroid = zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : .nan }
            score = aggregation.neuroids(perNeuroid)
            subjectScores = zip(subjectNames, subjectColumns).map { ($0, aggregation.neuroids($1.map { perNeuroid[$0] })) }
        }
        return LayerScore(name: name, splitScores: splitScores, score: score, undefinedNeuroids: undefined.filter { $0 }.count,
                          subjectScores: subjectScores)
    }
}
