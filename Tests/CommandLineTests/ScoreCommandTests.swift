import Foundation
import HDF5
import TestSupport
import Testing

/// `brainalign score` end to end on the bundled sample, against tools/reference_score.py
/// (sklearn Ridge / LinearRegression refitted fold by fold, scipy pearsonr, float64).
@Suite struct ScoreCommandTests {
    let temporary: TemporaryDirectory
    var directory: URL { temporary.url }
    init() throws { temporary = try TemporaryDirectory() }

    static let neural = Fixture.repositoryRoot.appendingPathComponent("datasets/Pereira2018_sample.nc").path
    static let activations = Fixture.repositoryRoot.appendingPathComponent("datasets/Pereira2018_sample_activations.nc").path

    struct Reference {
        var layers: [String]
        var r: [[[Double]]]
        var scores: [Double]
    }

    func reference(_ name: String) throws -> Reference {
        let json = try Fixture.json("CommandLineTests", name)
        let r = (json["r"] as? [[Any]] ?? []).map { layer in layer.map { doubles($0) } }
        return Reference(layers: json["layers"] as? [String] ?? [], r: r, scores: doubles(json["scores"]))
    }

    func score(_ extra: [String], output: String) throws -> CLI.Result {
        try CLI.run(["score", "--neural", Self.neural, "--activations", Self.activations, "--output", output, "--quiet"] + extra)
    }

    func compare(_ path: String, with reference: Reference, tolerance: Double) throws {
        let file = try NetCDFFile.open(path)
        #expect(try file.strings("layer") == reference.layers)
        let r = try file.doubles("r")
        let splits = reference.r[0].count, neuroids = reference.r[0][0].count
        #expect(r.count == reference.layers.count * splits * neuroids)
        var worst = 0.0
        for l in reference.r.indices {
            for s in 0..<splits {
                let ours = Array(r[((l * splits + s) * neuroids)..<((l * splits + s + 1) * neuroids)])
                worst = max(worst, maxAbsDifference(ours, reference.r[l][s]))
            }
        }
        #expect(worst <= tolerance, "largest |dr| \(worst)")
        #expect(maxAbsDifference(try file.doubles("score"), reference.scores) <= tolerance)
    }

