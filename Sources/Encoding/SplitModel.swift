import Foundation
import LinearAlgebra

/// Everything about one outer split that does not depend on the voxels: the prediction
/// operators for the test rows and for each inner fold (or only some of them, `ModelPart`).
/// Build it once per split and layer (and pass), then call `predict` on as many voxel
/// chunks as there are.
public struct SplitModel<S: LinearAlgebraScalar>: Sendable {
    public let split: Split
    /// Candidate penalties (one entry, unused, for least squares).
    public let alphas: [Double]
    let alphaPerTarget: Bool
    let standardizeTargets: Bool
    let innerCriterion: RidgeConfiguration.InnerCriterion
    /// Operators for the test rows (each voxel's chosen candidate is applied).
    let testOperator: PredictionOperator<S>
    /// Inner folds, as positions within `split.train`, with operators predicting every
    /// candidate.
    let innerFolds: [InnerFold]
    /// Built without inner folds (`ModelPart.test`) for several alphas: `predict` must be
    /// given each voxel's alpha.
    let needsGivenAlphas: Bool

    struct InnerFold: Sendable {
        var train: [Int]
        var validation: [Int]
        var predictions: PredictionOperator<S>
    }

    public init(features: Matrix<S>, split: Split, regression: Regression) throws {
        try self.init(trainFeatures: features.rows(split.train), testFeatures: features.rows(split.test), split: split, regression: regression)
    }

    /// For protocols whose features depend on the split (e.g. a PCA fitted on the training
    /// rows): the training and test rows' features, in the order of `split.train` and
    /// `split.test`.
    public init(trainFeatures train: Matrix<S>, testFeatures test: Matrix<S>, split: Split, regression: Regression) throws {
        try self.init(trainFeatures: train, testFeatures: test, split: split, regression: regression, threads: 1)
    }

    /// `threads` > 1 builds the test operator and the inner folds' side by side (the
    /// caller has made BLAS single-threaded).
    init(trainFeatures train: Matrix<S>, testFeatures test: Matrix<S>, split: Split, regression: Regression, threads: Int) throws {
        precondition(train.rows == split.train.count && test.rows == split.test.count, "feature rows must match the split")
        self.split = split
        switch regression {
        case .ordinaryLeastSquares(let intercept):
            alphas = [0]
            alphaPerTarget = true
            standardizeTargets = false
            innerCriterion = .squaredError
            needsGivenAlphas = false
            // The test predictions only feed Pearson r: no mean term (`PredictionOperators`).
            testOperator = try PredictionOperators.leastSquares(train: train, evaluate: test, preparation: .init(center: intercept), meanTerm: false)
            innerFolds = []
        case .ridge(let config):
            guard !config.alphas.isEmpty, config.alphas.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw CrossValidationError(description: "ridge needs at least one positive, finite alpha; got \(config.alphas)")
            }
            alphas = config.alphas
            alphaPerTarget = config.alphaPerTarget
            standardizeTargets = config.standardizeTargets
            innerCriterion = config.innerCriterion
            // z-scoring uses the outer training rows' statistics, for the inner folds too
            // (as StandardScaler before RidgeCV in a sklearn pipeline does).
            let (train, test) = config.standardizeFeatures
                ? PredictionOperators.prepare(train: train, evaluate: test, .init(center: false, scale: true))
                : (train, test)
            let preparation = PredictionOperators.FeaturePreparation(center: config.fitIntercept)
            let inner = config.alphas.count == 1 ? [] : try config.part.folds(of: config.innerCrossValidation.splits(count: split.train.count))
            needsGivenAlphas = config.part == .test && config.alphas.count > 1
            // Job 0 is the test rows' operator (empty, at no cost, for a pass of inner
            // folds), job i the inner fold i - 1's.
            let buildsTest = config.part.buildsTest
            let operators = try parallelMap(count: 1 + inner.count, threads: threads) { job -> PredictionOperator<S> in
                if job == 0 {
                    return try PredictionOperators.ridge(train: train, evaluate: buildsTest ? test : test.rows([]), alphas: config.alphas,
                                                         preparation: preparation, form: buildsTest ? config.operatorForm : .stacked,
                                                         allCandidates: false, meanTerm: false)
                }
                let fold = inner[job - 1]
                return try PredictionOperators.ridge(train: train.rows(fold.train), evaluate: train.rows(fold.test), alphas: config.alphas,
                                                     preparation: preparation, form: config.operatorForm, allCandidates: true,
                                                     meanTerm: config.innerCriterion.needsMeanTerm)
            }
            testOperator = operators[0]
            innerFolds = zip(inner, operators.dropFirst()).map { InnerFold(train: $0.train, validation: $0.test, predictions: $1) }
        }
    }

    /// Predictions for the test rows of every voxel in `targets` (all rows of the data x a
    /// chunk of voxels), and the index into `alphas` chosen for each voxel.
    /// `given`: each voxel's index, chosen beforehand (one shared alpha chosen over all
    /// voxels, see `choosesOneSharedAlpha`, or alphas selected in passes, see
    /// `ModelPart`); nil: chosen here, per voxel or pooled over this chunk.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func predict(targets: Matrix<S>, given: [Int]? = nil) -> (predictions: Matrix<S>, chosen: [Int]) {
        precondition(given == nil || given!.count == targets.columns, "one given alpha per voxel")
        precondition(given != nil || !needsGivenAlphas, "a model built for the test rows only needs its alphas given")
        precondition(testOperator.shape.evaluationRows == split.test.count, "a model of inner folds only gives losses, not predictions")
        let trainTargets = preparedTrainTargets(targets)
        let chosen = given ?? chooseAlphas(trainTargets: trainTargets)
        return (testOperator.predict(trainTargets: trainTargets, chosen: chosen), chosen)
    }

    /// The training rows of `targets`, z-scored when the regression asks for it.
    func preparedTrainTargets(_ targets: Matrix<S>) -> Matrix<S> {
        var trainTargets = targets.rows(split.train)
        if standardizeTargets { zscoreColumns(&trainTargets) }
        return trainTargets
    }
}

