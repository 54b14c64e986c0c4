import Encoding
import Scoring

/// A neural benchmark over a BrainIO-layout file: Brain-Score's Pereira2018 and Blank2014
/// (docs/protocols.md gives each protocol and where its facts come from), and custom runs
/// whose protocol comes from the command line.
public struct NeuralBenchmark: Benchmark {
    /// One scored part: Pereira2018 is two experiments scored separately, then averaged.
    public struct Component: Sendable {
        public var name: String
        public var spec: NeuralProtocol
        public var ceiling: Double?

        public init(name: String, spec: NeuralProtocol, ceiling: Double?) {
            self.name = name
            self.spec = spec
            self.ceiling = ceiling
        }
    }

    public var name: String
    public var summary: String
    public var components: [Component]
    public var inputs: BenchmarkInputs { BenchmarkInputs() }

    public init(name: String, summary: String, components: [Component]) {
        self.name = name
        self.summary = summary
        self.components = components
    }

    /// A custom run: one part, its protocol from the command line.
    public static func custom(_ spec: NeuralProtocol) -> NeuralBenchmark {
        NeuralBenchmark(name: "custom", summary: "a protocol given on the command line", components: [Component(name: "custom", spec: spec, ceiling: nil)])
    }

    public func parts(settings: RunSettings) throws -> [any BenchmarkPart] {
        if settings.ceilingOverride != nil && components.count > 1 {
            throw ScoringError("--ceiling holds one ceiling, but \(name) has \(components.count) parts; score each part with its own ceiling")
        }
        return try components.map { component in
            try NeuralPart.brainIO(name: component.name, benchmark: name, protocol: component.spec, ceiling: component.ceiling,
                                   settings: settings, outputPath: partPath(component.name, base: settings.outputPath))
        }
    }

    /// A one-part benchmark writes to the output path itself; a multi-part one writes each
    /// part to `STEM.<part>.nc` beside it and the combination to the output path.
    func partPath(_ part: String, base: String) -> String {
        components.count > 1 ? BenchmarkRunner.partPath(part, base: base) : base
    }

    public var combination: String { "mean over \(components.map(\.name).joined(separator: " and ")) of each layer's score" }
}

extension NeuralBenchmark {
    /// Brain-Score's `linear_pearsonr`: sklearn LinearRegression (intercept; minimum-norm
    /// when features outnumber rows), 10 x ShuffleSplit(train_size=0.9, random_state=1)
    /// over the neural rows in stored order.
    public static let linearPearsonr = Regression.ordinaryLeastSquares(fitIntercept: true)
    public static let brainScoreShuffle = CrossValidationSpec.shuffleSplit(splits: 10, trainSize: 0.9, seed: 1)

    /// Later Brain-Score `-ridge`: RidgeCV(alphas=logspace(-3, 3, 7)) with its leave-one-out
    /// GCV, one alpha for all neuroids per split, intercept.
    static let brainScoreRidge = Regression.ridge(RidgeConfiguration(
        alphas: RidgeConfiguration.logspace(-3, 3, count: 7), alphaPerTarget: false, innerCrossValidation: .leaveOneOut))

    static func pereira(_ experiment: String, ceiling: Double) -> Component {
        Component(name: "Pereira2018.\(experiment)-linear", spec: NeuralProtocol(
            regression: linearPearsonr, crossValidation: brainScoreShuffle,
            rowFilter: RowFilter(coordinate: "experiment", value: experiment), dropNaNNeuroids: true,
            subjectCoordinate: "subject", requiredRowCoordinates: ["experiment", "stimulus_id"]), ceiling: ceiling)
    }

    static func pereiraRidge(_ experiment: String) -> Component {
        Component(name: "Pereira2018.\(experiment)-ridge", spec: NeuralProtocol(
            regression: brainScoreRidge, crossValidation: .groupKFold(10, coordinate: "story"),
            rowFilter: RowFilter(coordinate: "experiment", value: experiment), dropNaNNeuroids: true,
            subjectCoordinate: "subject", requiredRowCoordinates: ["experiment", "story", "stimulus_id"]), ceiling: nil)
    }

    static func blank(_ name: String, regression: Regression, crossValidation: CrossValidationSpec, ceiling: Double, rows: [String]) -> Component {
        Component(name: name, spec: NeuralProtocol(
            regression: regression, crossValidation: crossValidation, dropNaNNeuroids: true,
            subjectCoordinate: "subject_id", requiredRowCoordinates: rows), ceiling: ceiling)
    }

    public static let pereiraCeilings = ["243sentences": 0.35378928, "384sentences": 0.36343748]

    public static let all: [NeuralBenchmark] = [
        NeuralBenchmark(name: "Pereira2018.243sentences-linear",
                        summary: "Pereira2018, 243-sentence experiment: OLS, 10 Brain-Score shuffle splits, median r over neuroids, ceiling 0.354",
                        components: [pereira("243sentences", ceiling: 0.35378928)]),
        NeuralBenchmark(name: "Pereira2018.384sentences-linear",
                        summary: "Pereira2018, 384-sentence experiment: OLS, 10 Brain-Score shuffle splits, median r over neuroids, ceiling 0.363",
                        components: [pereira("384sentences", ceiling: 0.36343748)]),
        NeuralBenchmark(name: "Pereira2018",
                        summary: "the paper's Pereira2018 score: mean of the 243- and 384-sentence -linear scores",
                        components: [pereira("243sentences", ceiling: 0.35378928), pereira("384sentences", ceiling: 0.36343748)]),
        NeuralBenchmark(name: "Pereira2018.243sentences-ridge",
                        summary: "later Brain-Score: ridge (LOO-chosen shared alpha, logspace(-3,3,7)), 10-fold GroupKFold over story; no published ceiling",
                        components: [pereiraRidge("243sentences")]),
        NeuralBenchmark(name: "Pereira2018.384sentences-ridge",
                        summary: "later Brain-Score: ridge (LOO-chosen shared alpha, logspace(-3,3,7)), 10-fold GroupKFold over story; no published ceiling",
                        components: [pereiraRidge("384sentences")]),
        NeuralBenchmark(name: "Blank2014-linear",
                        summary: "Blank2014 fROIs: OLS, 10 Brain-Score shuffle splits, median r over neuroids, ceiling 0.210",
                        components: [blank("Blank2014-linear", regression: linearPearsonr, crossValidation: brainScoreShuffle,
                                           ceiling: 0.21026591, rows: ["stimulus_id"])]),
        NeuralBenchmark(name: "Blank2014-ridge",
                        summary: "later Brain-Score: ridge (LOO-chosen shared alpha), 8-fold GroupKFold over story, ceiling 0.1446",
                        components: [blank("Blank2014-ridge", regression: brainScoreRidge, crossValidation: .groupKFold(8, coordinate: "story"),
                                           ceiling: 0.1446, rows: ["story", "stimulus_id"])]),
    ]
}
