import Encoding
import LinearAlgebra
import Scoring

/// The story-listening feature transform: per story, the words' activations resampled at
/// the story's TR times (Lanczos), trimmed, z-scored over the story's kept TRs, and
/// delayed within the story (zeros before its first kept TR, never a neighbour story's
/// features). None of it depends on the split (a story is wholly train or test), so a
/// layer's features are built once and every split's model is fitted on them; only the
/// inner selection may differ per split (story folds over that split's training stories).
/// Feature preparation runs in float64, one story at a time, whatever the run's precision.
struct StoryFeatures: FeatureTransform {
    let spec: StoryProtocol
    let activations: Activations
    let words: StoryWords
    let responses: StoryResponses
    /// The scored rows of the response file, story by story (the splits index these).
    let kept: [Int]
    /// The story of each scored row.
    let keptStories: [String]

    var layerNames: [String] { activations.layerNames }

    var featureCount: Int? { activations.featureCount * spec.delays.count }

    func heldBytes(scalarSize: Int) -> Int {
        let p = activations.featureCount, wordCount = activations.stimulusIDs.count
        let columns = p * spec.delays.count
        let storyWords = words.stories.values.map(\.rows.count).max() ?? 0
        let storyTRs = responses.stories.map(\.rows.count).max() ?? 0
        // The layer as read (every stored word, and the block it is read through), one
        // story at a time in float64 (its words, its resampled and trimmed TRs, its delayed
        // rows), and the delayed features of every scored row at the run's precision.
        return 2 * scalarSize * p * wordCount + 8 * (storyWords * p + 2 * storyTRs * p + storyTRs * columns)
            + scalarSize * kept.count * columns
    }

    func regression(for split: Split, base: Regression) -> Regression {
        spec.regression(trainStories: split.train.map { keptStories[$0] }).restricted(to: base.part)
    }

    func models<S: EngineScalar>(layer: Int, splits: [Split], regression: Regression, threads: Int, as: S.Type) throws -> LayerModels<S> {
        let name = layerNames[layer]
        let read = try activations.layer(layer, rows: Array(0..<activations.stimulusIDs.count), as: S.self)
        if let reason = undefinedFeaturesReason(read, layer: name) { return .undefined(reason: reason) }
        let features = delayedFeatures(words: read)
        if featuresMayOverflow(features) {
            return .overflow(reason: "layer '\(name)': story features overflow \(S.self) products")
        }
        let regressions = splits.map { self.regression(for: $0, base: regression) }
        let models: [SplitModel<S>]
        if regressions.allSatisfy({ $0 == regressions[0] }) {
            models = try SplitModel.build(features: features, splits: splits, regression: regressions[0], threads: threads)
        } else {
            models = try MemoryPlan.whileBuildingOperators {
                try zip(splits, regressions).map { try SplitModel(features: features, split: $0, regression: $1) }
            }
        }
        return .checked(models, layer: name)
    }

    static func converted<A: EngineScalar, B: EngineScalar>(_ m: Matrix<A>, to: B.Type) -> Matrix<B> {
        if let same = m as? Matrix<B> { return same }
        return Matrix(rows: m.rows, columns: m.columns, columnMajor: m.elements.map { B(Double($0)) })
    }

    /// The scored rows' features (kept rows x delays * p) at the run's precision, built one
    /// story at a time in float64 from all words of the layer.
    func delayedFeatures<S: EngineScalar>(words layer: Matrix<S>) -> Matrix<S> {
        let columns = layer.columns * spec.delays.count
        var out = Matrix<S>(rows: kept.count, columns: columns)
        var start = 0  // first output row of the story
        for story in responses.stories {
            let entry = words.stories[story.name]!
            let rows = spec.storyRows(words: Self.converted(layer.rows(entry.rows), to: Double.self), wordTimes: entry.times,
                                      trTimes: Array(responses.trTimes[story.rows]))
            let n = kept.count, m = rows.rows
            out.elements.withUnsafeMutableBufferPointer { o in
                rows.elements.withUnsafeBufferPointer { r in
                    for c in 0..<columns { for row in 0..<m { o[c * n + start + row] = S(r[c * m + row]) } }
                }
            }
            start += m
        }
        precondition(start == kept.count, "scored rows and story rows disagree")
        return out
    }
}

extension StoryProtocol {
    /// One story's scored rows: its words resampled at its TR times, trimmed, z-scored over
    /// the kept TRs, then delayed (delay d: row t holds kept row t - d, zeros for t < d).
    public func storyRows(words: Matrix<Double>, wordTimes: [Double], trTimes: [Double]) -> Matrix<Double> {
        var perTR = LanczosInterpolation.resample(words, oldTimes: wordTimes, newTimes: trTimes, window: window)
        perTR = perTR.rows(Array(trimHead..<(trTimes.count - trimTail)))
        zscoreColumns(&perTR)
        let n = perTR.rows, p = perTR.columns
        var out = Matrix<Double>(rows: n, columns: p * delays.count)
        for (d, delay) in delays.enumerated() {
            for c in 0..<p {
                for row in delay..<n { out[row, d * p + c] = perTR[row - delay, c] }
            }
        }
        return out
    }
}
