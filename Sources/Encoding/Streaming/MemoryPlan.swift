import Foundation

/// The voxel-independent shape of one split's model, which is all the memory plan needs.
/// `Regression.modelShape(split:features:)` predicts it before any operator is built, so
/// a budget too small is refused before the expensive work; `SplitModel.shape` reports it
/// after.
public struct ModelShape: Sendable, Equatable {
    public var train: Int
    public var test: Int
    /// The test rows' operator (each voxel's chosen alpha).
    public var testOperator: OperatorShape
    /// Inner folds (empty: no inner CV), each with its operator (every alpha).
    public var inner: [InnerFold]

    public struct InnerFold: Sendable, Equatable {
        public var train: Int
        public var validation: Int
        public var `operator`: OperatorShape
        public init(train: Int, validation: Int, operator: OperatorShape) {
            self.train = train
            self.validation = validation
            self.operator = `operator`
        }
    }

    public init(train: Int, test: Int, testOperator: OperatorShape, inner: [InnerFold]) {
        self.train = train
        self.test = test
        self.testOperator = testOperator
        self.inner = inner
    }

    /// Alphas tried (1 for least squares).
    public var candidates: Int { testOperator.candidates }

    /// Elements of the prediction operators (test and inner folds), in their forms.
    public var operatorElements: Int { testOperator.elements + inner.reduce(0) { $0 + $1.operator.elements } }

    /// Every operator, test rows first.
    public var operators: [OperatorShape] { [testOperator] + inner.map(\.operator) }

    /// Multiply-adds per voxel of the GEMMs that predict (the arithmetic the voxels cost).
    public var multiplyAddsPerVoxel: Int {
        testOperator.multiplyAddsForChosenCandidate + inner.reduce(0) { $0 + $1.operator.multiplyAddsForAllCandidates }
    }

    /// Bytes of working matrices per voxel column while this split computes a chunk: the
    /// training targets; per inner fold (the largest) its gathered training and validation
    /// targets and the operator's working set; the test operator's working set, the
    /// chosen predictions and the gathered test targets; the losses (Double), the chosen
    /// indices and the validation statistics.
    func workingBytesPerColumn(scalarSize: Int) -> Int {
        let innerScalars = inner.map { $0.train + $0.validation + $0.operator.workingScalarsForAllCandidates }.max() ?? 0
        return scalarSize * (train + innerScalars + testOperator.workingScalarsForChosenCandidate + 2 * test) + 8 * (candidates + 3)
    }
}

/// How the streaming scorer uses a memory budget: how wide the slabs read from disk are,
/// and how wide the slices computed at once are.
///
/// The two widths are separate on purpose. A file stored in wide chunks (e.g. 627 x 4,096
/// float64, 20 MB a chunk) must be read a whole chunk at a time, or HDF5 decodes each chunk
/// again for every narrower read; but computing 4,096 voxels at once would need the
/// per-voxel working set of every split 4,096 times over. So the reader reads whole stored
/// chunks and hands the workers slices that fit.
///
/// The budget bounds the whole process:
/// - a fixed allowance for the process's baseline (Swift runtime, libhdf5, OpenBLAS's
///   buffers: ~55 MiB measured; `processBaseline` reserves 64 MiB);
/// - what the caller holds (`heldBytes`: features, feature transforms, summaries) and the
///   prediction operators of every split;
/// - per read column: the slab as stored (up to 8 bytes per value) and its converted copy,
///   both held by the reader while it cuts slices;
/// - per compute column: a queued slice and one per worker, each worker's working set,
///   and the results waiting for the writer.
public struct MemoryPlan: Sendable, Equatable {
    /// Columns per read from disk (a multiple of the stored chunk width).
    public var readColumns: Int
    /// Columns per compute slice (at most `readColumns`).
    public var computeColumns: Int
    public var fixedBytes: Int
    public var bytesPerReadColumn: Int
    public var bytesPerComputeColumn: Int
    public var workers: Int
    /// The operators' forms, for the description ("factored operators (k = 1024)").
    public var operators: String
    /// Bytes of the operators under construction before streaming starts (at most one per
    /// worker); the streaming buffers do not exist yet then, so the peak is the larger.
    public var buildingBytes: Int = 0