extension SplitModel {
    /// Elements held by the voxel-independent operators (for memory planning).
    public var operatorElementCount: Int { shape.operatorElements }

    /// Inner folds this model holds (all, or one pass's).
    public var innerFoldCount: Int { innerFolds.count }

    /// (training, validation) row counts of the inner folds.
    public var innerFoldSizes: [(train: Int, validation: Int)] {
        innerFolds.map { ($0.train.count, $0.validation.count) }
    }

    /// False when an operator holds NaN or infinity (e.g. float32 overflow): predictions
    /// from it would be silently wrong.
    public var hasFiniteOperators: Bool {
        testOperator.isFinite && innerFolds.allSatisfy { $0.predictions.isFinite }
    }

    /// What the memory plan needs to know of this model.
    public var shape: ModelShape {
        ModelShape(train: split.train.count, test: split.test.count, testOperator: testOperator.shape,
                   inner: innerFolds.map { .init(train: $0.train.count, validation: $0.validation.count, operator: $0.predictions.shape) })
    }
}

extension SplitModel {
    /// Builds the models of several splits with `threads` threads. The work per split is a
    /// few mid-sized BLAS calls (and LAPACK's eigen-decompositions, which use threads
    /// poorly) plus single-threaded Swift loops, so operators built side by side (each
    /// with single-threaded BLAS) use the cores better than one at a time: whole splits
    /// when there are enough of them, else each split's operators.
    /// The build's transients are freed by the time it returns, and their memory handed
    /// back to the system (`MemoryPlan.whileBuildingOperators`).
    public static func build(features: Matrix<S>, splits: [Split], regression: Regression, threads: Int) throws -> [SplitModel<S>] {
        try MemoryPlan.whileBuildingOperators { try buildModels(features: features, splits: splits, regression: regression, threads: threads) }
    }

    static func buildModels(features: Matrix<S>, splits: [Split], regression: Regression, threads: Int) throws -> [SplitModel<S>] {
        guard threads > 1 else {
            return try splits.map { try SplitModel(features: features, split: $0, regression: regression) }
        }
        return try BLASThreads.with(1) {
            if splits.count >= threads {
                return try parallelMap(count: splits.count, threads: threads) { try SplitModel(features: features, split: splits[$0], regression: regression) }
            }
            return try splits.map {
                try SplitModel(trainFeatures: features.rows($0.train), testFeatures: features.rows($0.test), split: $0, regression: regression, threads: threads)
            }
        }
    }
}

/// `body(0) ... body(count - 1)`, `threads` at a time, results in order; the first error
/// (in index order) is rethrown after all have run.
func parallelMap<T>(count: Int, threads: Int, _ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
    guard threads > 1, count > 1 else { return try (0..<count).map(body) }
    let results = ConcurrentSlots<Result<T, Error>>(count: count)
    let queue = DispatchQueue(label: "brainalign.models", attributes: .concurrent)
    let group = DispatchGroup()
    let gate = DispatchSemaphore(value: threads)
    for index in 0..<count {
        gate.wait()
        queue.async(group: group) {
            defer { gate.signal() }
            results.set(index, Result { try body(index) })
        }
    }
    group.wait()
    return try results.values.map { try $0!.get() }
}

extension SplitModel {
    /// Elements the built operators actually hold (tests check the shape counts them).
    public var builtElementCount: Int {
        ([testOperator] + innerFolds.map(\.predictions)).reduce(0) { $0 + $1.heldElements }
    }
}
