import HDF5
import LinearAlgebra

/// The scalar types the engine runs in: Float (default, fast) or Double (exact mode).
public typealias EngineScalar = LinearAlgebraScalar & HDF5Numeric

/// Where the voxel (target) columns come from. The engine asks for column slabs, one
/// at a time, from one reader thread; rows come back in the engine's row order.
public protocol TargetSource: Sendable {
    /// Rows the engine sees (after any selection and reordering).
    var rowCount: Int { get }
    var columnCount: Int { get }
    /// Slabs should start and end on multiples of this (the file's chunk width), so no
    /// stored chunk is read twice.
    var columnAlignment: Int { get }
    /// Rows spanned in storage by one read (the memory plan counts the slab as stored).
    var storedRowSpan: Int { get }
    /// Reads columns `columns` as a rowCount x columns.count matrix.
    func read<S: EngineScalar>(columns: Range<Int>, as: S.Type) throws -> Matrix<S>
}

extension TargetSource {
    public var storedRowSpan: Int { rowCount }
    /// What the memory plan needs of this source.
    public var shape: MemoryPlan.SourceShape {
        MemoryPlan.SourceShape(fileRows: storedRowSpan, rows: rowCount, columns: columnCount, alignment: columnAlignment)
    }
}

/// Targets already in memory (tests, small data, benchmarks of the compute alone).
public struct InMemoryTargets<T: EngineScalar>: TargetSource {
    public let matrix: Matrix<T>
    public init(_ matrix: Matrix<T>) { self.matrix = matrix }
    public var rowCount: Int { matrix.rows }
    public var columnCount: Int { matrix.columns }
    public var columnAlignment: Int { 1 }
    public func read<S: EngineScalar>(columns: Range<Int>, as: S.Type) throws -> Matrix<S> {
        let slab = matrix.columns(columns)
        if let same = slab as? Matrix<S> { return same }
        return Matrix(rows: slab.rows, columns: slab.columns, columnMajor: slab.elements.map { S(Double($0)) })
    }
}

/// Targets streamed from a 2-D HDF5/netCDF dataset stored (rows, columns) row-major,
/// e.g. BrainIO's `data (presentation, neuroid)`. `rows` selects and orders the file's rows
/// (stimulus alignment, experiment selection) and `columns` (ascending) selects neuroids;
/// a slab is read as one block spanning its first to last file row and column, so it
/// touches each stored chunk once. With slabs aligned to the chunk width
/// (`columnAlignment`, all columns selected) no chunk is read twice, so open the dataset
/// with `HDF5ChunkCache.disabled`: the cache would only cost memory. Packed or filled
/// data are decoded as xarray does (`CFDecoding`).
public struct HDF5Targets: TargetSource {
    public let dataset: HDF5Dataset
    public let rows: [Int]
    /// Selected file columns, ascending; nil = all.
    public let columns: [Int]?
    private let rowRange: Range<Int>
    private let decoding: CFDecoding

    public init(dataset: HDF5Dataset, rows: [Int], columns: [Int]? = nil) throws {
        guard dataset.rank == 2 else {
            throw HDF5Error(operation: "stream targets from", file: dataset.filePath, object: dataset.path,
                            reason: "expected a 2-D (row, column) variable, found shape \(dataset.shape)")
        }
        guard dataset.elementType.isNumeric else {
            throw HDF5Error(operation: "stream targets from", file: dataset.filePath, object: dataset.path,
                            reason: "it holds \(dataset.elementType), not numbers")
        }
        if let bad = rows.first(where: { $0 < 0 || $0 >= dataset.shape[0] }) {
            throw HDF5Error(operation: "stream targets from", file: dataset.filePath, object: dataset.path,
                            reason: "row \(bad) is outside 0..<\(dataset.shape[0])")
        }
        if let columns, let bad = columns.enumerated().first(where: { $0.element < 0 || $0.element >= dataset.shape[1] || ($0.offset > 0 && $0.element <= columns[$0.offset - 1]) }) {
            throw HDF5Error(operation: "stream targets from", file: dataset.filePath, object: dataset.path,
                            reason: "column selection must be ascending within 0..<\(dataset.shape[1]) (bad entry \(bad.element))")
        }
        self.dataset = dataset
        self.rows = rows
        self.columns = columns
        decoding = try CFDecoding(dataset: dataset)
        rowRange = rows.isEmpty ? 0..<0 : rows.min()!..<(rows.max()! + 1)
    }

    public var rowCount: Int { rows.count }
    public var columnCount: Int { columns?.count ?? dataset.shape[1] }
    public var columnAlignment: Int { columns == nil ? (dataset.chunkShape?[1] ?? 1) : 1 }
    public var storedRowSpan: Int { rowRange.count }

    public func read<S: EngineScalar>(columns range: Range<Int>, as: S.Type) throws -> Matrix<S> {
        guard let columns else { return try readContiguous(columns: range, as: S.self) }
        let picked = Array(columns[range])
        guard let first = picked.first, let last = picked.last else { return Matrix(rows: rows.count, columns: 0) }
        let span = try readContiguous(columns: first..<(last + 1), as: S.self)
        if picked.count == span.columns { return span }
        return Matrix(rows: span.rows, columns: picked.count) { target in
            span.elements.withUnsafeBufferPointer { source in
                let n = span.rows
                for (j, column) in picked.enumerated() {
                    let from = (column - first) * n
                    for i in 0..<n { target[j * n + i] = source[from + i] }
                }
            }
        }
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    func readContiguous<S: EngineScalar>(columns: Range<Int>, as: S.Type) throws -> Matrix<S> {
        let width = columns.count
        let block: [S] = try decoding.read(dataset, start: [rowRange.lowerBound, columns.lowerBound], count: [rowRange.count, width])
        // Row-major block (file rows x width) -> column-major (selected rows x width), in
        // 64 x 64 tiles so both sides stay in L1 (reading each source row contiguously
        // measured faster here than writing each target column contiguously).
        let n = rows.count
        let matrix = Matrix<S>(rows: n, columns: width) { target in
            block.withUnsafeBufferPointer { source in
                rows.withUnsafeBufferPointer { selected in
                    let tile = 64, first = rowRange.lowerBound
                    for i0 in stride(from: 0, to: n, by: tile) {
                        let i1 = min(i0 + tile, n)
                        for c0 in stride(from: 0, to: width, by: tile) {
                            let c1 = min(c0 + tile, width)
                            for i in i0..<i1 {
                                let base = (selected[i] - first) * width
                                for c in c0..<c1 { target[c * n + i] = source[base + c] }
                            }
                        }
                    }
                }
            }
        }
        return matrix
    }
}
