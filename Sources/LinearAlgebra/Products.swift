/// Matrix products through BLAS.
extension Matrix {
    /// op(a) * op(b), where op transposes when asked.
    @inlinable
    public static func product(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false) -> Matrix {
        let m = transposeA ? a.columns : a.rows
        let n = transposeB ? b.rows : b.columns
        // A zeroed product, then BLAS writes it (one implementation: `multiply(into:)`).
        var c = Matrix(rows: m, columns: n)
        multiply(a, b, transposeA: transposeA, transposeB: transposeB, into: &c)
        return c
    }

    /// The Gram matrix: `aᵀa` (columns x columns) or, with `outer: true`, `aaᵀ`
    /// (rows x rows). Computed with syrk (half the work of a product) and mirrored.
    @inlinable
    public static func gram(_ a: Matrix, outer: Bool = false) -> Matrix {
        let n = outer ? a.rows : a.columns
        let k = outer ? a.columns : a.rows
        var c = Matrix(rows: n, columns: n)
        if n == 0 || k == 0 { return c }
        a.elements.withUnsafeBufferPointer { pa in
            c.elements.withUnsafeMutableBufferPointer { pc in
                Scalar.syrk(transpose: !outer, n: n, k: k, alpha: 1, a: pa.baseAddress!, lda: max(a.rows, 1),
                            beta: 0, c: pc.baseAddress!, ldc: n)
            }
        }
        c.mirrorUpperTriangle()
        return c
    }

    /// Copies the upper triangle onto the lower one (BLAS/LAPACK fill only one).
    @inlinable
    public mutating func mirrorUpperTriangle() {
        precondition(rows == columns)
        let n = rows
        elements.withUnsafeMutableBufferPointer { e in
            for c in 0..<n { for r in (c + 1)..<max(n, c + 1) { e[c * n + r] = e[r * n + c] } }
        }
    }
}

/// Products into existing storage and over row blocks: the engine's per-chunk loops reuse
/// one output buffer per candidate penalty instead of allocating (and zeroing) a new one.
extension Matrix {
    /// `c = op(a) * op(b)`, overwriting `c`, whose shape must match.
    @inlinable
    public static func multiply(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false, into c: inout Matrix) {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let kb = transposeB ? b.columns : b.rows
        let n = transposeB ? b.rows : b.columns
        precondition(k == kb, "inner dimensions differ: \(m)x\(k) times \(kb)x\(n)")
        precondition(c.rows == m && c.columns == n, "output is \(c.rows)x\(c.columns), the product is \(m)x\(n)")
        if m == 0 || n == 0 { return }
        if k == 0 {
            c.elements.withUnsafeMutableBufferPointer { e in e.update(repeating: 0) }
            return
        }
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                c.elements.withUnsafeMutableBufferPointer { pc in
                    Scalar.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
                                a: pa.baseAddress!, lda: max(a.rows, 1), b: pb.baseAddress!, ldb: max(b.rows, 1),
                                beta: 0, c: pc.baseAddress!, ldc: max(m, 1))
                }
            }
        }
    }

    /// Rows `rows` of `a` (a contiguous block, read in place through the leading
    /// dimension) times `b`.
    @inlinable
    public static func product(rows: Range<Int>, of a: Matrix, _ b: Matrix) -> Matrix {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= a.rows, "rows \(rows) of a \(a.rows)-row matrix")
        precondition(a.columns == b.rows, "inner dimensions differ: \(rows.count)x\(a.columns) times \(b.rows)x\(b.columns)")
        var c = Matrix(rows: rows.count, columns: b.columns)
        if rows.isEmpty || b.columns == 0 || a.columns == 0 { return c }
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                c.elements.withUnsafeMutableBufferPointer { pc in
                    Scalar.gemm(transposeA: false, transposeB: false, m: rows.count, n: b.columns, k: a.columns, alpha: 1,
                                a: pa.baseAddress! + rows.lowerBound, lda: a.rows, b: pb.baseAddress!, ldb: max(b.rows, 1),
                                beta: 0, c: pc.baseAddress!, ldc: rows.count)
                }
            }
        }
        return c
    }
}
