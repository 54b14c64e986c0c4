import Foundation

/// The paper's study-level analysis over a table of models.
public struct StudyAnalysis: Sendable {
    /// An instruction-tuned model against its base model.
    public struct Pair: Sendable {
        public var model: String
        public var base: String
        public var family: String
        /// Absolute change per benchmark, tuned - base (raw r); absent where a score is missing.
        public var differences: [String: Double]
        /// Percent change per benchmark, (tuned - base) / base * 100; absent where a score is
        /// missing, NaN where the base score is not positive (a percent of a base <= 0 has the
        /// wrong sign or no meaning), with a note saying so.
        public var changes: [String: Double]
        /// The same for the models' averages (NaN when an average is NaN).
        public var averageDifference: Double
        public var averageChange: Double
        /// One sentence per change that is missing or NaN, saying why.
        public var notes: [String]
    }

    /// A mean over pairs and how many pairs it is over: the percent change over the pairs
    /// that have one, the absolute difference over the pairs with both scores.
    public struct Mean: Sendable {
        public var percent: Double
        public var percentPairs: Int
        public var difference: Double
        public var differencePairs: Int
        /// 95% percentile bootstrap intervals over pairs (nil below 2 pairs).
        public var percentInterval: (low: Double, high: Double)?
        public var differenceInterval: (low: Double, high: Double)?
    }

    /// How the mean changes' intervals are drawn: each interval resamples its pairs
    /// `resamples` times from a fresh `RandomState(seed)`, so an interval does not depend
    /// on which other columns the table has.
    public struct Bootstrap: Sendable {
        public var resamples: Int
        public var seed: UInt32
        public init(resamples: Int = 10_000, seed: UInt32 = 0) {
            self.resamples = resamples
            self.seed = seed
        }
    }

    /// The Wilcoxon signed-rank test of tuned against base scores.
    public struct SignedRankTest: Sendable {
        public var statistic: Double
        public var p: Double
        public var method: String
        /// Pairs with both scores, and how many of them differ (the test's n).
        public var pairs: Int
        public var nonZero: Int
        /// Why the test was not run ("not enough pairs (n = 1; ...)"), or nil.
        public var note: String?
    }

    /// One correlation of average brain alignment with a model property.
    public struct Association: Sendable {
        public var property: String
        public var population: String
        public var pearson: Correlation
        public var spearman: Correlation
        /// Benjamini-Hochberg adjusted p-values across the associations that were computed.
        public var pearsonPAdjusted: Double
        public var spearmanPAdjusted: Double
        public var points: [(model: String, family: String, tuned: Bool, x: Double, y: Double)]
        /// Why r and p are NaN ("not enough models (n = 2; ...)"), or nil.
        public var note: String?
    }

    /// With n non-zero differences the smallest two-sided exact p is 2^(1-n): below 6 pairs
    /// no outcome could reach p < 0.05, so a p-value would only look like a finding.
    public static let minimumSignedRankPairs = 6
    /// A correlation through 2 points is always +-1 (and has no degrees of freedom left).
    public static let minimumCorrelationPoints = 3

    public var benchmarks: [String]
    public var pairs: [Pair]
    /// Per benchmark, the mean change over pairs.
    public var means: [String: Mean]
    public var meanAverage: Mean
    /// Wilcoxon signed-rank test of tuned vs base averages, and per benchmark.
    public var wilcoxon: SignedRankTest
    public var wilcoxonPerBenchmark: [String: SignedRankTest]
    public var associations: [Association]
    public var bootstrap: Bootstrap
    /// Every family of the table, sorted: figures colour families by their place here, so
    /// a family has one colour in every figure.
    public var families: [String]

