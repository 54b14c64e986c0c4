/// How one set of prediction operators is held and applied.
///
/// Every fit is `P_a = L diag(w_a) Rᵀ Y` for candidates a (penalties): L is evaluation rows
/// x k, R training rows x k, w_a the k weights of candidate a (1/(eigenvalue + alpha) for
/// ridge, 1/s for least squares), k = min(training rows, features).
public enum OperatorForm: String, Sendable, Equatable {
    /// `Q_a = L diag(w_a) Rᵀ` multiplied out and stacked over candidates, (A x m) x n:
    /// one GEMM per chunk predicts every candidate. Cheapest when features outnumber rows
    /// (k = n: the factors are no smaller than Q).
    case stacked
    /// L, R and the weights kept apart, (m + n) x k: per chunk `Z = Rᵀ Y` (k x voxels),
    /// then `L diag(w_a) Z` per candidate. Cheapest when rows outnumber features.
    case factored
}

/// Which form `RidgeConfiguration` asks for: the cheaper by the cost model, or one forced
/// (for tests that compare the two, and for a caller that knows better).
public enum OperatorFormChoice: String, Sendable, Equatable {
    case automatic, stacked, factored
}

/// The voxel-independent size and cost of one operator (a split's test rows or one inner
/// fold), known from the row counts and the feature count alone, so the memory plan can
/// be made before any operator is built.
public struct OperatorShape: Sendable, Equatable {
    public var form: OperatorForm
    /// Rows predicted (m): test rows, or an inner fold's validation rows.
    public var evaluationRows: Int
    /// Rows fitted on (n).
    public var trainingRows: Int
    /// Directions of the fit, k = min(training rows, features).
    public var directions: Int
    /// With an intercept the factored form carries the training mean as one more
    /// direction (L column of ones, R column of 1/n, weight 1 for every candidate).
    public var intercept: Bool
    /// Candidates (penalties) the operator predicts.
    public var candidates: Int
    /// Features per row (p), when known; nil when a transform cannot say in advance, in
    /// which case the estimates below take p = k, the fewest it can be.
    public var features: Int?

    public init(form: OperatorForm, evaluationRows: Int, trainingRows: Int, directions: Int, intercept: Bool, candidates: Int, features: Int? = nil) {
        self.form = form
        self.evaluationRows = evaluationRows
        self.trainingRows = trainingRows
        self.directions = directions
        self.intercept = intercept
        self.candidates = candidates
        self.features = features
    }

    /// Columns of the factors (the ridge directions plus the mean's).
    public var rank: Int { directions + (intercept ? 1 : 0) }

    /// Elements held: the stacked Q, or L, R and the weights.
    public var elements: Int {
        switch form {
        case .stacked: candidates * evaluationRows * trainingRows
        case .factored: (evaluationRows + trainingRows) * rank + candidates * rank
        }
    }

    /// Elements alive at once while this operator is built, beside the finished operator
    /// (`SplitModel` and `PredictionOperators.ridge`/`leastSquares`): the outer split's
    /// gathered rows, this operator's gathered and prepared copies of its training and
    /// evaluation rows (each bounded by (m + n)·p), the Gram matrix (g x g, g = min(n, p))
    /// and its eigenvectors, the two factor products, and the assembly's copy (the stacked
    /// form's scaled stack, or the factored form's factors with the mean direction added).
    public var buildElements: Int {
        let m = evaluationRows, n = trainingRows, k = directions, p = max(features ?? k, k)
        guard !(form == .stacked && m == 0) else { return 0 }  // nothing to predict: no decomposition
        let g = min(n, p)
        let assembly = form == .stacked ? candidates * m * k : (intercept ? (m + n) * rank : 0)
        return 3 * (m + n) * p + 2 * g * g + (m + n) * max(k, min(n, p)) + assembly
    }

