import Foundation
import HDF5

/// Where a result came from, written once by every result writer: the inputs, the model
/// (copied from the activations file's attributes), the command line, versions and time.
public struct Provenance: Sendable {
    public var benchmark: String
    public var commandLine: String
    public var neuralFiles: [String]
    public var activationsFile: String?
    /// `model`, `model_revision`, ... copied from the activations file (empty if none).
    public var model: [(name: String, value: String)]

    /// Attributes of an activations file that identify the model, and the names they get.
    static let modelAttributes = [("model", "model"), ("revision", "model_revision"), ("model_revision", "model_revision"),
                                  ("dtype", "model_dtype"), ("benchmark_readout", "model_readout")]

    public init(benchmark: String, settings: RunSettings) {
        self.benchmark = benchmark
        commandLine = settings.commandLine
        neuralFiles = settings.neuralPaths
        activationsFile = settings.activationsPath
        var model: [(String, String)] = []
        if let path = settings.activationsPath, let file = try? NetCDFFile.open(path) {
            for (source, target) in Self.modelAttributes where !model.contains(where: { $0.0 == target }) {
                if let value = file.attributes.first(where: { $0.name == source })?.stringValue { model.append((target, value)) }
            }
        }
        self.model = model
    }

    /// The model id recorded, if any.
    public var modelName: String? { model.first { $0.name == "model" }?.value }

    public func write(to writer: NetCDFWriter) throws {
        try writer.setAttribute("benchmark", .strings([benchmark]))
        for (name, value) in model { try writer.setAttribute(name, .strings([value])) }
        try writer.setAttribute("neural_file", .strings([neuralFiles.joined(separator: " ")]))
        if let activationsFile { try writer.setAttribute("activations_file", .strings([activationsFile])) }
        try writer.setAttribute("command_line", .strings([commandLine]))
        try writer.setAttribute("brainalign_version", .strings([BrainAlignFormat.version]))
        try writer.setAttribute("hdf5_version", .strings([HDF5.libraryVersion]))
        try writer.setAttribute("created", .strings([ISO8601DateFormatter().string(from: Date())]))
    }
}
