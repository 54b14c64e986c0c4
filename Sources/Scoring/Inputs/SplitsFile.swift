import Encoding
import HDF5

/// Reads user-given splits: a netCDF4/HDF5 file with `test_mask (split, presentation)`
/// (nonzero = held out) and a `stimulus_id` coordinate along `presentation`, optionally
/// `train_mask` of the same shape (default: every row not in test). Rows are matched to
/// the neural data by stimulus_id, so the file's row order does not matter. A BrainAlign
/// result file is a valid splits file: `--cv file:previous.nc` reuses its splits.
public enum SplitsFile {
    public static func read(_ path: String, stimulusIDs: [String]) throws -> [Split] {
        let file = try NetCDFFile.open(path)
        let mask = try file.variable("test_mask")
        guard mask.shape.count == 2 else {
            throw ScoringError("\(path): test_mask has shape \(mask.shape); expected (split, presentation)")
        }
        let ids = try NeuralData.identifiers(file: file, name: "stimulus_id")
        guard ids.count == mask.shape[1] else {
            throw ScoringError("\(path): test_mask has \(mask.shape[1]) presentations but stimulus_id has \(ids.count)")
        }
        let position = Dictionary(ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let missing = stimulusIDs.filter { position[$0] == nil }
        if !missing.isEmpty {
            throw ScoringError("\(path) lacks \(missing.count) of the neural stimuli, e.g. '\(missing[0])'")
        }
        let test: [Double] = try file.dataset("test_mask").read()
        let train: [Double]? = file.variables.contains { $0.name == "train_mask" } ? try file.dataset("train_mask").read() : nil
        let rows = mask.shape[1]
        return (0..<mask.shape[0]).map { s in
            let testRows = stimulusIDs.indices.filter { test[s * rows + position[stimulusIDs[$0]]!] != 0 }
            let trainRows = stimulusIDs.indices.filter { row in
                let column = position[stimulusIDs[row]]!
                if let train { return train[s * rows + column] != 0 }
                return test[s * rows + column] == 0
            }
            return Split(train: trainRows, test: testRows)
        }
    }
}
