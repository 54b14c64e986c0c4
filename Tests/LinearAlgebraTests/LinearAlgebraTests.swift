import Foundation
import LinearAlgebra
import TestSupport
import Testing

/// BLAS/LAPACK through our wrappers against numpy/scipy (tools/make_encoding_fixtures.py).
@Suite struct LinearAlgebraTests {
    let reference: [String: Any]
    init() throws { reference = try Fixture.json("LinearAlgebraTests", "linear_algebra.json") }

    func matrix<S: LinearAlgebraScalar>(_ key: String, _ rows: Int, _ columns: Int, as: S.Type = Double.self) -> Matrix<S> {
        Matrix(rows: rows, columns: columns, rowMajor: doubles(reference[key]).map { S($0) })
    }

    @Test func productsAndGramMatrices() {
        let a: Matrix<Double> = matrix("a", 7, 5), b: Matrix<Double> = matrix("b", 5, 4)
        #expect(maxAbsDifference(Matrix.product(a, b).rowMajorElements, doubles(reference["ab"])) < 1e-12)
        #expect(maxAbsDifference(Matrix.product(a.transposed(), b.transposed(), transposeA: true, transposeB: true).rowMajorElements,
                                 doubles(reference["ab"])) < 1e-12)
        #expect(maxAbsDifference(Matrix.gram(a).rowMajorElements, doubles(reference["ata"])) < 1e-12)
        #expect(maxAbsDifference(Matrix.gram(a, outer: true).rowMajorElements, doubles(reference["aat"])) < 1e-12)
        let af: Matrix<Float> = matrix("a", 7, 5, as: Float.self), bf: Matrix<Float> = matrix("b", 5, 4, as: Float.self)
        #expect(maxAbsDifference(Matrix.product(af, bf).rowMajorElements.map(Double.init), doubles(reference["ab"])) < 1e-5)
    }

    @Test func decompositions() throws {
        let gram: Matrix<Double> = matrix("ata", 5, 5)
        let (values, vectors) = try gram.symmetricEigen()
        #expect(maxAbsDifference(values, doubles(reference["eigenvalues_ata"])) < 1e-10)
        // V diag(λ) Vᵀ reconstructs the matrix.
        var scaled = vectors
        for j in 0..<5 { for i in 0..<5 { scaled[i, j] *= values[j] } }
        #expect(maxAbsDifference(Matrix.product(scaled, vectors, transposeB: true).elements, gram.elements) < 1e-10)

        let a: Matrix<Double> = matrix("a", 7, 5)
        let (u, s, vt) = try a.singularValueDecomposition()
        #expect(maxAbsDifference(s, doubles(reference["singular_values_a"])) < 1e-12)
        var us = u
        for j in 0..<5 { for i in 0..<7 { us[i, j] *= s[j] } }
        #expect(maxAbsDifference(Matrix.product(us, vt).elements, a.elements) < 1e-12)
    }

    @Test func minimumNormLeastSquaresOnARankDeficientWideSystem() throws {
        let wide: Matrix<Double> = matrix("wide", 6, 9), rhs: Matrix<Double> = matrix("rhs", 6, 2)
        let (solution, rank) = try wide.leastSquares(rhs)
        #expect(rank == reference["wide_rank"] as? Int)
        #expect(maxAbsDifference(solution.rowMajorElements, doubles(reference["lstsq_min_norm"])) < 1e-10)
    }

    @Test func layoutHelpers() {
        let m = Matrix<Double>(rows: 2, columns: 3, rowMajor: [1, 2, 3, 4, 5, 6])
        #expect(m[0, 2] == 3 && m[1, 0] == 4)
        #expect(m.elements == [1, 4, 2, 5, 3, 6])
        #expect(m.rows([1, 0]).rowMajorElements == [4, 5, 6, 1, 2, 3])
        #expect(m.columns(1..<3).rowMajorElements == [2, 3, 5, 6])
        #expect(m.transposed().transposed() == m)
    }

    @Test func threadCountIsScopedAndRestored() throws {
        // Other tests open scopes on other threads at the same time, so the count read
        // outside a scope may be theirs. An enclosing scope holds the lock (it is
        // recursive) for the whole test, so every read below sees only our own scopes.
        try BLASThreads.with(3) {
            let original = BLASThreads.count
            #expect(original == 3)
            let inner = BLASThreads.with(1) { () -> Int in
                let nested = BLASThreads.with(2) { BLASThreads.count }
                #expect(nested == 2)
                return BLASThreads.count  // the outer scope's count is back
            }
            #expect(inner == 1)
            #expect(BLASThreads.count == original)
            struct Failure: Error {}
            #expect(throws: Failure.self) { try BLASThreads.with(1) { throw Failure() } }
            #expect(BLASThreads.count == original, "restored on the error path too")
        }
    }
}

