import Encoding
import HDF5
import LinearAlgebra

/// Keep only the rows whose coordinate equals a value, e.g. `experiment == 384sentences`.
public struct RowFilter: Sendable, Equatable {
    public var coordinate: String
    public var value: String

    public init(coordinate: String, value: String) {
        self.coordinate = coordinate
        self.value = value
    }
}

/// Which rows (presentations) and columns (neuroids) of a neural file a run uses.
public struct NeuralSelection: Sendable {
    /// File rows, in stored order.
    public let rows: [Int]
    /// File columns, ascending; nil = all.
    public let columns: [Int]?
    public let fileColumnCount: Int

    public var columnCount: Int { columns?.count ?? fileColumnCount }
    public var columnIndices: [Int] { columns ?? Array(0..<fileColumnCount) }

    /// Applies `rowFilter`, then (if asked) drops every neuroid with a NaN in any kept row:
    /// Brain-Score's per-experiment treatment of Pereira2018, where a subject who skipped an
    /// experiment has NaN there. The NaN scan streams column slabs sized from the budget.
    public static func make(neural: NeuralData, rowFilter: RowFilter?, dropNaNNeuroids: Bool, memoryBudget: Int) throws -> NeuralSelection {
        var rows = Array(0..<neural.rowCount)
        if let rowFilter {
            let labels = try neural.rowLabels(rowFilter.coordinate)
            rows = rows.filter { labels[$0] == rowFilter.value }
            guard !rows.isEmpty else {
                let values = Array(Set(labels)).sorted().prefix(12).joined(separator: ", ")
                throw ScoringError("\(neural.file.path): no presentation has \(rowFilter.coordinate) == '\(rowFilter.value)' (values there: \(values))")
            }
        }
        guard dropNaNNeuroids else { return NeuralSelection(rows: rows, columns: nil, fileColumnCount: neural.columnCount) }
        let dataset = try neural.file.dataset(neural.variable.name, chunkCache: .disabled)
        let source = try HDF5Targets(dataset: dataset, rows: rows)
        let hasNaN = try NaNScan(source, memoryBudget: memoryBudget, file: neural.file.path).columns
        let kept = hasNaN.indices.filter { !hasNaN[$0] }
        guard !kept.isEmpty else {
            throw ScoringError("\(neural.file.path): every neuroid has NaN in the selected presentations; nothing to score")
        }
        return NeuralSelection(rows: rows, columns: kept.count == neural.columnCount ? nil : kept, fileColumnCount: neural.columnCount)
    }
}
