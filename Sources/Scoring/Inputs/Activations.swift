import HDF5
import Encoding
import LinearAlgebra

/// Model activations: `activations (layer, presentation, feature)` float32 in a netCDF4
/// file, with an index coordinate `layer` (layer names) and a `stimulus_id` coordinate
/// along `presentation` (see docs/formats.md). Layers are read one at a time.
public struct Activations: Sendable {
    public let file: NetCDFFile
    public let layerNames: [String]
    public let stimulusIDs: [String]
    public let featureCount: Int
    private let variableName: String

    public init(path: String, variableName: String = "activations") throws {
        file = try NetCDFFile.open(path)
        let variable: NetCDFVariable
        do { variable = try file.variable(variableName) } catch {
            throw ScoringError("\(path): no '\(variableName)' variable (variables: \(file.variables.map(\.name).joined(separator: ", "))); see docs/formats.md for the activations layout")
        }
        guard variable.shape.count == 3, variable.dimensions.first == "layer" else {
            throw ScoringError("\(path): '\(variableName)' has dimensions (\(variable.dimensions.joined(separator: ", "))) and shape \(variable.shape); expected (layer, presentation, feature)")
        }
        guard variable.elementType.isNumeric else {
            throw ScoringError("\(path): '\(variableName)' holds \(variable.elementType), not numbers")
        }
        self.variableName = variableName
        featureCount = variable.shape[2]
        let rowDimension = variable.dimensions[1]
        guard file.variables.contains(where: { $0.name == "stimulus_id" && $0.dimensions == [rowDimension] }) else {
            throw ScoringError("\(path): no 'stimulus_id' coordinate along '\(rowDimension)'")
        }
        stimulusIDs = try NeuralData.identifiers(file: file, name: "stimulus_id")
        if file.variables.contains(where: { $0.name == "layer" && $0.dimensions == ["layer"] }) {
            layerNames = try NeuralData.identifiers(file: file, name: "layer")
        } else {
            layerNames = (0..<variable.shape[0]).map { "layer.\($0)" }
        }
    }

    /// One layer's activations for `rows` (indices along presentation), as rows x features.
    /// NaN or infinite values are an error naming the layer and stimulus.
    public func layer<S: EngineScalar>(_ index: Int, rows: [Int], as: S.Type) throws -> Matrix<S> {
        let dataset = try file.dataset(variableName, chunkCache: .disabled)
        let n = stimulusIDs.count, p = featureCount
        let block: [S] = try dataset.read(start: [index, 0, 0], count: [1, n, p])
        var matrix = Matrix<S>(rows: rows.count, columns: p)
        for (i, row) in rows.enumerated() {
            for j in 0..<p {
                let value = block[row * p + j]
                guard value.isFinite else {
                    throw ScoringError("\(file.path): activations of layer '\(layerNames[index])' for stimulus '\(stimulusIDs[row])' contain \(value) at feature \(j)")
                }
                matrix[i, j] = value
            }
        }
        return matrix
    }
}
