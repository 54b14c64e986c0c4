import LinearAlgebra

/// Every regression BrainAlign fits is linear in the targets: for fixed features, the
/// predictions on evaluation rows are `Q · Y_train` for a matrix `Q` (evaluation rows x
/// training rows) that does not depend on the voxels. This file builds those operators,
/// once per split and layer; the voxels then cost GEMMs per chunk. With an intercept the
/// features are centred; the training-mean term of the targets is included only where the
/// predictions' level matters (`meanTerm`: inner folds scored by squared error). Where
/// they only feed a Pearson r (the test rows, inner folds scored by correlation), a
/// constant per voxel changes nothing, and leaving it out keeps their variation: adding
/// a mean of order 1 to a centred prediction of order 1e-6 (a large penalty, small
/// features) rounds it to a constant in float32, and r became NaN.
///
/// Each fit factors as `Q_a = L diag(w_a) Rᵀ` (see `OperatorForm`). The factors come from
/// one eigen- or singular value decomposition; the operator is then either multiplied out
/// and stacked over candidates (one GEMM per chunk predicts every alpha; rows
/// `a*nEval ..< (a+1)*nEval` hold `alphas[a]`'s operator) or kept factored (memory
/// O((m + n)·k) instead of O(A·m·n)), whichever `OperatorShape.choose` finds cheaper.
public enum PredictionOperators {
    /// How features are prepared, with statistics from the training rows only.
    public struct FeaturePreparation: Sendable, Equatable {
        /// Subtract the training mean of each feature (= fit an unpenalised intercept).
        public var center: Bool
        /// Also divide by the training standard deviation (`ColumnStatistics`: ddof 0;
        /// constant features are divided by 1, as sklearn's StandardScaler does).
        public var scale: Bool

        public init(center: Bool, scale: Bool = false) {
            self.center = center
            self.scale = scale
        }
    }

