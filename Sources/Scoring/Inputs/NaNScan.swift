import Encoding

/// Where a source's selected rows hold NaN: one streamed pass over column slabs sized from
/// the memory budget (the block as stored, up to 8 bytes a value, and its Double copy per
/// column). Neuroid filtering (`NeuralSelection`) reads the columns, story runs the rows.
public struct NaNScan: Sendable {
    /// Per selected row (in the source's order): any NaN in that row.
    public var rows: [Bool]
    /// Per column: any NaN in that column.
    public var columns: [Bool]

    /// `file` names the data in a budget refusal.
    public init(_ source: HDF5Targets, memoryBudget: Int, file: String) throws {
        let width: Int
        do {
            width = try MemoryPlan.scanColumns(budget: memoryBudget, bytesPerColumn: 8 * (source.storedRowSpan + source.rowCount),
                                               alignment: source.columnAlignment, columns: source.columnCount)
        } catch let error as MemoryPlan.TooSmall {
            throw ScoringError("\(file): \(error.description)")
        }
        rows = [Bool](repeating: false, count: source.rowCount)
        columns = [Bool](repeating: false, count: source.columnCount)
        for start in stride(from: 0, to: source.columnCount, by: width) {
            let slab = try source.read(columns: start..<min(start + width, source.columnCount), as: Double.self)
            for column in 0..<slab.columns {
                for (row, value) in slab.column(column).enumerated() where value.isNaN {
                    rows[row] = true
                    columns[start + column] = true
                }
            }
        }
    }
}
