import Foundation
import LinearAlgebra

/// Which regression maps features to each voxel, and how its penalty is chosen.
public enum Regression: Equatable, Sendable {
    /// Ordinary least squares (minimum-norm when features outnumber rows), as sklearn's
    /// LinearRegression: Brain-Score's `linear_pearsonr`.
    case ordinaryLeastSquares(fitIntercept: Bool)
    /// Ridge with the penalty chosen from `alphas` by inner cross-validation on the
    /// training rows (by `RidgeConfiguration.innerCriterion`).
    case ridge(RidgeConfiguration)
}

public struct RidgeConfiguration: Equatable, Sendable {
    /// Penalties on the squared weight norm: the fit minimises ||Y - X W||² + alpha ||W||².
    /// (The Huth lab's `ridge`/`bootstrap_ridge` take the square root of this: their alpha
    /// `a` is our `a * a`.)
    public var alphas: [Double]
    /// One alpha per voxel (true) or one shared by all voxels of the split.
    public var alphaPerTarget: Bool
    /// Inner splits of the outer training rows, e.g. `.kFold(5)`, `.leaveOneOut`, or the
    /// Huth lab's `.chunkedBootstrap(...)`.
    public var innerCrossValidation: CrossValidation
    public var fitIntercept: Bool
    /// z-score features with the outer training rows' statistics before fitting (inner
    /// folds reuse them, as a StandardScaler ahead of RidgeCV would).
    public var standardizeFeatures: Bool
    /// z-score targets with the outer training rows' statistics before fitting. Held-out r
    /// does not change (it is invariant to a per-voxel affine map of the predictions); a
    /// shared alpha then weighs voxels by their inverse training variance, and without an
    /// intercept the centring changes the fit itself.
    public var standardizeTargets: Bool
    /// What the inner cross-validation optimises.
    public var innerCriterion: InnerCriterion
    /// Stacked or factored operators (`OperatorForm`); automatic = the cheaper by the
    /// cost model, per operator. Both give the same predictions up to rounding.
    public var operatorForm: OperatorFormChoice
    /// Which of a split's operators to build: all of them (one pass over the voxels), or
    /// only some inner folds or only the test rows' when alphas are selected in passes
    /// (`ModelPart`). Results do not depend on it; it counts in equality so that models
    /// built for different parts are told apart.
    public var part: ModelPart = .whole

    public enum InnerCriterion: String, Equatable, Sendable {
        /// Summed squared error over all inner validation rows (sklearn's RidgeCV).
        case squaredError
        /// Summed over inner folds of 1 - R² (each fold's SSE over its own total sum of
        /// squares), as Wehbe et al.'s / Toneva's `cross_val_ridge` does.
        case oneMinusR2
        /// Highest mean over inner splits of the validation rows' Pearson r, an undefined
        /// r (constant predictions or targets) counting as 0: the Huth lab's
        /// `bootstrap_ridge` (`ridge_corr` with `use_corr=True`).
        case correlation

        /// Whether the inner folds' predictions need the targets' training mean: the
        /// errors do, a correlation does not (`PredictionOperators`).
        public var needsMeanTerm: Bool { self != .correlation }
    }

    /// `innerCriterion` nil: the criterion that belongs to the inner cross-validation,
    /// `.correlation` for a chunked bootstrap (as the Huth lab's algorithm scores it),
    /// `.squaredError` otherwise.
    public init(alphas: [Double], alphaPerTarget: Bool = true, innerCrossValidation: CrossValidation = .kFold(5),
                fitIntercept: Bool = true, standardizeFeatures: Bool = false, standardizeTargets: Bool = false,
                innerCriterion: InnerCriterion? = nil, operatorForm: OperatorFormChoice = .automatic) {
        self.alphas = alphas
        self.alphaPerTarget = alphaPerTarget
        self.innerCrossValidation = innerCrossValidation
        self.fitIntercept = fitIntercept
        self.standardizeFeatures = standardizeFeatures
        self.standardizeTargets = standardizeTargets
        if let innerCriterion {
            self.innerCriterion = innerCriterion
        } else if case .chunkedBootstrap = innerCrossValidation {
            self.innerCriterion = .correlation
        } else {
            self.innerCriterion = .squaredError
        }
        self.operatorForm = operatorForm
    }

