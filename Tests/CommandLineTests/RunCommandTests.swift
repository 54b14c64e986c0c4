import Foundation
import TestSupport
import Testing

/// `brainalign run PLAN` without extraction (the plan gives the bundled sample activations),
/// so it runs without torch: plan checks, summary rows, resume, --force, failures of one
/// model, and study over the summary. tools/tests/test_run_plan.py runs it end to end with
/// tiny offline models and checks the summary against the result files with xarray.
@Suite struct RunCommandTests {
    let temporary: TemporaryDirectory
    init() throws { temporary = try TemporaryDirectory() }

    static func data(_ name: String) -> String { Fixture.repositoryRoot.appendingPathComponent("datasets/\(name)").path }

    static let activations = """
        {"pereira": "\(data("Pereira2018_sample_activations.nc"))", "futrell": "\(data("Futrell2018_sample_surprisal.nc"))"}
        """

    /// A plan of a base model and its tuned variant on Pereira2018 and Futrell2018.
    func plan(output: String = "out", models: String? = nil, benchmarks: String? = nil, name: String = "plan.json") throws -> String {
        let text = """
            {
              "output": "\(output)",
              "models": \(models ?? """
                [
                  {"name": "base", "model": "org/base", "family": "F", "parameters": 1e6, "activations": \(Self.activations)},
                  {"name": "tuned", "model": "org/tuned", "family": "F", "base_model": "base", "instruction_tuned": true, "parameters": 1e6,
                   "activations": \(Self.activations)}
                ]
                """),
              "benchmarks": \(benchmarks ?? """
                [
                  {"name": "Pereira2018", "neural": "\(Self.data("Pereira2018_sample.nc"))"},
                  {"name": "Futrell2018-pearsonr", "neural": "\(Self.data("Futrell2018_sample.nc"))"}
                ]
                """)
            }
            """
        let path = temporary.path(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func events(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
    }

    /// summary.csv's rows (RFC 4180: quoted fields may hold commas and doubled quotes).
    func summary(_ path: String) throws -> [[String: String]] {
        var records: [[String]] = [], row: [String] = [], field = "", quoted = false
        var characters = Array(try String(contentsOfFile: path, encoding: .utf8))[...]
        while let c = characters.popFirst() {
            if quoted {
                if c == "\"" { if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false } }
                else { field.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { row.append(field); field = "" }
            else if c == "\n" { row.append(field); records.append(row); row = []; field = "" }
            else { field.append(c) }
        }
        return records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(records[0], $0)) }
    }

    @Test func runsResumesAndRefusesChangedSteps() throws {
        let planPath = try plan()
        let first = try CLI.run(["run", planPath, "--json", "--threads", "1"])
        #expect(first.status == 0, "\(first.stderr)")
        let steps = try events(first.stdout)
        #expect(steps.filter { $0["event"] as? String == "step" }.map { $0["status"] as? String } == Array(repeating: "done", count: 4))
        let last = try #require(steps.last)
        #expect(last["event"] as? String == "finished" && (last["failed"] as? [Any])?.isEmpty == true)
        let study = try #require(last["study"] as? [String: Any])
        #expect((study["pairs"] as? [[String: Any]])?.first?["model"] as? String == "tuned")
        #expect(steps.allSatisfy { ($0["remaining"] is NSNull) || ($0["remaining"] is NSNumber) || $0["event"] as? String == "finished" })

        let out = temporary.path("out")
        let rows = try summary(out + "/summary.csv")
        #expect(rows.map { "\($0["model"]!) \($0["benchmark"]!) \($0["status"]!)" } == ["base Pereira2018 done", "base Futrell2018-pearsonr done",
                                                                                       "tuned Pereira2018 done", "tuned Futrell2018-pearsonr done"])
        #expect(rows[0]["best_layer"] == "model.layer.1" && rows[0]["relative_depth"] == "0.5" && rows[0]["result_file"] == "results/base/Pereira2018.nc")
        #expect(rows[1]["relative_depth"] == "" && rows[1]["subjects"] == "180" && rows[1]["instruction_tuned"] == "false")
        // The summary's score is the result file's own best-layer score.
        let inspect = try CLI.run(["inspect", out + "/results/base/Pereira2018.nc", "--json", "--values", "3"])
        #expect(inspect.status == 0 && inspect.stdout.contains("model.layer.1"))
        #expect(FileManager.default.fileExists(atPath: out + "/summary.nc"))

