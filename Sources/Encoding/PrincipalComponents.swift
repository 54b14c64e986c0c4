import LinearAlgebra

/// The leading principal axes of the rows of a matrix (what sklearn's `PCA(k)` fits),
/// by block subspace iteration with Rayleigh-Ritz: for k much smaller than the feature
/// count this costs a few GEMMs per iteration instead of a full eigendecomposition
/// (seconds at 4,096 features). Signs are fixed so each axis's largest-magnitude entry is
/// positive (PCA axes are defined up to sign).
public struct PrincipalComponents: Sendable {
    /// Feature means of the fitted rows.
    public let mean: [Double]
    /// features x k, orthonormal columns, by decreasing variance.
    public let axes: Matrix<Double>
    /// Variance along each axis (eigenvalues of the covariance, ddof 1 as sklearn).
    public let explainedVariance: [Double]

    public enum Failure: Error, CustomStringConvertible {
        case tooFewRows(rows: Int, components: Int)
        case notConverged(iterations: Int)
        public var description: String {
            switch self {
            case .tooFewRows(let rows, let components): "PCA with \(components) components needs more than \(components) rows, got \(rows)"
            case .notConverged(let iterations): "PCA did not converge in \(iterations) iterations"
            }
        }
    }

    /// Fits `components` axes to the rows of `x` (rows = observations).
    public init(fitting x: Matrix<Double>, components: Int, tolerance: Double = 1e-13, maxIterations: Int = 500) throws {
        let n = x.rows, p = x.columns
        guard n > components, components >= 1 else { throw Failure.tooFewRows(rows: n, components: components) }
        var centered = x
        var mean = [Double](repeating: 0, count: p)
        for j in 0..<p {
            var sum = 0.0
            for i in 0..<n { sum += x[i, j] }
            mean[j] = sum / Double(n)
            for i in 0..<n { centered[i, j] -= mean[j] }
        }
        self.mean = mean
        let rank = min(n - 1, p)
        let k = min(components, rank)
        if p <= 2 * components + 64 || rank <= 2 * components + 10 {
            // Small problems: the exact eigendecomposition of the covariance is cheapest.
            let (values, vectors) = try Matrix.gram(centered).symmetricEigen()
            let order = Array((0..<p).reversed().prefix(k))
            var axes = Matrix<Double>(rows: p, columns: k)
            for (c, index) in order.enumerated() { for r in 0..<p { axes[r, c] = vectors[r, index] } }
            self.axes = Self.fixSigns(axes)
            explainedVariance = order.map { values[$0] / Double(n - 1) }
            return
        }
        // Subspace iteration on the covariance XᵀX, applied as Xᵀ(X Q), with oversampling.
        let width = min(rank, k + 10)
        var q = Matrix<Double>(rows: p, columns: width)
        var state: UInt64 = 0x5DEECE66D
        for index in q.elements.indices {  // deterministic start
            state = state &* 6364136223846793005 &+ 1442695040888963407
            q.elements[index] = Double(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
        }
        q = try Self.orthonormalize(q)
        var previous = [Double](repeating: 0, count: k)
        var iteration = 0
        func step() throws {
            iteration += 1
            let xq = Matrix.product(centered, q)
            q = try Self.orthonormalize(Matrix.product(centered, xq, transposeA: true))
        }
        while true {
            try step()
            // Rayleigh-Ritz: eigenvalues of Qᵀ XᵀX Q in the current subspace.
            let (ritz, _) = try Matrix.gram(Matrix.product(centered, q)).symmetricEigen()
            let top = Array(ritz.reversed().prefix(k))
            let change = zip(top, previous).map { abs($0 - $1) / max(abs($0), .leastNormalMagnitude) }.max() ?? 1
            previous = top
            if change < tolerance && iteration > 3 { break }
            if iteration == maxIterations { throw Failure.notConverged(iterations: maxIterations) }
        }
        // Ritz values converge twice as fast as the subspace (their error is the square of
        // the axes' error), so the axes are only about sqrt(tolerance) accurate here, which
        // shows when the spectrum is flat (features close to noise). As many iterations
        // again square the axes' error too.
        for _ in 0..<min(iteration, maxIterations - iteration) { try step() }
        // Final Rayleigh-Ritz rotation: axes = Q V for the top Ritz vectors.
        let (ritz, rotation) = try Matrix.gram(Matrix.product(centered, q)).symmetricEigen()
        let rotated = Matrix.product(q, rotation)
        var axes = Matrix<Double>(rows: p, columns: k)
        for c in 0..<k { for r in 0..<p { axes[r, c] = rotated[r, width - 1 - c] } }
        self.axes = Self.fixSigns(axes)
        explainedVariance = (0..<k).map { ritz[width - 1 - $0] / Double(n - 1) }
    }

    /// Projects rows onto the axes: (x - mean) · axes.
    public func transform(_ x: Matrix<Double>) -> Matrix<Double> {
        var centered = x
        for j in 0..<x.columns { for i in 0..<x.rows { centered[i, j] -= mean[j] } }
        return Matrix.product(centered, axes)
    }

    /// Symmetric orthonormalisation Q (QᵀQ)^(-1/2), through the small Gram matrix.
    static func orthonormalize(_ q: Matrix<Double>) throws -> Matrix<Double> {
        let (values, vectors) = try Matrix.gram(q).symmetricEigen()
        var scaled = vectors
        for j in 0..<values.count {
            let factor = values[j] > 0 ? 1 / values[j].squareRoot() : 0
            for i in 0..<scaled.rows { scaled[i, j] *= factor }
        }
        return Matrix.product(q, Matrix.product(scaled, vectors, transposeB: true))
    }

    static func fixSigns(_ axes: Matrix<Double>) -> Matrix<Double> {
        var fixed = axes
        for c in 0..<axes.columns {
            let column = axes.column(c)
            let largest = column.max { abs($0) < abs($1) } ?? 0
            if largest < 0 { for r in 0..<axes.rows { fixed[r, c] = -axes[r, c] } }
        }
        return fixed
    }
}