    /// What the process uses before any data: runtime, libraries and BLAS buffers.
    public static let processBaseline = 64 << 20

    /// Bytes the plan allows at its peak.
    public var plannedBytes: Int {
        Self.processBaseline + fixedBytes + max(buildingBytes, streamingBytes)
    }

    /// Bytes of the read and compute buffers while the voxels stream.
    public var streamingBytes: Int { readColumns * bytesPerReadColumn + computeColumns * bytesPerComputeColumn }

    public var description: String {
        let reads = readColumns == computeColumns ? "chunks of \(computeColumns) voxels" : "reads of \(readColumns) voxels computed in slices of \(computeColumns)"
        return "\(reads) (\(workers) worker\(workers == 1 ? "" : "s"); \(operators); \(formatBytes(fixedBytes)) of features and operators; plan peak \(formatBytes(plannedBytes))\(buildingBytes > streamingBytes ? " while building" : ""))"
    }

    public struct TooSmall: Error, CustomStringConvertible {
        public var description: String
    }

    /// The data side of a plan: rows read per slab (the span of selected rows in the file),
    /// rows used, columns in all, and the stored chunk width reads must align to.
    public struct SourceShape: Sendable {
        public var fileRows: Int
        public var rows: Int
        public var columns: Int
        public var alignment: Int
        public init(fileRows: Int, rows: Int, columns: Int, alignment: Int) {
            self.fileRows = fileRows
            self.rows = rows
            self.columns = columns
            self.alignment = max(1, alignment)
        }
    }

    /// `toBuild`: the models are still to be built (the plan made from predicted shapes),
    /// so the budget must hold their build; false for models already built, whose build is
    /// over and was checked by the predicted plan. Either way the build counts in the peak
    /// the plan reports: it happened in this run, and a peak without it would be below the
    /// resident size measured.
    public static func make(budget: Int, scalarSize: Int, heldBytes: Int, models: [ModelShape], workers: Int,
                            source: SourceShape, toBuild: Bool = true) throws -> MemoryPlan {
        try make(budget: budget, scalarSize: scalarSize, heldBytes: heldBytes, passes: [models], workers: workers, source: source, toBuild: toBuild)
    }

