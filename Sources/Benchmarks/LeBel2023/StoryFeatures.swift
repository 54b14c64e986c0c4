import Encoding
import LinearAlgebra
import Scoring

/// The story-listening feature transform: per story, the words' activations resampled at
/// the story's TR times (Lanczos), trimmed, z-scored over the story's kept TRs, and
/// delayed within the story (zeros before its first kept TR, never a neighbour story's
/// features). None of it depends on the split (a story is wholly train or test), so a
/// layer's features are built once and every split's model is fitted on them; only the
/// inner selection may differ per split (story folds over that split's training stories).
/// Feature preparation runs in float64 whatever the run's precision.
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
        // The layer as read (every stored word) and in float64, one story's resampled
        // TRs (bounded by all TRs), the delayed features in float64 and at the run's
        // precision.
        return scalarSize * p * wordCount + 8 * p * wordCount + 8 * p * responses.trCount + (8 + scalarSize) * kept.count * columns
    }

    func regression(for split: Split, base: Regression) -> Regression {
        spec.regression(trainStories: split.train.map { keptStories[$0] })
    }

    func models<S: EngineScalar>(layer: Int, splits: [Split], regression: Regression, threads: Int, as: S.Type) throws -> LayerModels<S> {
        let name = layerNames[layer]
        let read = try activations.layer(layer, rows: Array(0..<activations.stimulusIDs.count), as: S.self)
        if let reason = undefinedFeaturesReason(read, layer: name) { return .undefined(reason: reason) }
        let features = Self.converted(try delayedFeatures(words: Self.converted(read, to: Double.self)), to: S.self)
        if featuresMayOverflow(features) {
            return .overflow(reason: "layer '\(name)': story features overflow \(S.self) products")
        }
        let regressions = splits.map { self.regression(for: $0, base: regression) }
        let models: [SplitModel<S>]
        if regressions.allSatisfy({ $0 == regressions[0] }) {
            models = try SplitModel.build(features: features, splits: splits, regression: regressions[0], threads: threads)
        } else {
            models = try zip(splits, regressions).map { try SplitModel(features: features, split: $0, regression: $1) }
        }
        return .checked(models, layer: name)
    }

    static func converted<A: EngineScalar, B: EngineScalar>(_ m: Matrix<A>, to: B.Type) -> Matrix<B> {
        if let same = m as? Matrix<B> { return same }
        return Matrix(rows: m.rows, columns: m.columns, columnMajor: m.elements.map { B(Double($0)) })
    }

    /// The scored rows' features (kept rows x delays * p), from all words of the layer.
    func delayedFeatures(words layer: Matrix<Double>) throws -> Matrix<Double> {
        let p = layer.columns, delays = spec.delays
        var out = Matrix<Double>(rows: kept.count, columns: p * delays.count)
        var start = 0  // first output row of the story
        for story in responses.stories {
            let entry = words.stories[story.name]!
            let rows = spec.storyRows(words: layer.rows(entry.rows), wordTimes: entry.times, trTimes: Array(responses.trTimes[story.rows]))
            for c in 0..<rows.columns { for row in 0..<rows.rows { out[start + row, c] = rows[row, c] } }
            start += rows.rows
        }
        precondition(start == kept.count, "scored rows and story rows disagree")
        precondition(out.columns == p * delays.count)
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
