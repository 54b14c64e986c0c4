/// Which layers of an activations file a run scores.
public enum LayerSelection {
    /// Indices of `wanted` in `available` (nil: every layer), in the order asked. Refuses an
    /// empty selection, a name asked twice, a name the file lacks, a file without layers,
    /// and a file whose layer names repeat (their scores could not be told apart).
    public static func indices(_ wanted: [String]?, available: [String], file: String) throws -> [Int] {
        guard !available.isEmpty else { throw ScoringError("\(file): the activations hold no layers") }
        var seen = Set<String>()
        if let repeated = available.first(where: { !seen.insert($0).inserted }) {
            throw ScoringError("\(file): layer name '\(repeated)' appears more than once; layer names must be unique")
        }
        guard let wanted else { return Array(available.indices) }
        guard !wanted.isEmpty, !wanted.contains(where: \.isEmpty) else {
            throw ScoringError("--layers is empty or has an empty name; give layer names separated by commas (layers in \(file): \(available.joined(separator: ", ")))")
        }
        seen = []
        if let repeated = wanted.first(where: { !seen.insert($0).inserted }) {
            throw ScoringError("--layers names '\(repeated)' twice")
        }
        return try wanted.map { name in
            guard let index = available.firstIndex(of: name) else {
                throw ScoringError("\(file): no layer '\(name)' (layers: \(available.joined(separator: ", ")))")
            }
            return index
        }
    }
}
