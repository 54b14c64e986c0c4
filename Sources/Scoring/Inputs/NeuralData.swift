import HDF5

/// A neural (or behavioural) recording: a 2-D variable `(presentation, neuroid)` in a
/// netCDF4/HDF5 file, with a `stimulus_id` coordinate along its first dimension.
/// Brain-Score BrainIO assemblies work as they are. Values stay on disk; only the
/// coordinates are read here.
public struct NeuralData: Sendable {
    public let file: NetCDFFile
    public let variable: NetCDFVariable
    /// Name of the row dimension (usually `presentation`) and the column one (`neuroid`).
    public let rowDimension: String
    public let columnDimension: String
    public let stimulusIDs: [String]

    public var rowCount: Int { variable.shape[0] }
    public var columnCount: Int { variable.shape[1] }

    /// Opens `path`; `variableName` nil picks `data`, `__xarray_dataarray_variable__`, or
    /// the single data variable, in that order.
    public init(path: String, variableName: String? = nil) throws {
        file = try NetCDFFile.open(path)
        let name: String
        if let variableName {
            name = variableName
        } else if file.variables.contains(where: { $0.name == "data" }) {
            name = "data"
        } else if file.variables.contains(where: { $0.name == "__xarray_dataarray_variable__" }) {
            name = "__xarray_dataarray_variable__"
        } else if file.dataVariableNames.count == 1 {
            name = file.dataVariableNames[0]
        } else {
            throw ScoringError("\(path): cannot tell which variable holds the neural data (data variables: \(file.dataVariableNames.joined(separator: ", "))); name it with --neural-variable")
        }
        variable = try file.variable(name)
        guard variable.shape.count == 2 else {
            throw ScoringError("\(path): variable '\(name)' has shape \(variable.shape) over (\(variable.dimensions.joined(separator: ", "))); expected 2-D (presentation, neuroid)")
        }
        guard variable.elementType.isNumeric else {
            throw ScoringError("\(path): variable '\(name)' holds \(variable.elementType), not numbers")
        }
        guard variable.shape[0] > 0, variable.shape[1] > 0 else {
            throw ScoringError("\(path): variable '\(name)' has shape \(variable.shape) over (\(variable.dimensions.joined(separator: ", "))): no \(variable.shape[0] == 0 ? "presentations" : "neuroids") to score")
        }
        rowDimension = variable.dimensions[0]
        columnDimension = variable.dimensions[1]
        let ids = file.coordinates(along: rowDimension).first { $0.name == "stimulus_id" }
        guard ids != nil else {
            throw ScoringError("\(path): no 'stimulus_id' coordinate along '\(rowDimension)' (coordinates there: \(file.coordinates(along: rowDimension).map(\.name).joined(separator: ", ")))")
        }
        stimulusIDs = try Self.identifiers(file: file, name: "stimulus_id")
    }

    /// Coordinates along the column dimension (copied into result files).
    public var columnCoordinates: [NetCDFVariable] { file.coordinates(along: columnDimension) }

    /// Reads a coordinate as text (numbers formatted), for ids and grouping labels: the one
    /// rule every input (neural data, activations, surprisal, splits files) uses.
    public static func identifiers(file: NetCDFFile, name: String) throws -> [String] {
        let variable = try file.variable(name)
        if variable.elementType.isString { return try file.strings(name) }
        if let integers = try file.values(name).integers { return integers.map(String.init) }
        return try file.doubles(name).map { String($0) }
    }

    /// A coordinate along the column dimension as text, e.g. `subject` for per-subject scores.
    public func columnLabels(_ name: String) throws -> [String] {
        guard file.coordinates(along: columnDimension).contains(where: { $0.name == name }) else {
            throw ScoringError("\(file.path): no coordinate '\(name)' along '\(columnDimension)' (available: \(file.coordinates(along: columnDimension).map(\.name).joined(separator: ", ")))")
        }
        return try Self.identifiers(file: file, name: name)
    }

    /// A coordinate along the row dimension as text, e.g. `story` for GroupKFold.
    public func rowLabels(_ name: String) throws -> [String] {
        guard file.coordinates(along: rowDimension).contains(where: { $0.name == name }) else {
            throw ScoringError("\(file.path): no coordinate '\(name)' along '\(rowDimension)' (available: \(file.coordinates(along: rowDimension).map(\.name).joined(separator: ", ")))")
        }
        return try Self.identifiers(file: file, name: name)
    }
}

/// A user-facing failure of a scoring run: one line that names the file and the problem.
public struct ScoringError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
