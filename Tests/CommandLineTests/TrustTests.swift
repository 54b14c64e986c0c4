import Foundation
import HDF5
import TestSupport
import Testing

/// Never silently wrong: layers that cannot carry signal, overflowing activations, layer
/// lists that make no sense, and NaN splits are all reported, never passed off as scores.
@Suite struct TrustTests {
    let temporary: TemporaryDirectory
    init() throws { temporary = try TemporaryDirectory() }

    static let neural = Fixture.repositoryRoot.appendingPathComponent("datasets/Pereira2018_sample.nc").path

    static func sampleIDs() throws -> [String] { try NetCDFFile.open(neural).strings("stimulus_id") }

    /// Deterministic pseudo-random values in [-0.5, 0.5).
    static func noise(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Double(state >> 11) / Double(1 << 53) - 0.5)
        }
    }

    /// An activations file for the sample's stimuli: one layer per entry of `layers`
    /// (name, values for rows x features).
    func activations(_ name: String, features: Int, layers: [(String, [Float])]) throws -> String {
        let ids = try Self.sampleIDs()
        let path = temporary.path(name)
        let writer = try NetCDFWriter(path: path)
        try writer.defineDimension("layer", values: .strings(layers.map(\.0)))
        try writer.defineDimension("presentation", length: ids.count)
        try writer.defineDimension("feature", length: features)
        try writer.addCoordinate("stimulus_id", dimensions: ["presentation"], values: .strings(ids))
        try writer.addVariable("activations", dimensions: ["layer", "presentation", "feature"], values: .float32(layers.flatMap(\.1)))
        try writer.finish()
        return path
    }

    func score(_ activations: String, _ extra: [String] = [], output: String) throws -> (CLI.Result, [String: Any]?) {
        let result = try CLI.run(["score", "--neural", Self.neural, "--activations", activations, "--output", temporary.path(output),
                                  "--json", "--quiet", "--overwrite"] + extra)
        let json = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return (result, json)
    }

    static func layers(_ json: [String: Any]?) -> [[String: Any]] {
        ((json?["parts"] as? [[String: Any]])?.first?["layers"] as? [[String: Any]]) ?? []
    }

    /// A constant, an all-zero and a real layer, at both precisions: the first two score
    /// NaN, are named in a warning and are never best.
    @Test(arguments: ["float32", "float64"])
    func constantLayersScoreNaN(precision: String) throws {
        let n = try Self.sampleIDs().count, p = 8
        let constant = [Float]((0..<n).flatMap { _ in (0..<p).map { Float($0) + 0.25 } })
        let zero = [Float](repeating: 0, count: n * p)
        let real = Self.noise(n * p, seed: 7)
        let path = try activations("constant_\(precision).nc", features: p, layers: [("constant", constant), ("zero", zero), ("real", real)])
        let (result, json) = try score(path, ["--precision", precision], output: "c_\(precision).nc")
        #expect(result.status == 0, "\(result.stderr)")
        let layers = Self.layers(json)
        #expect(layers.count == 3)
        for layer in layers.prefix(2) {
            #expect(layer["score"] as? String == "NaN", "\(layer)")  // JSON holds NaN as the string "NaN"
            #expect(layer["undefined_reason"] is String)
        }
        #expect(json?["best_layer"] as? String == "real")
        #expect(result.stderr.contains("warning: layer 'constant'") && result.stderr.contains("warning: layer 'zero'"), "\(result.stderr)")
        // The file says so too, and holds NaN, not rounding noise.
        let file = try NetCDFFile.open(temporary.path("c_\(precision).nc"))
        let r = try file.doubles("r")
        let perLayer = r.count / 3
        let undefinedR = r[0..<(2 * perLayer)].allSatisfy { $0.isNaN }
        #expect(undefinedR)
        #expect(file.attributes.first { $0.name == "undefined_layers" }?.stringValue?.contains("constant") == true)
    }

    /// float32 activations near 1e38 overflow the float32 operators: the layer is scored in
    /// float64 instead, with a warning, and every split is defined (the score equals a
    /// float64 run's).
    @Test func overflowingActivationsFallBackToFloat64() throws {
        let n = try Self.sampleIDs().count, p = 8
        let huge = Self.noise(n * p, seed: 11).map { $0 * 1e38 }
        let path = try activations("huge.nc", features: p, layers: [("huge", huge)])
        let (single, singleJSON) = try score(path, ["--regression", "ols"], output: "h32.nc")
        #expect(single.status == 0, "\(single.stderr)")
        #expect(single.stderr.contains("overflow") && single.stderr.contains("float64"), "\(single.stderr)")
        let (_, doubleJSON) = try score(path, ["--regression", "ols", "--precision", "float64"], output: "h64.nc")
        let a = try #require(Self.layers(singleJSON).first), b = try #require(Self.layers(doubleJSON).first)
        #expect(a["nan_splits"] as? Int == 0)
        let sa = try #require(a["split_scores"] as? [Double]), sb = try #require(b["split_scores"] as? [Double])
        #expect(maxAbsDifference(sa, sb) <= 1e-9, "\(sa) vs \(sb)")
    }

    @Test func layerListsThatMakeNoSenseAreRefused() throws {
        let n = try Self.sampleIDs().count
        let none = try activations("none.nc", features: 2, layers: [])
        let twice = try activations("twice.nc", features: 2, layers: [("a", Self.noise(2 * n, seed: 1)), ("a", Self.noise(2 * n, seed: 2))])
        let cases: [(String, [String], String)] = [
            (none, [], "hold no layers"),
            (twice, [], "layer name 'a' appears more than once"),
        ]
        for (path, extra, message) in cases {
            let (result, _) = try score(path, extra, output: "never.nc")
            #expect(result.status != 0 && result.stderr.contains(message), "\(path): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: temporary.path("never.nc")))
        }
    }

    /// Splits whose every neuroid is constant on the held-out rows have NaN scores; the
    /// summary counts them and takes min/max over the others, whichever split they are.
    @Test(arguments: [0, 2])
    func nanSplitsAreCounted(nanSplit: Int) throws {
        // Neural data: 12 rows x 3 neuroids; rows 0-3 identical across all neuroids' values
        // (each neuroid constant there), the rest noisy.
        let rows = 12, neuroids = 3
        let ids = (0..<rows).map { "s\($0)" }
        var values = Self.noise(rows * neuroids, seed: 5).map(Double.init)
        let constantRows = Array((nanSplit * 4)..<(nanSplit * 4 + 4))
        for row in constantRows { for v in 0..<neuroids { values[row * neuroids + v] = Double(v) } }
        let neuralPath = temporary.path("nan_neural_\(nanSplit).nc")
        do {
            let writer = try NetCDFWriter(path: neuralPath)
            try writer.defineDimension("presentation", length: rows)
            try writer.defineDimension("neuroid", length: neuroids)
            try writer.addCoordinate("stimulus_id", dimensions: ["presentation"], values: .strings(ids))
            try writer.addVariable("data", dimensions: ["presentation", "neuroid"], values: .float64(values))
            try writer.finish()
        }
        let actsPath = temporary.path("nan_acts_\(nanSplit).nc")
        do {
            let writer = try NetCDFWriter(path: actsPath)
            try writer.defineDimension("layer", values: .strings(["l"]))
            try writer.defineDimension("presentation", length: rows)
            try writer.defineDimension("feature", length: 3)
            try writer.addCoordinate("stimulus_id", dimensions: ["presentation"], values: .strings(ids))
            try writer.addVariable("activations", dimensions: ["layer", "presentation", "feature"], values: .float32(Self.noise(rows * 3, seed: 9)))
            try writer.finish()
        }
        // Three contiguous folds of 4 rows: the NaN one is `nanSplit`.
        let result = try CLI.run(["score", "--neural", neuralPath, "--activations", actsPath, "--cv", "kfold:3", "--regression", "ols",
                                  "--output", temporary.path("nan_\(nanSplit).nc"), "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let row = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("l ") })
        let fields = row.split(separator: " ").map(String.init)
        // layer, score, min split, max split, NaN splits, undefined
        #expect(fields.count >= 6, "\(row)")
        #expect(Double(fields[2]) != nil && Double(fields[3]) != nil, "min/max skip the NaN split: \(row)")
        #expect(fields[4] == "1", "one NaN split counted: \(row)")
        #expect(Double(fields[1]).map { !$0.isNaN } == true, "the mean is over the defined splits: \(row)")
    }
}