    /// One plan for several passes over the data, each with its own models (one per
    /// split; alphas selected in passes of inner folds, then the test rows): every pass
    /// reads and slices the same way, within the budget of the largest. The models of one
    /// pass are freed before the next pass builds its own.
    public static func make(budget: Int, scalarSize: Int, heldBytes: Int, passes: [[ModelShape]], workers: Int,
                            source: SourceShape, toBuild: Bool = true) throws -> MemoryPlan {
        precondition(!passes.isEmpty && passes.allSatisfy { $0.count == passes[0].count }, "every pass has one model per split")
        let models = passes.flatMap { $0 }
        let workers = max(1, workers)
        let operators = scalarSize * (passes.map { $0.reduce(0) { $0 + $1.operatorElements } }.max() ?? 0)
        let fixed = heldBytes + operators
        var forms = models.flatMap(\.operators).formDescription
        if passes.count > 1 { forms += "; penalties selected in \(passes.count - 1) passes over the inner folds before the scoring pass" }
        let working = models.map { $0.workingBytesPerColumn(scalarSize: scalarSize) }.max() ?? 0
        // The reader holds the block as stored (read as up to 8-byte values) and its
        // converted copy while it cuts slices from it.
        let perRead = 8 * source.fileRows + scalarSize * source.rows
        // One slice queued plus one per worker, each worker's working set, and the results
        // (r and alpha index per split) waiting for the writer.
        let perCompute = scalarSize * source.rows * (workers + 1) + working * workers + 16 * passes[0].count * (workers + 2)
        // Building comes first (models are built before any voxel is read): up to one
        // operator per worker is under construction beside the finished ones.
        // (An operator that predicts nothing is not built.)
        let perPass = passes.map { pass -> (atOnce: Int, elements: Int) in
            let built = pass.flatMap(\.operators).map(\.buildElements).filter { $0 > 0 }
            return (min(workers, built.count), min(workers, built.count) * (built.max() ?? 0))
        }
        let atOnce = perPass.map(\.atOnce).max() ?? 0
        let building = scalarSize * (perPass.map(\.elements).max() ?? 0)
        guard !toBuild || budget >= processBaseline + fixed + building else {
            let needed = processBaseline + fixed + building
            throw TooSmall(description: "a memory budget of \(formatBytes(budget)) is too small: the process needs \(formatBytes(processBaseline)), features and operators \(formatBytes(fixed)), and building the operators (\(atOnce) at a time) \(formatBytes(building)) more; use at least --memory \(formatBytes(needed + (needed >> 3)))" + (workers > 1 ? " (or fewer --threads, which builds fewer at once)" : ""))
        }
        let available = budget - processBaseline - fixed
        let alignment = source.alignment
        let minimumCompute = 1
        guard available >= alignment * perRead + minimumCompute * perCompute else {
            let needed = processBaseline + fixed + alignment * perRead + minimumCompute * perCompute
            throw TooSmall(description: "a memory budget of \(formatBytes(budget)) is too small: the process needs \(formatBytes(processBaseline)), features and operators \(formatBytes(fixed)), one read of \(alignment) voxel(s) \(formatBytes(alignment * perRead)) and a slice of \(minimumCompute) voxel(s) \(formatBytes(minimumCompute * perCompute)); use at least --memory \(formatBytes(needed + (needed >> 3)))" + (alignment > 256 ? " (the file stores \(alignment) voxels per HDF5 chunk, which is read whole; rechunking it into narrower column slabs, e.g. `h5repack -l data:CHUNK=\(source.fileRows)x256 in.nc out.nc`, lowers that)" : ""))
        }
        // Enough slices to keep every worker busy (and the reader overlapping), but not so
        // small that the GEMMs lose efficiency: ~4 slices per worker, at least 256 voxels.
        let balanced = max(256, (source.columns + 4 * workers - 1) / (4 * workers))
        // Unsplit reads first: a slab as wide as the slice, aligned to the stored chunks.
        var width = min(available / (perRead + perCompute), balanced, source.columns)
        if alignment > 1 { width = width / alignment * alignment }
        if width >= alignment && width >= 1 {
            return MemoryPlan(readColumns: width, computeColumns: width, fixedBytes: fixed, bytesPerReadColumn: perRead,
                              bytesPerComputeColumn: perCompute, workers: workers, operators: forms, buildingBytes: building)
        }
        // Stored chunks wider than a slice: read one chunk, compute it in slices.
        let read = min(alignment, max(source.columns, 1))
        let fits = max(1, min((available - read * perRead) / perCompute, balanced, read))
        // Equal slices of the read (4,096 -> 2 x 2,048, not 2,808 + 1,288), so the workers
        // finish a chunk together.
        let slices = (read + fits - 1) / fits
        let compute = (read + slices - 1) / slices
        return MemoryPlan(readColumns: read, computeColumns: compute, fixedBytes: fixed, bytesPerReadColumn: perRead,
                          bytesPerComputeColumn: perCompute, workers: workers, operators: forms, buildingBytes: building)
    }

    /// Columns per read for a pass that only scans the data (e.g. a NaN check): slabs of
    /// `bytesPerColumn` each, within `budget`, aligned to the stored chunks, at most `columns`.
    public static func scanColumns(budget: Int, bytesPerColumn: Int, alignment: Int, columns: Int) throws -> Int {
        let available = budget - processBaseline
        let alignment = max(1, alignment)
        guard available >= alignment * bytesPerColumn else {
            throw TooSmall(description: "a memory budget of \(formatBytes(budget)) is too small to scan the data: one stored chunk of \(alignment) voxel(s) takes \(formatBytes(alignment * bytesPerColumn)); use at least --memory \(formatBytes((processBaseline + alignment * bytesPerColumn) * 9 / 8))")
        }
        var width = min(available / max(1, bytesPerColumn), 8192, max(columns, 1))
        width = max(alignment, width / alignment * alignment)
        return width
    }
}