    /// `count` alphas evenly spaced in log10 from `low` to `high` (numpy.logspace).
    public static func logspace(_ low: Double, _ high: Double, count: Int) -> [Double] {
        guard count > 1 else { return [pow10(low)] }
        return (0..<count).map { pow10(low + (high - low) * Double($0) / Double(count - 1)) }
    }

    private static func pow10(_ x: Double) -> Double { exp(x * log(10.0)) }
}

/// The operators a `SplitModel` builds. Selecting alphas needs every inner fold's
/// operator, and holding them all at once can exceed the memory budget (the Huth lab's 50
/// bootstrap draws at 9,000 rows: ~5.7 GiB). Built a group of folds at a time instead,
/// each group streams the voxels once and adds its folds' losses to a per-voxel store
/// (`InnerLossStore`); a last pass builds only the test rows' operator and predicts with
/// the alphas the store chose. The losses are summed in fold order either way, so the
/// choice is the same as in one pass.
public enum ModelPart: Equatable, Sendable {
    /// The test rows' operator and every inner fold's: alphas chosen as the voxels stream.
    case whole
    /// Only these inner folds (positions in the inner cross-validation's splits), no
    /// test rows' operator: the model gives losses, not predictions.
    case innerFolds(Range<Int>)
    /// Only the test rows' operator: the alphas must be given (chosen by earlier passes).
    case test
}

extension Regression {
    /// The same regression building only `part` of each split's operators (least squares,
    /// which has no inner folds, is always whole).
    public func restricted(to part: ModelPart) -> Regression {
        guard case .ridge(var config) = self else { return self }
        config.part = part
        return .ridge(config)
    }

    /// The part of the operators this regression builds.
    public var part: ModelPart {
        if case .ridge(let config) = self { return config.part }
        return .whole
    }
}

extension Regression {
    /// The shape `SplitModel` will have for `split` with `features` features per row,
    /// predicted without building anything: the memory plan runs on it before any
    /// operator is built. It is exact (`SplitModel.shape` equals it). With `features` nil
    /// (a transform that cannot say before it runs) features are taken to outnumber rows,
    /// which gives the stacked form: a bound on the bytes of either form wherever the
    /// factored one would be chosen.
    public func modelShape(split: Split, features: Int?) throws -> ModelShape {
        let train = split.train.count, test = split.test.count, p = features ?? Int.max
        switch self {
        case .ordinaryLeastSquares(let intercept):
            // No mean term in operators whose predictions only feed a correlation (`PredictionOperators`).
            let op = OperatorShape.choose(.automatic, evaluationRows: test, trainingRows: train, features: p,
                                          intercept: false, candidates: 1, allCandidates: false)
            return ModelShape(train: train, test: test, testOperator: op, inner: [])
        case .ridge(let config):
            let a = config.alphas.count
            let testOperator = OperatorShape.choose(config.operatorForm, evaluationRows: test, trainingRows: train, features: p,
                                                    intercept: false, candidates: a, allCandidates: false)
            let inner: [ModelShape.InnerFold] = a <= 1 ? [] : try config.innerCrossValidation.splits(count: train).map {
                .init(train: $0.train.count, validation: $0.test.count,
                      operator: OperatorShape.choose(config.operatorForm, evaluationRows: $0.test.count, trainingRows: $0.train.count,
                                                     features: p, intercept: config.fitIntercept && config.innerCriterion.needsMeanTerm,
                                                     candidates: a, allCandidates: true))
            }
            return ModelShape(train: train, test: test, testOperator: testOperator, inner: inner).restricted(to: config.part)
        }
    }
}

extension ModelShape {
    /// The shape of the same model built for `part` only (of a whole model's shape).
    public func restricted(to part: ModelPart) -> ModelShape {
        var shape = self
        shape.inner = part.folds(of: inner)
        if !part.buildsTest {
            // No test rows' operator: an empty stacked one, as `SplitModel` builds it.
            shape.testOperator.form = .stacked
            shape.testOperator.evaluationRows = 0
        }
        return shape
    }
}

extension ModelPart {
    /// Whether the test rows' operator is built.
    var buildsTest: Bool {
        if case .innerFolds = self { return false }
        return true
    }

    /// The inner folds this part builds, of all of them (`range` clipped to their count).
    public func folds<T>(of all: [T]) -> [T] {
        switch self {
        case .whole: return all
        case .test: return []
        case .innerFolds(let range): return Array(all[min(range.lowerBound, all.count)..<min(range.upperBound, all.count)])
        }
    }
}
