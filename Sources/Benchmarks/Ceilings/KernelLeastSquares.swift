import Encoding
import LinearAlgebra

/// Least squares with an intercept in kernel form, for the ceilings' regressions: every
/// regression of a pool of subjects is built from the pool's Gram matrix over all rows (the
/// sum of its subjects' Gram matrices), so one eigendecomposition per split serves every
/// target subject.
enum KernelLeastSquares {
    /// Q (test x train) with predictions = Q · Y_train for least squares with intercept, from
    /// the uncentred Gram matrix: the centred blocks are G_ij - a_i - a_j + c with a the
    /// training-row means of G and c their mean; Q = K_te,tr K_tr,tr⁺ + 1/n. The
    /// pseudo-inverse drops eigenvalues at or below `relativeCutoff` · λmax (nil: the
    /// rounding floor n·eps·λmax·10, where the centring null direction lies).
    static func predictionOperator(gram: Matrix<Double>, split: Split, relativeCutoff: Double? = nil) throws -> Matrix<Double> {
        let train = split.train, test = split.test, n = Double(train.count)
        var a = [Double](repeating: 0, count: gram.rows)
        for i in 0..<gram.rows { var s = 0.0; for j in train { s += gram[i, j] }; a[i] = s / n }
        let c = train.reduce(0.0) { $0 + a[$1] } / n
        let ktt = Matrix<Double>(rows: train.count, columns: train.count) { k in
            for (jj, j) in train.enumerated() { for (ii, i) in train.enumerated() { k[jj * train.count + ii] = gram[i, j] - a[i] - a[j] + c } }
        }
        let kte = Matrix<Double>(rows: test.count, columns: train.count) { k in
            for (jj, j) in train.enumerated() { for (ii, i) in test.enumerated() { k[jj * test.count + ii] = gram[i, j] - a[i] - a[j] + c } }
        }
        let (lambda, v) = try ktt.symmetricEigen()
        let largest = lambda.last ?? 0
        let cutoff = largest * (relativeCutoff ?? n * Double.ulpOfOne * 10)
        var scaled = Matrix.product(kte, v)
        scaled.scaleColumns(by: lambda.map { $0 > cutoff ? 1 / $0 : 0 })
        var q = Matrix.product(scaled, v, transposeB: true)
        q.elements.withUnsafeMutableBufferPointer { e in for k in e.indices { e[k] += 1 / n } }
        return q
    }

    /// The pool's Gram matrix: the sum of its subjects'.
    static func pooledGram(_ grams: [Matrix<Double>], pool: [Int]) -> Matrix<Double> {
        var pooled = grams[pool[0]]
        for s in pool.dropFirst() {
            pooled.elements.withUnsafeMutableBufferPointer { p in
                grams[s].elements.withUnsafeBufferPointer { g in for k in p.indices { p[k] += g[k] } }
            }
        }
        return pooled
    }

    /// Each subject's neuroid columns of `data`, as its own matrix.
    static func subjectBlocks(_ data: Matrix<Double>, columns: [[Int]]) -> [Matrix<Double>] {
        columns.map { subjectColumns in
            var block = Matrix<Double>(rows: data.rows, columns: subjectColumns.count)
            for (j, column) in subjectColumns.enumerated() { for i in 0..<data.rows { block[i, j] = data[i, column] } }
            return block
        }
    }
}
