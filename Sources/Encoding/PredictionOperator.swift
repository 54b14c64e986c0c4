import LinearAlgebra

/// One split's (or inner fold's) prediction operators for every candidate penalty, in the
/// form its `OperatorShape` chose. Built by `PredictionOperators`; applied to chunks of
/// training targets (training rows x voxels).
public struct PredictionOperator<S: LinearAlgebraScalar>: Sendable {
    public let shape: OperatorShape
    let storage: Storage

    enum Storage: Sendable {
        /// (candidates x m) x n; rows a*m ..< (a+1)*m are candidate a's operator.
        case stacked(Matrix<S>)
        /// left m x k', basis n x k' (R), weights [candidate * k' + j].
        case factored(left: Matrix<S>, basis: Matrix<S>, weights: [S])
    }

    /// Elements the storage holds (equals `shape.elements`).
    public var heldElements: Int {
        switch storage {
        case .stacked(let q): q.elements.count
        case .factored(let l, let r, let w): l.elements.count + r.elements.count + w.count
        }
    }

    /// False when any element is NaN or infinite (float32 overflow).
    public var isFinite: Bool {
        switch storage {
        case .stacked(let q): q.elements.allSatisfy(\.isFinite)
        case .factored(let l, let r, let w): l.elements.allSatisfy(\.isFinite) && r.elements.allSatisfy(\.isFinite) && w.allSatisfy(\.isFinite)
        }
    }

    /// Calls `body(candidate, predictions, leadingDimension)` for every candidate with its
    /// predictions of the evaluation rows for every voxel of `y` (training rows x voxels):
    /// voxel v's predictions start at `v * leadingDimension`. The buffer is valid only
    /// during the call.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func forEachCandidate(trainTargets y: Matrix<S>, _ body: (Int, UnsafeBufferPointer<S>, Int) -> Void) {
        let m = shape.evaluationRows, candidates = shape.candidates
        guard m > 0, y.columns > 0 else { return }
        switch storage {
        case .stacked(let q):
            let all = Matrix.product(q, y)
            all.elements.withUnsafeBufferPointer { p in
                for a in 0..<candidates { body(a, UnsafeBufferPointer(rebasing: p[(a * m)...]), candidates * m) }
            }
        case .factored(let left, let basis, let weights):
            let z = Matrix.product(basis, y, transposeA: true)  // k' x voxels
            var scaled = Matrix<S>(rows: z.rows, columns: z.columns)
            var predicted = Matrix<S>(rows: m, columns: y.columns)
            for a in 0..<candidates {
                Self.scaleRows(z, by: weights, candidate: a, into: &scaled)
                Matrix.multiply(left, scaled, into: &predicted)
                predicted.elements.withUnsafeBufferPointer { body(a, $0, m) }
            }
        }
    }

    /// Predictions of the evaluation rows for each voxel of `y` with its own candidate
    /// `chosen[v]`. Voxels are grouped by candidate, so each voxel costs one candidate's
    /// product, not all of them.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func predict(trainTargets y: Matrix<S>, chosen: [Int]) -> Matrix<S> {
        precondition(chosen.count == y.columns, "one candidate per voxel")
        let m = shape.evaluationRows, voxels = y.columns
        var result = Matrix<S>(rows: m, columns: voxels)
        guard m > 0, voxels > 0 else { return result }
        var groups = [[Int]](repeating: [], count: shape.candidates)
        for (v, a) in chosen.enumerated() { groups[a].append(v) }
        let z: Matrix<S>?
        if case .factored(_, let basis, _) = storage { z = Matrix.product(basis, y, transposeA: true) } else { z = nil }
        for (a, voxelsOfA) in groups.enumerated() where !voxelsOfA.isEmpty {
            let whole = voxelsOfA.count == voxels
            let part: Matrix<S>
            switch storage {
            case .stacked(let q):
                part = Matrix.product(rows: (a * m)..<((a + 1) * m), of: q, whole ? y : Self.gatherColumns(y, voxelsOfA))
            case .factored(let left, _, let weights):
                let z = z!
                var scaled = Matrix<S>(rows: z.rows, columns: voxelsOfA.count)
                Self.scaleRows(whole ? z : Self.gatherColumns(z, voxelsOfA), by: weights, candidate: a, into: &scaled)
                part = Matrix.product(left, scaled)
            }
            if whole { return part }
            Self.scatterColumns(part, voxelsOfA, into: &result)
        }
        return result
    }

    // MARK: Pieces

    /// `target[j, v] = source[j, v] * weights[candidate * rows + j]`.
    static func scaleRows(_ source: Matrix<S>, by weights: [S], candidate: Int, into target: inout Matrix<S>) {
        let k = source.rows, offset = candidate * k
        precondition(target.rows == k && target.columns == source.columns)
        source.elements.withUnsafeBufferPointer { s in
            weights.withUnsafeBufferPointer { w in
                target.elements.withUnsafeMutableBufferPointer { t in
                    for v in 0..<source.columns {
                        let base = v * k
                        for j in 0..<k { t[base + j] = s[base + j] * w[offset + j] }
                    }
                }
            }
        }
    }

    static func gatherColumns(_ m: Matrix<S>, _ columns: [Int]) -> Matrix<S> {
        let rows = m.rows
        return Matrix(rows: rows, columns: columns.count) { target in
            m.elements.withUnsafeBufferPointer { source in
                for (c, column) in columns.enumerated() {
                    for i in 0..<rows { target[c * rows + i] = source[column * rows + i] }
                }
            }
        }
    }

    static func scatterColumns(_ part: Matrix<S>, _ columns: [Int], into result: inout Matrix<S>) {
        let rows = part.rows
        part.elements.withUnsafeBufferPointer { source in
            result.elements.withUnsafeMutableBufferPointer { target in
                for (c, column) in columns.enumerated() {
                    for i in 0..<rows { target[column * rows + i] = source[c * rows + i] }
                }
            }
        }
    }
}
