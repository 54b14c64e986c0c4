import HDF5
import Scoring

/// Per-word surprisal (bits): `surprisal (presentation)` with `stimulus_id`.
struct Surprisal {
    let stimulusIDs: [String]
    let values: [Double]

    init(path: String) throws {
        let file = try NetCDFFile.open(path)
        guard let variable = file.variables.first(where: { $0.name == "surprisal" }) else {
            throw ScoringError("\(path): no 'surprisal' variable (variables: \(file.variables.map(\.name).joined(separator: ", "))); see docs/formats.md")
        }
        guard variable.shape.count == 1 else {
            throw ScoringError("\(path): 'surprisal' has shape \(variable.shape); expected one value per word (presentation)")
        }
        guard file.variables.contains(where: { $0.name == "stimulus_id" && $0.dimensions == variable.dimensions }) else {
            throw ScoringError("\(path): no 'stimulus_id' coordinate along '\(variable.dimensions[0])'")
        }
        stimulusIDs = try NeuralData.identifiers(file: file, name: "stimulus_id")
        values = try file.doubles("surprisal")
        if let bad = values.firstIndex(where: { $0.isInfinite }) {
            throw ScoringError("\(path): surprisal of stimulus '\(stimulusIDs[bad])' is infinite")
        }
    }
}
