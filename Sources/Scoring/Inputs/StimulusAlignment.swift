/// Pairs each neural row with the activation row of the same `stimulus_id`. Neural rows
/// keep their stored order (splits are defined over it, as in Brain-Score).
public enum StimulusAlignment {
    /// For each id in `neural`, its index in `activations`. Throws naming the missing ids
    /// (up to 10) or any duplicated id.
    public static func activationRows(neural: [String], activations: [String], neuralFile: String, activationsFile: String) throws -> [Int] {
        var index: [String: Int] = [:]
        for (row, id) in activations.enumerated() {
            if index[id] != nil { throw ScoringError("\(activationsFile): stimulus_id '\(id)' appears more than once") }
            index[id] = row
        }
        var seen = Set<String>()
        for id in neural where !seen.insert(id).inserted {
            throw ScoringError("\(neuralFile): stimulus_id '\(id)' appears more than once")
        }
        let missing = neural.filter { index[$0] == nil }
        if !missing.isEmpty {
            let shown = missing.prefix(10).map { "'\($0)'" }.joined(separator: ", ")
            throw ScoringError("\(activationsFile) lacks \(missing.count) of the \(neural.count) stimuli in \(neuralFile): \(shown)\(missing.count > 10 ? ", ..." : "")")
        }
        return neural.map { index[$0]! }
    }
}