        // Resume: everything recorded with the same provenance is skipped.
        let again = try CLI.run(["run", planPath, "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try events(again.stdout).filter { $0["event"] as? String == "step" }.allSatisfy { $0["status"] as? String == "skipped" })
        #expect(try summary(out + "/summary.csv") == rows)

        // Another precision is another protocol: refused, files untouched, until --force.
        let before = try Data(contentsOf: URL(fileURLWithPath: out + "/results/base/Pereira2018.nc"))
        let changed = try CLI.run(["run", planPath, "--precision", "float64"])
        #expect(changed.status == 1)
        #expect(changed.stdout.contains("4 steps failed:") && changed.stdout.contains("refused: precision was 'float32', now 'float64'"), "\(changed.stdout)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/results/base/Pereira2018.nc")) == before)
        #expect(try summary(out + "/summary.csv").allSatisfy { $0["status"] == "failed" && $0["message"]!.hasPrefix("refused") })
        let forced = try CLI.run(["run", planPath, "--precision", "float64", "--force", "--quiet"])
        #expect(forced.status == 0, "\(forced.stdout)\(forced.stderr)")
        let rescored = try summary(out + "/summary.csv")
        #expect(rescored.allSatisfy { $0["status"] == "done" })
        #expect(abs(Double(rescored[0]["score"]!)! - Double(rows[0]["score"]!)!) < 1e-5)

        // study reads the summary directly and says which layer each score is from.
        let table = try CLI.run(["study", out + "/summary.csv", "--json"])
        #expect(table.status == 0, "\(table.stderr)")
        let json = try #require(JSONSerialization.jsonObject(with: Data(table.stdout.utf8)) as? [String: Any])
        let models = try #require(json["models"] as? [[String: Any]])
        #expect((models[0]["layers"] as? [String: Any])?["Pereira2018"] as? String == "model.layer.1")
    }

    @Test func oneModelFailingDoesNotStopTheOthers() throws {
        // The tuned model's Futrell2018 "surprisal" is a Pereira activations file.
        let wrong = """
            {"pereira": "\(Self.data("Pereira2018_sample_activations.nc"))", "futrell": "\(Self.data("Pereira2018_sample_activations.nc"))"}
            """
        let planPath = try plan(models: """
            [
              {"name": "base", "model": "org/base", "activations": \(Self.activations)},
              {"name": "tuned", "model": "org/tuned", "base_model": "base", "instruction_tuned": true, "activations": \(wrong)}
            ]
            """)
        let result = try CLI.run(["run", planPath])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 4 && lines[3].hasPrefix("[4/4] failed  score tuned Futrell2018-pearsonr"), "\(result.stderr)")
        #expect(result.stdout.contains("1 step failed:\n  score tuned Futrell2018-pearsonr: "), "\(result.stdout)")
        let rows = try summary(temporary.path("out/summary.csv"))
        #expect(rows.map { $0["status"]! } == ["done", "done", "done", "failed"])
        #expect(rows[3]["score"] == "" && !rows[3]["message"]!.isEmpty)
        // study without --allow-missing names the failed step; with it, the pair lacks that benchmark.
        let strict = try CLI.run(["study", temporary.path("out/summary.csv")])
        #expect(strict.status != 0 && strict.stderr.contains("tuned x Futrell2018-pearsonr did not finish"), "\(strict.stderr)")
        let lenient = try CLI.run(["study", temporary.path("out/summary.csv"), "--allow-missing"])
        #expect(lenient.status == 0 && lenient.stdout.contains("Futrell2018-pearsonr is missing for the tuned model"), "\(lenient.stdout)")
    }

