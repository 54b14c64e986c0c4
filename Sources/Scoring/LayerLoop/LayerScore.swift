import Encoding

/// One layer's scores in one part of a benchmark.
public struct LayerScore: Sendable {
    public var name: String
    /// Per split, r aggregated over neuroids (neuroidsThenSplits) or, for
    /// splitsThenNeuroids protocols, the split's r aggregated over neuroids for reference.
    public var splitScores: [Double]
    /// The layer's score (see `Aggregation`).
    public var score: Double
    /// Neuroids whose r is NaN in at least one split (constant or NaN values).
    public var undefinedNeuroids: Int
    /// Per subject: the same aggregation over the subject's neuroids.
    public var subjectScores: [(subject: String, score: Double)]
    /// Why the whole layer has no defined score (constant or empty features), if so.
    public var undefinedReason: String?

    public init(name: String, splitScores: [Double], score: Double, undefinedNeuroids: Int,
                subjectScores: [(subject: String, score: Double)] = [], undefinedReason: String? = nil) {
        self.name = name
        self.splitScores = splitScores
        self.score = score
        self.undefinedNeuroids = undefinedNeuroids
        self.subjectScores = subjectScores
        self.undefinedReason = undefinedReason
    }

    /// Median absolute deviation of the subject scores (the paper's error bars).
    public var subjectMAD: Double { nanMedianAbsoluteDeviation(subjectScores.map(\.score)) }

    /// Splits whose score is NaN (no neuroid had a defined r there).
    public var undefinedSplits: Int { splitScores.filter(\.isNaN).count }
}

/// The one best-layer rule: the highest defined score; ties go to the earlier layer; a
/// NaN (undefined) layer is never best. nil when no layer has a score.
public func bestLayerIndex(_ scores: [Double]) -> Int? {
    var best: Int?
    for (index, score) in scores.enumerated() where !score.isNaN {
        if best == nil || score > scores[best!] { best = index }
    }
    return best
}

/// A score divided by a noise ceiling, as published (clipped to [0, 1]) and unclipped.
public struct NormalizedScore: Sendable, Equatable {
    public var unclipped: Double
    public var clipped: Double

    /// nil when there is no usable ceiling (missing, not positive, or not finite).
    public init?(score: Double, ceiling: Double?) {
        guard let ceiling, ceiling > 0, ceiling.isFinite else { return nil }
        unclipped = score / ceiling
        clipped = unclipped.isNaN ? .nan : min(max(unclipped, 0), 1)
    }
}

/// What one scored part of a benchmark reports (a Pereira experiment, a Wehbe subject,
/// the whole of a one-part benchmark).
public struct PartResult: Sendable {
    public var name: String
    public var outputPath: String
    public var layers: [LayerScore]
    public var bestLayer: Int?
    public var ceiling: Double?
    /// Rows (stimuli, TRs, words) and neuroids (voxels, fROIs, subjects) scored.
    public var stimuli: Int
    public var neuroids: Int
    /// The memory plan followed, for the report.
    public var plan: String
    public var seconds: Double
    /// Extra numbers a protocol reports (e.g. Futrell's signed r and ceiling splits),
    /// written as attributes of the result file.
    public var details: [(name: String, values: [Double])]
    /// Warnings raised while scoring (also printed as they happen).
    public var warnings: [String]

    public init(name: String, outputPath: String, layers: [LayerScore], ceiling: Double?, stimuli: Int, neuroids: Int,
                plan: String, seconds: Double, details: [(name: String, values: [Double])] = [], warnings: [String] = []) {
        self.name = name
        self.outputPath = outputPath
        self.layers = layers
        self.bestLayer = bestLayerIndex(layers.map(\.score))
        self.ceiling = ceiling
        self.stimuli = stimuli
        self.neuroids = neuroids
        self.plan = plan
        self.seconds = seconds
        self.details = details
        self.warnings = warnings
    }

    public func normalized(_ layer: LayerScore) -> NormalizedScore? { NormalizedScore(score: layer.score, ceiling: ceiling) }
}