    @Test(arguments: ["float64", "float32"])
    func ridgeWithPerNeuroidAlphaMatchesSklearn(precision: String) throws {
        let output = directory.appendingPathComponent("ridge-\(precision).nc").path
        let result = try score(["--regression", "ridge", "--cv", "kfold:5", "--precision", precision], output: output)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("best layer: model.layer.1"))
        try compare(output, with: try reference("sample_ridge_kfold5.json"), tolerance: precision == "float64" ? 1e-5 : 1e-3)
    }

    @Test(arguments: ["float64", "float32"])
    func leastSquaresWithBrainScoreSplitsMatchesSklearn(precision: String) throws {
        let output = directory.appendingPathComponent("ols-\(precision).nc").path
        let result = try score(["--regression", "ols", "--cv", "shuffle:10:0.9", "--seed", "1", "--precision", precision, "--memory", "80MB"], output: output)
        #expect(result.status == 0, "\(result.stderr)")
        try compare(output, with: try reference("sample_ols_shuffle10.json"), tolerance: precision == "float64" ? 1e-5 : 1e-3)
    }

    @Test func sharedAlphaWithGroupKFoldOverAStoryCoordinate() throws {
        let output = directory.appendingPathComponent("group.nc").path
        let result = try score(["--shared-alpha", "--alphas", "0.1,1,10,100", "--inner-cv", "4", "--cv", "group:story:4", "--precision", "float64"], output: output)
        #expect(result.status == 0, "\(result.stderr)")
        try compare(output, with: try reference("sample_ridge_shared_groupkfold.json"), tolerance: 1e-5)
    }

    /// The chunked bootstrap from the command line: parsed, seeded by --seed, recorded in
    /// the result's protocol, and deterministic.
    @Test func bootstrapInnerCrossValidation() throws {
        var scores: [[Double]] = []
        for run in 0..<2 {
            let output = directory.appendingPathComponent("boot\(run).nc").path
            let result = try score(["--inner-cv", "bootstrap:3:5:4", "--seed", "2", "--precision", "float64"], output: output)
            #expect(result.status == 0, "\(result.stderr)")
            let regression = try HDF5File.open(output).root.attribute("regression").stringValue ?? ""
            #expect(regression.contains("inner chunked bootstrap (3 draws holding out 4 chunks of 5 rows, seed 2)"), "\(regression)")
            #expect(regression.contains("mean held-out r criterion"))
            scores.append(try NetCDFFile.open(output).doubles("score"))
        }
        #expect(scores[0] == scores[1])
    }

    /// A neuroid without a defined r (the sample has NaN and constant ones) reports no
    /// penalty: its alpha is NaN, not the first candidate its choice fell back to.
    @Test func undefinedNeuroidsHaveNoAlpha() throws {
        let output = directory.appendingPathComponent("alphas.nc").path
        let result = try score(["--precision", "float64"], output: output)
        #expect(result.status == 0, "\(result.stderr)")
        let file = try NetCDFFile.open(output)
        let r = try file.doubles("r"), alpha = try file.doubles("alpha")
        #expect(r.count == alpha.count && r.contains(where: \.isNaN) && r.contains(where: { !$0.isNaN }))
        #expect(zip(r, alpha).allSatisfy { $0.isNaN == $1.isNaN }, "alpha is NaN exactly where r is")
    }

    @Test func splitsFromAFileReproduceARun() throws {
        let first = directory.appendingPathComponent("first.nc").path
        let again = directory.appendingPathComponent("again.nc").path
        #expect(try score(["--cv", "shuffle:10:0.9", "--seed", "1", "--regression", "ols", "--precision", "float64"], output: first).status == 0)
        let result = try score(["--cv", "file:\(first)", "--regression", "ols", "--precision", "float64"], output: again)
        #expect(result.status == 0, "\(result.stderr)")
        try compare(again, with: try reference("sample_ols_shuffle10.json"), tolerance: 1e-5)
    }

    @Test func meanAggregation() throws {
        let output = directory.appendingPathComponent("mean.nc").path
        let result = try score(["--regression", "ridge", "--cv", "kfold:5", "--precision", "float64", "--neuroid-aggregate", "mean", "--split-aggregate", "median"], output: output)
        #expect(result.status == 0, "\(result.stderr)")
        let reference = try reference("sample_ridge_kfold5.json")
        let expected = reference.r.map { layer -> Double in
            let perSplit = layer.map { split -> Double in
                let defined = split.filter { !$0.isNaN }
                return defined.reduce(0, +) / Double(defined.count)
            }.sorted()
            return perSplit.count % 2 == 1 ? perSplit[perSplit.count / 2] : (perSplit[perSplit.count / 2 - 1] + perSplit[perSplit.count / 2]) / 2
        }
        #expect(maxAbsDifference(try NetCDFFile.open(output).doubles("score"), expected) <= 1e-5)
    }

    @Test func jsonSummary() throws {
        let result = try score(["--json", "--layers", "model.layer.1,model.layer.2"], output: directory.appendingPathComponent("j.nc").path)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["best_layer"] as? String == "model.layer.1")
        let part = try #require((json["parts"] as? [[String: Any]])?.first)
        #expect((part["layers"] as? [[String: Any]])?.count == 2)
        #expect(part["neuroids"] as? Int == 60)
    }

    // MARK: Bad input

    /// Writes an activations file for the given stimulus ids (3 features, values from `value`).
    func activationsFile(_ name: String, ids: [String], value: (Int, Int) -> Float = { Float($0 * 3 + $1) }) throws -> String {
        let path = directory.appendingPathComponent(name).path
        let writer = try NetCDFWriter(path: path)
        try writer.defineDimension("layer", values: .strings(["only"]))
        try writer.defineDimension("presentation", length: ids.count)
        try writer.defineDimension("feature", length: 3)
        try writer.addCoordinate("stimulus_id", dimensions: ["presentation"], values: .strings(ids))
        try writer.addVariable("activations", dimensions: ["layer", "presentation", "feature"],
                               values: .float32((0..<ids.count).flatMap { i in (0..<3).map { value(i, $0) } }))
        try writer.finish()
        return path
    }

    func sampleIDs() throws -> [String] { try NetCDFFile.open(Self.neural).strings("stimulus_id") }

    @Test func missingStimuliAreNamed() throws {
        let ids = try sampleIDs()
        let partial = try activationsFile("partial.nc", ids: Array(ids.dropFirst(3)))
        let output = directory.appendingPathComponent("never.nc").path
        let result = try CLI.run(["score", "--neural", Self.neural, "--activations", partial, "--output", output, "--quiet"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("lacks 3 of the 80 stimuli"))
        #expect(result.stderr.contains("'\(ids[0])'"))
        #expect(!FileManager.default.fileExists(atPath: output), "no result file after a failure")
    }

    @Test func nonFiniteActivationsAreNamed() throws {
        let ids = try sampleIDs()
        let bad = try activationsFile("nan.nc", ids: ids) { i, j in i == 5 && j == 2 ? .nan : Float(i + j) }
        let result = try CLI.run(["score", "--neural", Self.neural, "--activations", bad, "--output", directory.appendingPathComponent("x.nc").path, "--quiet"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("stimulus '\(ids[5])'"))
        #expect(result.stderr.contains("nan"))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("x.nc").path))
    }

    @Test func badOptionsAndFiles() throws {
        let output = directory.appendingPathComponent("y.nc").path
        for (arguments, message) in [
            (["--cv", "kfold"], "--cv must be"),
            (["--alphas", "1,-2"], "--alphas must all be positive"),
            (["--memory", "lots"], "--memory must be"),
            (["--memory", "-1GB"], "--memory must be"),
            (["--memory", "9000000TB"], "--memory must be"),
            (["--memory", "1e30GB"], "--memory must be"),
            (["--threads", "-1"], "--threads must be"),
            (["--threads", "100000"], "--threads must be"),
            (["--cv", "shuffle:3:0.9", "--seed", "-1"], "--seed must be"),
            (["--seed", "3"], "--seed applies to shuffle splits"),
            (["--inner-cv", "bootstrap:5:40"], "--inner-cv must be"),
            (["--inner-cv", "bootstrap:0:4:2"], "--inner-cv must be"),
            (["--inner-cv", "bootstrap:5:40:100"], "bootstrap inner CV holds out 100 chunks of 40 rows"),
            (["--regression", "ols", "--alphas", "1,2"], "--alphas applies to ridge only"),
            (["--cv", "kfold:80"], "a held-out correlation needs at least 3"),
            (["--cv", "kfold:40"], "holds out 2 of 80 rows; a held-out correlation needs at least 3 (of 2 it is always +-1"),
            (["--layers", ""], "--layers is empty"),
            (["--layers", "model.layer.1,model.layer.1"], "names 'model.layer.1' twice"),
            (["--memory", "1KB"], "too small"),
            (["--cv", "group:passage_nope:3"], "no coordinate 'passage_nope'"),
            (["--layers", "model.layer.9"], "no layer 'model.layer.9'"),
        ] {
            let result = try score(arguments, output: output)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let missing = try CLI.run(["score", "--neural", "/nope.nc", "--activations", Self.activations, "--output", output])
        #expect(missing.stderr.contains("/nope.nc") && missing.stderr.contains("no such file"))
        try "exists".write(toFile: output, atomically: true, encoding: .utf8)
        let exists = try score([], output: output)
        #expect(exists.status != 0 && exists.stderr.contains("already exists") && exists.stderr.contains("--overwrite"))
    }
}

/// `brainalign ceiling` processes: the same seed gives the same numbers, bit for bit,
/// whatever --threads says. Separate processes, because inside this test process other
/// suites run concurrently and change OpenBLAS's process-wide thread count, which a
/// user's run never sees.
@Suite struct CeilingCommandTests {
    @Test func sameSeedSameBitsAcrossRuns() throws {
        let temporary = try TemporaryDirectory()
        let data = Fixture.path("BenchmarksTests", "ceiling_sample.nc")
        var ceilings: [[Double]] = []
        for threads in ["1", "2", "2"] {
            let output = temporary.path("t\(ceilings.count).nc")
            let result = try CLI.run(["ceiling", "--neural", data, "--procedure", "sampled", "--subsets", "4", "--held-out", "2", "--bootstraps", "20",
                                      "--seed", "3", "--threads", threads, "--output", output, "--quiet"])
            #expect(result.status == 0, "\(result.stderr)")
            ceilings.append(try NetCDFFile.open(output).doubles("neuroid_ceiling"))
        }
        #expect(ceilings[0] == ceilings[1] && ceilings[1] == ceilings[2])
    }

    /// `score --ceiling` refuses a ceiling computed from another neural file, before scoring.
    @Test func scoreRefusesACeilingOfOtherData() throws {
        let temporary = try TemporaryDirectory()
        let ceiling = temporary.path("blank_ceiling.nc")
        let made = try CLI.run(["ceiling", "--neural", Fixture.repositoryRoot.appendingPathComponent("datasets/Blank2014_sample.nc").path,
                                "--benchmark", "Blank2014-linear", "--bootstraps", "2", "--output", ceiling, "--quiet"])
        #expect(made.status == 0, "\(made.stderr)")
        let output = temporary.path("score.nc")
        let refused = try CLI.run(["score", "--benchmark", "Blank2014-linear",
                                   "--neural", Fixture.repositoryRoot.appendingPathComponent("datasets/Pereira2018_sample.nc").path,
                                   "--activations", Fixture.repositoryRoot.appendingPathComponent("datasets/Blank2014_sample_activations.nc").path,
                                   "--ceiling", ceiling, "--output", output])
        #expect(refused.status != 0 && refused.stderr.contains("another neural file"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    /// The default is Brain-Score's procedure, deterministic whatever --threads says; the
    /// sampled procedure's options are refused with it.
    @Test func brainScoreProcedureByDefault() throws {
        let temporary = try TemporaryDirectory()
        let data = Fixture.path("BenchmarksTests", "brainscore_blank.nc")
        var ceilings: [[Double]] = []
        for threads in ["1", "2"] {
            let output = temporary.path("b\(threads).nc")
            let result = try CLI.run(["ceiling", "--neural", data, "--subject-coordinate", "subject_id", "--bootstraps", "5",
                                      "--threads", threads, "--output", output, "--quiet"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("Brain-Score 2.3.0 procedure") && result.stdout.contains("75 regressions"), "\(result.stdout)")
            let file = try NetCDFFile.open(output)
            #expect(file.attributes.first { $0.name == "procedure" }?.stringValue == "brainscore")
            ceilings.append(try file.doubles("neuroid_ceiling").map { $0.isNaN ? -1 : $0 })
        }
        #expect(ceilings[0] == ceilings[1])
        for extra in [["--subsets", "3"], ["--held-out", "2"], ["--seed", "4"], ["--procedure", "exact"]] {
            let result = try CLI.run(["ceiling", "--neural", data, "--output", temporary.path("x.nc")] + extra)
            #expect(result.status != 0 && result.stderr.contains(extra[0]), "\(extra): \(result.stderr)")
        }
    }
}
