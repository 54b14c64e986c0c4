import Scoring

/// Every benchmark `brainalign score --benchmark NAME` accepts: one list of instances.
public enum BenchmarkRegistry {
    public static let all: [any Benchmark] = NeuralBenchmark.all + [WehbeBenchmark(), FutrellBenchmark.futrell2018, StoryBenchmark.lebel2023]

    public static var names: [String] { all.map(\.name) }

    public static func named(_ name: String) throws -> any Benchmark {
        guard let benchmark = all.first(where: { $0.name == name }) else {
            throw ScoringError("unknown benchmark '\(name)'; valid benchmarks: \(names.joined(separator: ", "))")
        }
        return benchmark
    }

    /// One line per benchmark, for --help and errors.
    public static var catalogue: String {
        all.map { benchmark in
            var line = "  \(benchmark.name): \(benchmark.summary)"
            if benchmark.inputs.neuralFilesPerSubject { line += " (one --neural per subject)" }
            if benchmark.inputs.activations != BenchmarkInputs().activations { line += " (--activations: \(benchmark.inputs.activations))" }
            return line
        }.joined(separator: "\n")
    }
}
