import Foundation
import CLinearAlgebra

/// Float and Double: the element types BLAS and LAPACK provide. Each requirement is one
/// BLAS/LAPACK routine (column-major), so the rest of the module is written once,
/// generically, and this file is the only place that names `s...`/`d...` routines.
public protocol LinearAlgebraScalar: BinaryFloatingPoint, Sendable where Self.RawSignificand: FixedWidthInteger {
    /// C = alpha * op(A) * op(B) + beta * C
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// Upper triangle of C = alpha * op(A) * op(A)^T + beta * C, C n x n.
    static func syrk(transpose: Bool, n: Int, k: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// Eigen-decomposition of a symmetric matrix (upper triangle), divide and conquer.
    static func syevd(n: Int, a: UnsafeMutablePointer<Self>, lda: Int, w: UnsafeMutablePointer<Self>) -> Int32
    /// Thin SVD, divide and conquer.
    static func gesdd(m: Int, n: Int, a: UnsafeMutablePointer<Self>, lda: Int, s: UnsafeMutablePointer<Self>,
                      u: UnsafeMutablePointer<Self>, ldu: Int, vt: UnsafeMutablePointer<Self>, ldvt: Int) -> Int32
    /// Minimum-norm least squares via SVD; returns the effective rank in `rank`.
    static func gelsd(m: Int, n: Int, nrhs: Int, a: UnsafeMutablePointer<Self>, lda: Int, b: UnsafeMutablePointer<Self>, ldb: Int,
                      s: UnsafeMutablePointer<Self>, rcond: Self, rank: inout Int32) -> Int32
}

private func trans(_ flag: Bool) -> CBLAS_TRANSPOSE { flag ? CblasTrans : CblasNoTrans }

/// The workspace length a single-precision LAPACK query asked for, rounded up: the query
/// answers in a Float, which holds integers exactly only up to 2^24, and round-to-nearest
/// may land one spacing below the true count. The next representable value is never below it.
func workspaceCount(_ reported: Float) -> Int {
    max(1, Int(reported.nextUp.rounded(.up)))
}

extension Float: LinearAlgebraScalar {
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasColMajor, trans(transposeA), trans(transposeB), blasint(m), blasint(n), blasint(k),
                    alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    public static func syrk(transpose: Bool, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_ssyrk(CblasColMajor, CblasUpper, trans(transpose), blasint(n), blasint(k), alpha, a, blasint(lda), beta, c, blasint(ldc))
    }
    // The single-precision LAPACK routines take their workspace from our own query (the
    // `_work` variants) because the high-level LAPACKE wrappers trust the float the query
    // returns: past 2^24 it is rounded, and when rounded down the routine rejects the
    // workspace it asked for (every syevd from n ~ 2,900 failed so). `workspaceCount`
    // rounds up instead.
    public static func syevd(n: Int, a: UnsafeMutablePointer<Float>, lda: Int, w: UnsafeMutablePointer<Float>) -> Int32 {
        let (jobz, uplo) = (CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")))
        var workQuery: Float = 0
        var iworkQuery: shim_lapack_int = 0
        let query = LAPACKE_ssyevd_work(LAPACK_COL_MAJOR, jobz, uplo, shim_lapack_int(n), a, shim_lapack_int(lda), w,
                                        &workQuery, -1, &iworkQuery, -1)
        if query != 0 { return query }
        var work = [Float](repeating: 0, count: workspaceCount(workQuery))
        var iwork = [shim_lapack_int](repeating: 0, count: max(1, Int(iworkQuery)))
        return LAPACKE_ssyevd_work(LAPACK_COL_MAJOR, jobz, uplo, shim_lapack_int(n), a, shim_lapack_int(lda), w,
                                   &work, shim_lapack_int(work.count), &iwork, shim_lapack_int(iwork.count))
    }
    public static func gesdd(m: Int, n: Int, a: UnsafeMutablePointer<Float>, lda: Int, s: UnsafeMutablePointer<Float>,
                             u: UnsafeMutablePointer<Float>, ldu: Int, vt: UnsafeMutablePointer<Float>, ldvt: Int) -> Int32 {
        let jobz = CChar(UInt8(ascii: "S"))
        var iwork = [shim_lapack_int](repeating: 0, count: max(1, 8 * min(m, n)))
        var workQuery: Float = 0
        let query = LAPACKE_sgesdd_work(LAPACK_COL_MAJOR, jobz, shim_lapack_int(m), shim_lapack_int(n), a, shim_lapack_int(lda), s,
                                        u, shim_lapack_int(ldu), vt, shim_lapack_int(ldvt), &workQuery, -1, &iwork)
        if query != 0 { return query }
        var work = [Float](repeating: 0, count: workspaceCount(workQuery))
        return LAPACKE_sgesdd_work(LAPACK_COL_MAJOR, jobz, shim_lapack_int(m), shim_lapack_int(n), a, shim_lapack_int(lda), s,
                                   u, shim_lapack_int(ldu), vt, shim_lapack_int(ldvt), &work, shim_lapack_int(work.count), &iwork)
    }
    public static func gelsd(m: Int, n: Int, nrhs: Int, a: UnsafeMutablePointer<Float>, lda: Int, b: UnsafeMutablePointer<Float>, ldb: Int,
                             s: UnsafeMutablePointer<Float>, rcond: Float, rank: inout Int32) -> Int32 {
        var workQuery: Float = 0
        var iworkQuery: shim_lapack_int = 0
        let query = LAPACKE_sgelsd_work(LAPACK_COL_MAJOR, shim_lapack_int(m), shim_lapack_int(n), shim_lapack_int(nrhs), a, shim_lapack_int(lda),
                                        b, shim_lapack_int(ldb), s, rcond, &rank, &workQuery, -1, &iworkQuery)
        if query != 0 { return query }
        var work = [Float](repeating: 0, count: workspaceCount(workQuery))
        var iwork = [shim_lapack_int](repeating: 0, count: max(1, Int(iworkQuery)))
        return LAPACKE_sgelsd_work(LAPACK_COL_MAJOR, shim_lapack_int(m), shim_lapack_int(n), shim_lapack_int(nrhs), a, shim_lapack_int(lda),
                                   b, shim_lapack_int(ldb), s, rcond, &rank, &work, shim_lapack_int(work.count), &iwork)
    }
}

extension Double: LinearAlgebraScalar {
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasColMajor, trans(transposeA), trans(transposeB), blasint(m), blasint(n), blasint(k),
                    alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    public static func syrk(transpose: Bool, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dsyrk(CblasColMajor, CblasUpper, trans(transpose), blasint(n), blasint(k), alpha, a, blasint(lda), beta, c, blasint(ldc))
    }
    public static func syevd(n: Int, a: UnsafeMutablePointer<Double>, lda: Int, w: UnsafeMutablePointer<Double>) -> Int32 {
        LAPACKE_dsyevd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")), shim_lapack_int(n), a, shim_lapack_int(lda), w)
    }
    public static func gesdd(m: Int, n: Int, a: UnsafeMutablePointer<Double>, lda: Int, s: UnsafeMutablePointer<Double>,
                             u: UnsafeMutablePointer<Double>, ldu: Int, vt: UnsafeMutablePointer<Double>, ldvt: Int) -> Int32 {
        LAPACKE_dgesdd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "S")), shim_lapack_int(m), shim_lapack_int(n), a, shim_lapack_int(lda), s, u, shim_lapack_int(ldu), vt, shim_lapack_int(ldvt))
    }
    public static func gelsd(m: Int, n: Int, nrhs: Int, a: UnsafeMutablePointer<Double>, lda: Int, b: UnsafeMutablePointer<Double>, ldb: Int,
                             s: UnsafeMutablePointer<Double>, rcond: Double, rank: inout Int32) -> Int32 {
        LAPACKE_dgelsd(LAPACK_COL_MAJOR, shim_lapack_int(m), shim_lapack_int(n), shim_lapack_int(nrhs), a, shim_lapack_int(lda), b, shim_lapack_int(ldb), s, rcond, &rank)
    }
}

