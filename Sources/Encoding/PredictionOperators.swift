import LinearAlgebra

/// Every regression BrainAlign fits is linear in the targets: for fixed features, the
/// predictions on evaluation rows are `Q · Y_train` for a matrix `Q` (evaluation rows x
/// training rows) that does not depend on the voxels. This file builds those `Q`s, once
/// per split and layer; the voxels then cost one GEMM per chunk. With an intercept, `Q`
/// includes the training-mean term, so it applies to raw (uncentred) targets.
///
/// For several ridge penalties the operators are stacked: rows `a*nEval ..< (a+1)*nEval`
/// hold the operator for `alphas[a]`, so one GEMM predicts every alpha at once.
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

    /// Ridge operators for each alpha, stacked. Uses the kernel form (eigen-decomposition
    /// of the training Gram matrix, n x n) when features outnumber training rows, and the
    /// primal form (eigen-decomposition of the feature covariance, p x p) otherwise; the
    /// two are algebraically identical.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func ridge<S: LinearAlgebraScalar>(train: Matrix<S>, evaluate: Matrix<S>, alphas: [Double],
                                                     preparation: FeaturePreparation) throws -> Matrix<S> {
        let (x, e) = prepare(train: train, evaluate: evaluate, preparation)
        let n = x.rows
        var stacked: Matrix<S>
        let right: Matrix<S>
        if x.columns > n {
            // Q_a = (E Xᵀ V) diag(1/(λ+a)) Vᵀ with X Xᵀ = V diag(λ) Vᵀ.
            var gram = Matrix.gram(x, outer: true)
            if preparation.center { shiftConstantDirection(&gram) }
            let (lambda, v) = try gram.symmetricEigen()
            let a = Matrix.product(Matrix.product(e, x, transposeB: true), v)
            stacked = scaledStack(a, eigenvalues: lambda, alphas: alphas)
            right = v
        } else {
            // Q_a = (E W) diag(1/(μ+a)) (X W)ᵀ with Xᵀ X = W diag(μ) Wᵀ.
            let (mu, w) = try Matrix.gram(x).symmetricEigen()
            stacked = scaledStack(Matrix.product(e, w), eigenvalues: mu, alphas: alphas)
            right = Matrix.product(x, w)
        }
        var q = Matrix.product(stacked, right, transposeB: true)
        if preparation.center { addMeanTerm(&q, trainingRows: n) }
        return q
    }

    /// The ordinary-least-squares operator: minimum-norm solution when features outnumber
    /// rows (what sklearn's LinearRegression computes), from the SVD of the prepared
    /// training features. Singular values below `max(n, p) * eps * largest` are treated as
    /// zero: that drops exactly the directions the intercept's centring removes (whose
    /// singular values are rounding noise) and nothing else for data of full rank.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func leastSquares<S: LinearAlgebraScalar>(train: Matrix<S>, evaluate: Matrix<S>,
                                                            preparation: FeaturePreparation) throws -> Matrix<S> {
        let (x, e) = prepare(train: train, evaluate: evaluate, preparation)
        let (u, s, vt) = try x.singularValueDecomposition()
        let cutoff = (s.first ?? 0) * S(max(x.rows, x.columns)) * S.ulpOfOne
        var c = Matrix.product(e, vt, transposeB: true)  // nEval x k
        c.scaleColumns(by: s.map { $0 > cutoff ? 1 / $0 : 0 })
        var q = Matrix.product(c, u, transposeB: true)
        if preparation.center { addMeanTerm(&q, trainingRows: x.rows) }
        return q
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

    /// Stacks `a` once per alpha with column j divided by (eigenvalue_j + alpha).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func scaledStack<S: LinearAlgebraScalar>(_ a: Matrix<S>, eigenvalues: [S], alphas: [Double]) -> Matrix<S> {
        let nEval = a.rows, stackedRows = nEval * alphas.count
        var stacked = Matrix<S>(rows: stackedRows, columns: a.columns)
        a.elements.withUnsafeBufferPointer { source in
            stacked.elements.withUnsafeMutableBufferPointer { target in
                for j in 0..<a.columns {
                    // Eigenvalues of a Gram matrix are >= 0; tiny negative ones are rounding.
                    let lambda = max(Double(eigenvalues[j]), 0)
                    for (k, alpha) in alphas.enumerated() {
                        let weight = S(1 / (lambda + alpha))
                        let from = j * nEval, to = j * stackedRows + k * nEval
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
