import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import HDF5
import TestSupport
import Testing

@Suite struct StudyCommandTests {
    let temporary: TemporaryDirectory
    var directory: URL { temporary.url }
    init() throws { temporary = try TemporaryDirectory() }

    static let table = Fixture.repositoryRoot.appendingPathComponent("datasets/aw2023_models.csv").path

    @Test func studyPrintsThePapersNumbersAndWritesFigures() throws {
        let figures = directory.appendingPathComponent("figures").path
        let result = try CLI.run(["study", Self.table, "--families", "T5,LLaMA", "--figures", figures, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let means = try #require(json["mean_changes"] as? [String: [String: Any]])
        #expect(String(format: "%.2f", doubles([means["pereira2018"]?["percent"] as Any])[0]) == "6.99")
        #expect(means["pereira2018"]?["percent_pairs"] as? Int == 17 && means["average"]?["difference_pairs"] as? Int == 17)
        let associations = try #require(json["associations"] as? [[String: Any]])
        #expect(String(format: "%.3f", doubles([associations[0]["pearson_r"] as Any])[0]) == "0.805")
        let written = try #require(json["figures"] as? [String])
        #expect(written.count == 6)
        for path in written {
            #expect(XMLParser(contentsOf: URL(fileURLWithPath: path))?.parse() == true, "\(path)")
        }
    }

    /// `--csv` and the figures never replace the table, and an existing output only with
    /// --overwrite; a refusal comes before any output appears.
    @Test func outputsNeverReplaceTheTableOrAnExistingFile() throws {
        let table = temporary.path("models.csv")
        try FileManager.default.copyItem(atPath: Self.table, toPath: table)
        let original = try String(contentsOfFile: table, encoding: .utf8)
        for spelling in [table, temporary.path("./models.csv"), temporary.path("x/../models.csv")] {
            try? FileManager.default.createDirectory(atPath: temporary.path("x"), withIntermediateDirectories: true)
            let refused = try CLI.run(["study", table, "--families", "T5", "--csv", spelling, "--overwrite"])
            #expect(refused.status != 0 && refused.stderr.contains("one of this run's inputs"), "\(refused.stderr)")
            #expect(try String(contentsOfFile: table, encoding: .utf8) == original)
        }
        let csv = temporary.path("scores.csv"), figures = temporary.path("figures")
        try "mine".write(toFile: csv, atomically: true, encoding: .utf8)
        let existing = try CLI.run(["study", table, "--families", "T5", "--csv", csv, "--figures", figures])
        #expect(existing.status != 0 && existing.stderr.contains("already exists"), "\(existing.stderr)")
        #expect(try String(contentsOfFile: csv, encoding: .utf8) == "mine")
        #expect(!FileManager.default.fileExists(atPath: figures), "refused before any figure was written")
        let replaced = try CLI.run(["study", table, "--families", "T5", "--csv", csv, "--figures", figures, "--overwrite"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try String(contentsOfFile: csv, encoding: .utf8).hasPrefix("model,family,"))
        // Figures of an earlier run are kept unless --overwrite; the CSV is not written either.
        try FileManager.default.removeItem(atPath: csv)
        let again = try CLI.run(["study", table, "--families", "T5", "--csv", csv, "--figures", figures])
        #expect(again.status != 0 && again.stderr.contains("already exists"), "\(again.stderr)")
        #expect(!FileManager.default.fileExists(atPath: csv))
        #expect(try FileManager.default.contentsOfDirectory(atPath: figures).allSatisfy { !$0.hasPrefix(".") }, "no staged file left")
    }

    @Test func plotWritesValidSVG() throws {
        let scores = directory.appendingPathComponent("s.nc").path
        let neural = Fixture.repositoryRoot.appendingPathComponent("datasets/Pereira2018_sample.nc").path
        let activations = Fixture.repositoryRoot.appendingPathComponent("datasets/Pereira2018_sample_activations.nc").path
        #expect(try CLI.run(["score", "--neural", neural, "--activations", activations, "--output", scores, "--quiet"]).status == 0)
        let out = directory.appendingPathComponent("plots").path
        let result = try CLI.run(["plot", scores, "--output", out])
        #expect(result.status == 0, "\(result.stderr)")
        for name in ["layer_profile.svg", "synthetic-3-layer_r_distribution.svg"] {  // the histogram is named after the model attribute
            #expect(XMLParser(contentsOf: URL(fileURLWithPath: out).appendingPathComponent(name))?.parse() == true, "\(name)")
        }
        let notAResult = try CLI.run(["plot", neural, "--output", out])
        #expect(notAResult.status != 0 && notAResult.stderr.contains("is not a BrainAlign result file"))
        // A bad input is found before the output directory is made: nothing is left behind.
        let fresh = directory.appendingPathComponent("never/made").path
        let refused = try CLI.run(["plot", scores, neural, "--output", fresh])
        #expect(refused.status != 0 && refused.stderr == "Error: \(neural) is not a BrainAlign result file (no result_schema_version attribute)\n", "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("never").path))
        let twin = directory.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: twin, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: scores, toPath: twin.appendingPathComponent("s.nc").path)
        let sameName = try CLI.run(["plot", scores, twin.appendingPathComponent("s.nc").path, "--output", fresh])
        #expect(sameName.status != 0 && sameName.stderr.contains("has the same name as \(scores)"), "\(sameName.stderr)")
        // A result whose every layer score is NaN has no best layer to draw.
        let empty = directory.appendingPathComponent("nan.nc").path
        try FileManager.default.copyItem(atPath: scores, toPath: empty)
        do {
            let file = try HDF5File.open(empty, mode: .readWrite)
            let score = try file.root.openDataset("score")
            try score.write([Double](repeating: .nan, count: score.shape.reduce(1, *)))
        }
        let noBest = try CLI.run(["plot", empty, "--output", fresh])
        #expect(noBest.status == 1 && noBest.stderr == "Error: \(empty): no layer has a finite score\n", "\(noBest.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("never").path))
    }

    /// --figures / --output that cannot be used: one line naming the directory, no
    /// Foundation error dump, and no directory created.
    @Test func unusableOutputDirectories() throws {
        let file = directory.appendingPathComponent("file").path
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let result = Fixture.repositoryRoot.appendingPathComponent("datasets/Pereira2018_sample.nc").path
        let cases: [([String], String)] = [
            (["study", Self.table, "--figures", file], "Error: \(file): exists and is not a directory\n"),
            (["study", Self.table, "--figures", file + "/figures"], "Error: cannot create directory \(file)/figures: \(file) is not a directory\n"),
            (["study", Self.table, "--figures", "/proc/self/figures"], "Error: cannot create directory /proc/self/figures: /proc/self is not writable\n"),
            (["study", Self.table, "--figures", "/proc/self"], "Error: /proc/self: the directory is not writable\n"),
            (["plot", result, "--output", file], "Error: \(result) is not a BrainAlign result file (no result_schema_version attribute)\n"),
        ]
        for (arguments, expected) in cases {
            let run = try CLI.run(arguments)
            #expect(run.status == 1 && run.stderr == expected, "\(arguments): \(run.stderr)")
            #expect(!run.stderr.contains("NSCocoaErrorDomain"))
        }
    }

    /// A base score <= 0: no percent (n/a with a note), the absolute difference beside it,
    /// and how many pairs each mean is over, in the text and the JSON.
    @Test func nonPositiveBaseInTextAndJSON() throws {
        let table = directory.appendingPathComponent("t.csv").path
        try "model,base_model,instruction_tuned,pereira2018,blank2014\nb,b,false,-0.05,0.1\nt,b,true,0.2,0.3\n"
            .write(toFile: table, atomically: true, encoding: .utf8)
        let text = try CLI.run(["study", table])
        #expect(text.status == 0, "\(text.stderr)")
        let row = try #require(text.stdout.split(separator: "\n").last { $0.hasPrefix("t ") })
        #expect(row.split(separator: " ").map(String.init) == ["t", "b", "n/a", "+0.2500", "+200.00", "+0.2000", "+900.00", "+0.2250"], "\(row)")
        #expect(text.stdout.contains("t vs b: pereira2018: no percent change, the base score -0.05 is not positive"))
        let counts = try #require(text.stdout.split(separator: "\n").first { $0.hasPrefix("pairs in the mean") })
        #expect(counts.split(separator: " ").suffix(6) == ["0", "1", "1", "1", "1", "1"], "\(counts)")
        #expect(text.stdout.contains("tuned vs base average: not enough pairs (n = 1;") && !text.stdout.contains("p = 1"))

        let json = try CLI.run(["study", table, "--json"])
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let pair = try #require((object["pairs"] as? [[String: Any]])?.first)
        #expect((pair["changes_percent"] as? [String: Any])?["pereira2018"] as? String == "NaN")
        #expect(doubles([(pair["differences"] as? [String: Any])?["pereira2018"] as Any]) == [0.25])
        #expect((pair["notes"] as? [String])?.count == 1)
        let wilcoxon = try #require(object["wilcoxon"] as? [String: Any])
        #expect(wilcoxon["p"] as? String == "NaN" && (wilcoxon["note"] as? String)?.hasPrefix("not enough pairs") == true)
    }

    @Test func allowMissingListsTheMissingBenchmarks() throws {
        let table = directory.appendingPathComponent("m.csv").path
        try "model,base_model,instruction_tuned,pereira2018,blank2014\nb,b,false,0.1,0.1\nt,b,true,0.2,\n"
            .write(toFile: table, atomically: true, encoding: .utf8)
        let refused = try CLI.run(["study", table])
        #expect(refused.status == 1 && refused.stderr.hasPrefix("Error: \(table): line 3, column 'blank2014': empty cell"))
        let allowed = try CLI.run(["study", table, "--allow-missing"])
        #expect(allowed.status == 0 && allowed.stdout.contains("t vs b: blank2014 is missing for the tuned model"), "\(allowed.stdout)")
    }

    @Test func missingTableFails() throws {
        let result = try CLI.run(["study", "/nope/table.csv"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("/nope/table.csv"))
    }
}