/// LAPACK reports the workspace it needs as a floating-point number; in single precision a
/// count above 2^24 is rounded, and when rounded down the routine rejects its own answer.
/// For syevd that happens from n ~ 2,900 (workspace 1 + 6n + 2n^2). These sizes sit just
/// past that point, so they fail if the rounding is not handled.
@Suite struct SinglePrecisionWorkspaceTests {
    /// A symmetric matrix with known eigenvalues 1...n: Q diag(1...n) Q^T for a Householder Q.
    func knownSpectrum(_ n: Int) -> (matrix: Matrix<Float>, values: [Float]) {
        var v = [Float](repeating: 0, count: n)
        for i in 0..<n { v[i] = Float(((i * 7919) % 1009) + 1) }
        let norm2 = v.reduce(0) { $0 + $1 * $1 }
        var a = Matrix<Float>(rows: n, columns: n)
        let values = (1...n).map(Float.init)
        // Q = I - 2 v v^T / |v|^2; Q D Q^T element (r, c) = sum_k Q[r,k] d_k Q[c,k].
        // With Q symmetric: Q D Q = D - 2/|v|^2 (v v^T D + D v v^T) + 4/|v|^4 v (v^T D v) v^T.
        let vDv = zip(v, values).reduce(Float(0)) { $0 + $1.0 * $1.0 * $1.1 }
        for c in 0..<n {
            for r in 0..<n {
                var x: Float = (r == c ? values[r] : 0)
                x -= 2 / norm2 * (v[r] * v[c] * values[c] + values[r] * v[r] * v[c])
                x += 4 / (norm2 * norm2) * v[r] * vDv * v[c]
                a[r, c] = x
            }
        }
        return (a, values)
    }

    @Test func eigenDecompositionPastTheRoundingPoint() throws {
        let n = 3_000
        let (a, expected) = knownSpectrum(n)
        let (values, vectors) = try a.symmetricEigen()
        #expect(vectors.rows == n && vectors.columns == n)
        let worst = zip(values, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-2, "largest eigenvalue error \(worst)")
    }
}

@Suite struct KernelChoiceTests {
    let zen4: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]

    @Test func asksForTheWidestFamilyTheCPUCanRun() {
        #expect(KernelChoice.preferredCore(loaded: "Prescott", cpuFlags: zen4) == "SkylakeX")
        #expect(KernelChoice.preferredCore(loaded: "Haswell", cpuFlags: zen4) == "SkylakeX")
        #expect(KernelChoice.preferredCore(loaded: "Prescott", cpuFlags: ["sse3", "avx", "avx2", "fma"]) == "Haswell")
    }

    @Test func keepsTheLibrarysChoiceOtherwise() {
        #expect(KernelChoice.preferredCore(loaded: "SkylakeX", cpuFlags: zen4) == nil)
        #expect(KernelChoice.preferredCore(loaded: "Haswell", cpuFlags: ["avx", "avx2", "fma"]) == nil)
        #expect(KernelChoice.preferredCore(loaded: "Prescott", cpuFlags: ["sse3"]) == nil)
        // AVX-512 foundation alone (no BW/DQ/VL, as on Xeon Phi) is not what SkylakeX kernels need.
        #expect(KernelChoice.preferredCore(loaded: "Haswell", cpuFlags: ["avx2", "fma", "avx512f"]) == nil)
        // A family we do not rank (another architecture's) is never overridden.
        #expect(KernelChoice.preferredCore(loaded: "NeoverseN1", cpuFlags: zen4) == nil)
    }

    @Test func readsTheFirstProcessorsFlags() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("cpuinfo")
        try "processor\t: 0\nflags\t\t: fpu avx2 fma\n\nprocessor\t: 1\nflags\t\t: fpu\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(KernelChoice.cpuFlags(cpuinfo: path) == ["fpu", "avx2", "fma"])
        #expect(KernelChoice.cpuFlags(cpuinfo: directory.path("missing")).isEmpty)
    }

    @Test func aUserChoiceIsAlwaysObeyed() {
        #expect(KernelChoice.upgradeForThisProcess(environment: ["OPENBLAS_CORETYPE": "Prescott"]) == nil)
    }
}