    public init(table: StudyTable, bootstrap: Bootstrap = Bootstrap()) throws {
        self.bootstrap = bootstrap
        families = Array(Set(table.models.map(\.family))).sorted()
        benchmarks = table.benchmarks
        let byName = Dictionary(table.models.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        guard byName.count == table.models.count else { throw StudyError("\(table.path): a model name appears twice") }
        var pairs: [Pair] = [], bases: [StudyModel] = []
        let tunedModels = table.models.filter(\.instructionTuned)
        for model in tunedModels {
            guard let base = byName[model.baseModel] else {
                throw StudyError("\(table.path): line \(model.line): model '\(model.name)': its base model '\(model.baseModel)' is not in the table")
            }
            pairs.append(Self.pair(model, base, benchmarks: table.benchmarks))
            bases.append(base)
        }
        self.pairs = pairs
        means = Dictionary(uniqueKeysWithValues: table.benchmarks.map { benchmark in
            (benchmark, Self.mean(pairs.compactMap { $0.changes[benchmark] }, pairs.compactMap { $0.differences[benchmark] }, bootstrap))
        })
        meanAverage = Self.mean(pairs.map(\.averageChange), pairs.map(\.averageDifference), bootstrap)
        wilcoxon = Self.signedRank(tunedModels.map(\.average), bases.map(\.average))
        wilcoxonPerBenchmark = Dictionary(uniqueKeysWithValues: table.benchmarks.map { benchmark in
            (benchmark, Self.signedRank(tunedModels.map { $0.scores[benchmark] ?? .nan }, bases.map { $0.scores[benchmark] ?? .nan }))
        })
        associations = Self.associations(table.models, tuned: tunedModels)
    }

    static func pair(_ model: StudyModel, _ base: StudyModel, benchmarks: [String]) -> Pair {
        var differences: [String: Double] = [:], changes: [String: Double] = [:], notes: [String] = []
        for benchmark in benchmarks {
            guard let tuned = model.scores[benchmark], let vanilla = base.scores[benchmark] else {
                let side = model.scores[benchmark] == nil ? (base.scores[benchmark] == nil ? "both models" : "the tuned model") : "the base model"
                notes.append("\(benchmark) is missing for \(side)")
                continue
            }
            differences[benchmark] = tuned - vanilla
            changes[benchmark] = percent(tuned, vanilla)
            if vanilla <= 0 { notes.append("\(benchmark): no percent change, the base score \(vanilla) is not positive") }
        }
        let averageDifference = model.average - base.average
        if model.average.isNaN || base.average.isNaN {
            notes.append("average: not computed, a benchmark is missing (an 'average' column would be used)")
        } else if base.average <= 0 {
            notes.append("average: no percent change, the base average \(base.average) is not positive")
        }
        return Pair(model: model.name, base: base.name, family: model.family, differences: differences, changes: changes,
                    averageDifference: averageDifference, averageChange: percent(model.average, base.average), notes: notes)
    }

    /// (tuned - base) / base * 100, or NaN when the base is not positive or either is NaN.
    static func percent(_ tuned: Double, _ base: Double) -> Double {
        base > 0 ? (tuned - base) / base * 100 : .nan
    }

    static func mean(_ percents: [Double], _ differences: [Double], _ bootstrap: Bootstrap) -> Mean {
        func average(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }
        func interval(_ values: [Double]) -> (low: Double, high: Double)? {
            Statistics.bootstrapMeanInterval(values, resamples: bootstrap.resamples, seed: bootstrap.seed)
        }
        let p = percents.filter(\.isFinite), d = differences.filter(\.isFinite)
        return Mean(percent: average(p), percentPairs: p.count, difference: average(d), differencePairs: d.count,
                    percentInterval: interval(p), differenceInterval: interval(d))
    }

    /// The test over the pairs with both scores, refused below `minimumSignedRankPairs`
    /// non-zero differences.
    static func signedRank(_ tuned: [Double], _ base: [Double]) -> SignedRankTest {
        let both = zip(tuned, base).filter { $0.0.isFinite && $0.1.isFinite }
        let nonZero = both.filter { $0.0 != $0.1 }.count
        guard nonZero >= minimumSignedRankPairs else {
            let unchanged = both.count > nonZero ? " of \(both.count) pairs, the others unchanged" : ""
            return SignedRankTest(statistic: .nan, p: .nan, method: "none", pairs: both.count, nonZero: nonZero,
                                  note: "not enough pairs (n = \(nonZero)\(unchanged); the test needs at least \(minimumSignedRankPairs) that differ)")
        }
        let result = Statistics.wilcoxon(both.map(\.0), both.map(\.1))
        return SignedRankTest(statistic: result.statistic, p: result.p, method: result.method, pairs: both.count, nonZero: nonZero, note: nil)
    }
}