    @Test func badPlansAreOneLineEachWithExitCode2() throws {
        let file = temporary.path("a-file")
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let one = """
            [{"name": "m", "model": "org/m", "activations": \(Self.activations)}]
            """
        let cases: [(String, String)] = [
            (try plan(models: one, benchmarks: """
                [{"name": "Pereira2018", "neural": "\(temporary.path("missing.nc"))"}]
                """, name: "p1.json"), "p1.json: line 4, column 52: benchmarks[0].neural: \(temporary.path("missing.nc")): no such file"),
            (try plan(models: one, benchmarks: """
                [{"name": "Pereira2019", "neural": "\(Self.data("Pereira2018_sample.nc"))"}]
                """, name: "p2.json"), "benchmarks[0].name: unknown benchmark 'Pereira2019'; valid benchmarks: Pereira2018.243sentences-linear"),
            (try plan(models: """
                [{"name": "m", "model": "org/m", "base_model": "other", "instruction_tuned": true, "activations": \(Self.activations)}]
                """, name: "p3.json"), "models: 'm': its base model 'other' is not in the plan"),
            (try plan(models: """
                [{"name": "m", "model": "org/m", "activations": \(Self.activations)}, {"name": "m", "model": "org/n", "activations": \(Self.activations)}]
                """, name: "p4.json"), "models[1]: model name 'm' is already used on line 3"),
            (try plan(output: file, models: one, name: "p5.json"), "output: \(file) is a file; the output must be a folder"),
            (try plan(models: """
                [{"name": "m", "model": "org/m", "familly": "F", "activations": \(Self.activations)}]
                """, name: "p6.json"), "models[0]: unknown key 'familly'"),
        ]
        for (path, expected) in cases {
            let result = try CLI.run(["run", path])
            #expect(result.status == 2, "\(path): \(result.stderr)")
            #expect(result.stderr.hasPrefix("Error: \(path): ") && result.stderr.contains(expected) && result.stderr.split(separator: "\n").count == 1,
                    "\(result.stderr)")
        }
        let broken = temporary.path("broken.json")
        try "{\n  \"output\": \"out\",\n  \"models\": [1, 2,, 3]\n}\n".write(toFile: broken, atomically: true, encoding: .utf8)
        let invalid = try CLI.run(["run", broken])
        #expect(invalid.status == 2 && invalid.stderr == "Error: \(broken): invalid JSON: line 3, column 19: unexpected character ',' (a value was expected)\n",
                "\(invalid.stderr)")
        // Nothing was created by any refused plan.
        #expect(!FileManager.default.fileExists(atPath: temporary.path("out")))
        // A folder with files that no run made is not written into.
        let foreign = temporary.path("foreign")
        try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
        try "mine".write(toFile: foreign + "/notes.txt", atomically: true, encoding: .utf8)
        let refused = try CLI.run(["run", try plan(output: foreign, models: one, name: "p7.json")])
        #expect(refused.status == 2 && refused.stderr.contains("is a folder that brainalign run did not make"), "\(refused.stderr)")
    }

    @Test func studyRefusesAResultOfAnotherBenchmarkInAColumn() throws {
        let output = temporary.path("p384.nc")
        let scored = try CLI.run(["score", "--benchmark", "Pereira2018.384sentences-linear", "--neural", Self.data("Pereira2018_sample.nc"),
                                  "--activations", Self.data("Pereira2018_sample_activations.nc"), "--output", output, "--quiet"])
        #expect(scored.status == 0, "\(scored.stderr)")
        let table = temporary.path("t.csv")
        try "model,family,base_model,instruction_tuned,pereira2018,blank2014\na,X,a,false,p384.nc,0.2\nb,X,a,true,0.3,p384.nc\n"
            .write(toFile: table, atomically: true, encoding: .utf8)
        let result = try CLI.run(["study", table])
        #expect(result.status != 0)
        #expect(result.stderr == "Error: \(table): line 3, column 'blank2014': \(output) holds a Pereira2018.384sentences-linear result, not blank2014\n",
                "\(result.stderr)")
        try "model,family,base_model,instruction_tuned,pereira2018\na,X,a,false,p384.nc\nb,X,a,true,0.3\n".write(toFile: table, atomically: true, encoding: .utf8)
        let accepted = try CLI.run(["study", table, "--csv", temporary.path("scores.csv")])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        let csv = try String(contentsOfFile: temporary.path("scores.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("model,family,base_model,instruction_tuned,benchmark,score,layer,source\na,X,a,false,pereira2018,"))
        #expect(csv.contains(",model.layer.1,p384.nc\n"))
    }
}