    /// Ridge operators for each alpha, stacked (the `.stacked` form's matrix).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func ridge<S: LinearAlgebraScalar>(train: Matrix<S>, evaluate: Matrix<S>, alphas: [Double],
                                                     preparation: FeaturePreparation) throws -> Matrix<S> {
        let op = try ridge(train: train, evaluate: evaluate, alphas: alphas, preparation: preparation, form: .stacked, allCandidates: true)
        guard case .stacked(let q) = op.storage else { preconditionFailure("asked for the stacked form") }
        return q
    }

    /// Ridge operators for each alpha in the form `form` asks for (`allCandidates`: the
    /// operator will predict every alpha, as inner folds do, rather than each voxel's
    /// chosen one; the cost model weighs the two differently). Uses the kernel form
    /// (eigen-decomposition of the training Gram matrix, n x n) when features outnumber
    /// training rows, and the primal form (eigen-decomposition of the feature covariance,
    /// p x p) otherwise; the two are algebraically identical.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func ridge<S: LinearAlgebraScalar>(train: Matrix<S>, evaluate: Matrix<S>, alphas: [Double], preparation: FeaturePreparation,
                                                     form: OperatorFormChoice, allCandidates: Bool, meanTerm: Bool = true) throws -> PredictionOperator<S> {
        let shape = OperatorShape.choose(form, evaluationRows: evaluate.rows, trainingRows: train.rows, features: train.columns,
                                         intercept: preparation.center && meanTerm, candidates: alphas.count, allCandidates: allCandidates)
        // Nothing to predict (a fit on all rows, as the benchmarks' fit task): no decomposition.
        if shape.form == .stacked && evaluate.rows == 0 {
            return PredictionOperator(shape: shape, storage: .stacked(Matrix(rows: 0, columns: train.rows)))
        }
        let (x, e) = prepare(train: train, evaluate: evaluate, preparation)
        let n = x.rows
        let left: Matrix<S>, basis: Matrix<S>, eigenvalues: [S]
        if x.columns > n {
            // Q_a = (E Xᵀ V) diag(1/(λ+a)) Vᵀ with X Xᵀ = V diag(λ) Vᵀ.
            var gram = Matrix.gram(x, outer: true)
            if preparation.center { shiftConstantDirection(&gram) }
            let (lambda, v) = try gram.symmetricEigen()
            left = Matrix.product(Matrix.product(e, x, transposeB: true), v)
            basis = v
            eigenvalues = lambda
        } else {
            // Q_a = (E W) diag(1/(μ+a)) (X W)ᵀ with Xᵀ X = W diag(μ) Wᵀ.
            let (mu, w) = try Matrix.gram(x).symmetricEigen()
            left = Matrix.product(e, w)
            basis = Matrix.product(x, w)
            eigenvalues = mu
        }
        // Eigenvalues of a Gram matrix are >= 0; tiny negative ones are rounding.
        let weights = alphas.flatMap { alpha in eigenvalues.map { S(1 / (max(Double($0), 0) + alpha)) } }
        return assemble(shape, left: left, basis: basis, weights: weights)
    }

    /// The ordinary-least-squares operator: minimum-norm solution when features outnumber
    /// rows (what sklearn's LinearRegression computes), from the SVD of the prepared
    /// training features. Singular values below `max(n, p) * eps * largest` are treated as
    /// zero: that drops exactly the directions the intercept's centring removes (whose
    /// singular values are rounding noise) and nothing else for data of full rank.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func leastSquares<S: LinearAlgebraScalar>(train: Matrix<S>, evaluate: Matrix<S>, preparation: FeaturePreparation,
                                                            form: OperatorFormChoice = .automatic, meanTerm: Bool = true) throws -> PredictionOperator<S> {
        let (x, e) = prepare(train: train, evaluate: evaluate, preparation)
        let (u, s, vt) = try x.singularValueDecomposition()
        let cutoff = (s.first ?? 0) * S(max(x.rows, x.columns)) * S.ulpOfOne
        let shape = OperatorShape.choose(form, evaluationRows: e.rows, trainingRows: x.rows, features: x.columns,
                                         intercept: preparation.center && meanTerm, candidates: 1, allCandidates: false)
        return assemble(shape, left: Matrix.product(e, vt, transposeB: true), basis: u, weights: s.map { $0 > cutoff ? 1 / $0 : 0 })
    }

    /// The operator in `shape.form` from its factors: left (m x k), basis (n x k) and the
    /// weights of each candidate (`weights[a * k + j]`). The mean term is exact in both
    /// forms: added to every element of Q (stacked), or one more direction of weight 1.
    static func assemble<S: LinearAlgebraScalar>(_ shape: OperatorShape, left: Matrix<S>, basis: Matrix<S>, weights: [S]) -> PredictionOperator<S> {
        let k = left.columns, n = basis.rows
        precondition(k == shape.directions && basis.columns == k && weights.count == shape.candidates * k, "factors do not match their shape")
        switch shape.form {
        case .stacked:
            var q = Matrix.product(scaledStack(left, weights: weights, candidates: shape.candidates), basis, transposeB: true)
            if shape.intercept { addMeanTerm(&q, trainingRows: n) }
            return PredictionOperator(shape: shape, storage: .stacked(q))
        case .factored:
            guard shape.intercept else { return PredictionOperator(shape: shape, storage: .factored(left: left, basis: basis, weights: weights)) }
            // The training mean as a direction: L gets a column of ones, R one of 1/n.
            let m = left.rows, rank = k + 1
            let withMean = Matrix(rows: m, columns: rank, columnMajor: left.elements + [S](repeating: 1, count: m))
            let meanBasis = Matrix(rows: n, columns: rank, columnMajor: basis.elements + [S](repeating: 1 / S(n), count: n))
            var all = [S]()
            all.reserveCapacity(shape.candidates * rank)
            for a in 0..<shape.candidates { all += weights[(a * k)..<((a + 1) * k)]; all.append(1) }
            return PredictionOperator(shape: shape, storage: .factored(left: withMean, basis: meanBasis, weights: all))
        }
    }

    // MARK: Pieces

    /// Centres (and optionally scales) both matrices with the training rows' statistics.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func prepare<S: LinearAlgebraScalar>(train: Matrix<S>, evaluate: Matrix<S>, _ preparation: FeaturePreparation) -> (Matrix<S>, Matrix<S>) {
        guard preparation.center || preparation.scale else { return (train, evaluate) }
        // Training statistics for both: the evaluation rows never inform the fit.
        let statistics = ColumnStatistics(of: train)
        var x = train, e = evaluate
        statistics.apply(to: &x, center: preparation.center, scale: preparation.scale)
        statistics.apply(to: &e, center: preparation.center, scale: preparation.scale)
        return (x, e)
    }

    /// Stacks `a` once per candidate with column j multiplied by `weights[c * k + j]`.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func scaledStack<S: LinearAlgebraScalar>(_ a: Matrix<S>, weights: [S], candidates: Int) -> Matrix<S> {
        let nEval = a.rows, k = a.columns, stackedRows = nEval * candidates
        var stacked = Matrix<S>(rows: stackedRows, columns: k)
        a.elements.withUnsafeBufferPointer { source in
            stacked.elements.withUnsafeMutableBufferPointer { target in
                for j in 0..<k {
                    for c in 0..<candidates {
                        let weight = weights[c * k + j]
                        let from = j * nEval, to = j * stackedRows + c * nEval
                        for i in 0..<nEval { target[to + i] = source[from + i] * weight }
                    }
                }
            }
        }
        return stacked
    }

    /// Centring makes the constant vector an exact null vector of the Gram matrix, whose
    /// computed eigenvalue is rounding noise (~eps·λmax): with a small alpha, 1/(λ+alpha)
    /// would amplify the rounding in E Xᵀ v₀ (float32 especially). Adding (mean diagonal)·11ᵀ/n
    /// moves that one eigenvalue away from zero and leaves the others alone, and since
    /// Xᵀ1 = 0 the direction contributes nothing in exact arithmetic either way.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func shiftConstantDirection<S: LinearAlgebraScalar>(_ gram: inout Matrix<S>) {
        let n = gram.rows
        guard n > 0 else { return }
        var trace = 0.0
        for i in 0..<n { trace += Double(gram[i, i]) }
        let shift = S(trace / Double(n) / Double(n))
        gram.elements.withUnsafeMutableBufferPointer { g in
            for index in g.indices { g[index] += shift }
        }
    }

    /// Adds the intercept's contribution, the training mean of the targets: 1/n everywhere.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func addMeanTerm<S: LinearAlgebraScalar>(_ q: inout Matrix<S>, trainingRows n: Int) {
        let term = S(1) / S(n)
        q.elements.withUnsafeMutableBufferPointer { e in
            for index in e.indices { e[index] += term }
        }
    }
}