/// OpenBLAS's own thread pool, which is process-wide. BrainAlign parallelises over voxel
/// chunks with Dispatch and sizes this to match, so the two never oversubscribe the cores.
///
/// This is the one place the count is changed: `with(_:_:)` sets it for the duration of
/// a body and restores the previous value afterwards, on every path out (errors included).
/// Scopes nest on one thread (an inner scope restores the outer one's count). A scope also
/// holds a process-wide lock, so two runs started on different threads of one process
/// (library use, parallel tests) take turns instead of changing each other's count mid-run
/// or calling multi-threaded OpenBLAS at the same time (which can hang). Code inside a
/// scope must not wait for another thread that opens a scope of its own.
public enum BLASThreads {
    /// The current count (read-only: change it with `with`).
    public static var count: Int { Int(openblas_get_num_threads()) }

    private static let scope = NSRecursiveLock()

    /// Runs `body` with OpenBLAS using `threads` threads (at least 1), then restores the
    /// previous count.
    public static func with<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        scope.lock()
        defer { scope.unlock() }
        let previous = openblas_get_num_threads()
        openblas_set_num_threads(Int32(max(1, threads)))
        defer { openblas_set_num_threads(previous) }
        return try body()
    }
}

/// What the BLAS library reports about itself (for benchmark reports).
public enum BLASLibrary {
    /// The CPU kernels OpenBLAS chose at load time (e.g. "SkylakeX", "Haswell"). A CPU
    /// newer than the library falls back to generic ones ("Prescott": SSE3, several times
    /// slower); `OPENBLAS_CORETYPE=SkylakeX` in the environment overrides the choice.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }
}