    /// Multiply-adds per voxel to predict every candidate (inner cross-validation).
    public var multiplyAddsForAllCandidates: Int {
        guard evaluationRows > 0 else { return 0 }
        switch form {
        case .stacked: return candidates * evaluationRows * trainingRows
        case .factored: return rank * trainingRows + candidates * evaluationRows * rank
        }
    }

    /// Multiply-adds per voxel to predict each voxel's chosen candidate (test rows).
    public var multiplyAddsForChosenCandidate: Int {
        guard evaluationRows > 0 else { return 0 }
        switch form {
        case .stacked: return evaluationRows * trainingRows
        case .factored: return rank * trainingRows + evaluationRows * rank
        }
    }

    /// Scalars per voxel column an application holds beside its inputs: every candidate's
    /// predictions (stacked), or Z, its scaled copy and one candidate's predictions
    /// (factored).
    public var workingScalarsForAllCandidates: Int {
        switch form {
        case .stacked: candidates * evaluationRows
        case .factored: 2 * rank + evaluationRows
        }
    }

    /// The same for the chosen candidate: the gathered targets of one candidate's voxels
    /// and its predictions (stacked), or Z, its gathered scaled columns and predictions.
    public var workingScalarsForChosenCandidate: Int {
        switch form {
        case .stacked: (candidates > 1 ? trainingRows : 0) + evaluationRows
        case .factored: 2 * rank + evaluationRows
        }
    }

    /// The cost model. Per voxel the stacked form costs A·m·n multiply-adds to predict
    /// every candidate (m·n for the chosen one); the factored form k'·n for Z plus A·m·k'
    /// (m·k'), k' = k (+1 with an intercept). The voxel term dominates (a run has
    /// thousands of voxels; building either form costs about k voxels' worth), so the form
    /// with fewer multiply-adds per voxel is used, unless the two are within 10% of each
    /// other: then the one holding fewer bytes wins (a chunked-bootstrap draw predicting
    /// 5,000 rows from 1,000 costs the same either way, but its stacked operator is 8x the
    /// factors; the flops of two GEMM shapes that close are not worth that memory).
    /// The factored form wins when rows outnumber features enough (k·(n + A·m) < A·m·n);
    /// when features outnumber rows k = n and the stacked form wins (by flops, or by bytes
    /// for a single candidate).
    public static func choose(_ choice: OperatorFormChoice, evaluationRows m: Int, trainingRows n: Int, features p: Int,
                              intercept: Bool, candidates: Int, allCandidates: Bool) -> OperatorShape {
        let k = min(n, p)
        let stacked = OperatorShape(form: .stacked, evaluationRows: m, trainingRows: n, directions: k, intercept: intercept, candidates: candidates,
                                    features: p == Int.max ? nil : p)
        var factored = stacked
        factored.form = .factored
        switch choice {
        case .stacked: return stacked
        case .factored: return factored
        case .automatic:
            let cost = { (s: OperatorShape) in Double(allCandidates ? s.multiplyAddsForAllCandidates : s.multiplyAddsForChosenCandidate) }
            let (f, st) = (cost(factored), cost(stacked))
            if abs(f - st) > 0.1 * max(f, st) { return f < st ? factored : stacked }
            return factored.elements < stacked.elements ? factored : stacked
        }
    }
}

extension Collection where Element == OperatorShape {
    /// What the plan says about the operators: "stacked operators", "factored operators
    /// (k = 1024)", or both with counts. Operators that predict no rows are left out.
    public var formDescription: String {
        let used = filter { $0.evaluationRows > 0 }
        let factored = used.filter { $0.form == .factored }
        guard !factored.isEmpty else { return "stacked operators" }
        let ranks = factored.map(\.directions)
        let k = ranks.min() == ranks.max() ? "k = \(ranks[0])" : "k = \(ranks.min()!)-\(ranks.max()!)"
        if factored.count == used.count { return "factored operators (\(k))" }
        return "factored operators (\(k)) for \(factored.count) of \(used.count), stacked for the rest"
    }
}
