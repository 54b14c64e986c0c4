import Benchmarks
import Foundation
import Scoring

/// A plan over MPI ranks. The rule: the steps that feed the others and are few (ceilings)
/// or belong on one machine's GPU (extraction, one subprocess per model) run on the lead
/// first; then the (model, benchmark) scoring steps, usually most of the time, are dealt
/// round-robin to the ranks, each scored by its rank alone (`BenchmarkRunner` in one
/// process, with that rank's `--memory` and `--threads`) into its own result file and step
/// record. The ranks then exchange their summary rows, so every rank knows the outcome and
/// the lead writes summary.csv/summary.nc in plan order, as a one-process run would.
extension PlanRunner {
    func runSpread(_ ranks: any RankGroup) throws -> RunOutcome {
        let prepared = try ranks.onLead { () -> String in
            try folder.prepare(models: plan.models)
            var ceilings: [String: Result<CeilingOverride?, RunError>] = [:]
            for entry in plan.benchmarks { ceilings[entry.name] = ceiling(entry) }
            let activations = plan.models.map { extract($0) }
            return try SharedInputs(ceilings: ceilings, activations: activations).encoded()
        }
        let inputs = try SharedInputs.decode(try ranks.broadcast(prepared ?? ""))

        let steps = plan.models.indices.flatMap { m in plan.benchmarks.indices.map { (m, $0) } }
        var mine: [String: [String: String]] = [:]
        for index in ranks.share(of: steps.count) {
            let (m, b) = steps[index]
            let model = plan.models[m], entry = plan.benchmarks[b]
            let row = score(model, entry, activations: inputs.activations[m][entry.readout] ?? .failure(RunError("no activations")),
                            ceiling: inputs.ceilings[entry.name] ?? .failure(RunError("no ceiling")))
            mine["\(index)"] = RunSummary.modelColumns(model).merging(row) { _, new in new }.merging(["benchmark": entry.name]) { _, new in new }
        }
        let local = try JSONSerialization.data(withJSONObject: mine, options: [.sortedKeys])
        var byStep: [Int: [String: String]] = [:]
        for text in try ranks.allGather(String(decoding: local, as: UTF8.self)) {
            guard let rows = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: [String: String]] else {
                throw RunError("a rank sent summary rows that are not JSON")
            }
            for (key, row) in rows { if let index = Int(key) { byStep[index] = row } }
        }
        let rows = steps.indices.map { byStep[$0] ?? ["status": "failed", "message": "no rank reported this step"] }
        try ranks.onLead { try RunSummary.write(rows, folder: folder) }
        // The other ranks' failed steps, for the final report (the lead saw its own).
        let ownSteps = Set(ranks.share(of: steps.count))
        let others: [RunEvent] = steps.indices.filter { !ownSteps.contains($0) && rows[$0]["status"] == "failed" }.map { index in
            RunEvent(kind: .score, status: .failed, model: plan.models[steps[index].0].name, target: plan.benchmarks[steps[index].1].name,
                     index: index + 1, total: steps.count, seconds: 0, elapsed: 0, remaining: nil, message: rows[index]["message"] ?? "",
                     resultFile: nil)
        }
        return lock.withLock { RunOutcome(summaryCSV: folder.summaryCSV, summaryNC: folder.summaryNC, rows: rows, failures: failures + others) }
    }
}

/// What the lead hands every rank before scoring: each benchmark's ceiling and each
/// model's activations files (or why there are none), as JSON.
struct SharedInputs {
    var ceilings: [String: Result<CeilingOverride?, RunError>]
    var activations: [[String: Result<String, RunError>]]

    func encoded() throws -> String {
        func ceiling(_ result: Result<CeilingOverride?, RunError>) -> [String: Any] {
            switch result {
            case .failure(let error): return ["error": error.description]
            case .success(let value?): return ["value": value.value, "file": value.file]
            case .success(nil): return [:]
            }
        }
        func path(_ result: Result<String, RunError>) -> [String: Any] {
            switch result {
            case .failure(let error): return ["error": error.description]
            case .success(let path): return ["path": path]
            }
        }
        let object: [String: Any] = ["ceilings": ceilings.mapValues(ceiling), "activations": activations.map { $0.mapValues(path) }]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> SharedInputs {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let ceilings = object["ceilings"] as? [String: [String: Any]], let activations = object["activations"] as? [[String: [String: Any]]] else {
            throw RunError("the lead rank's ceilings and activations could not be read")
        }
        return SharedInputs(
            ceilings: ceilings.mapValues { entry in
                if let error = entry["error"] as? String { return .failure(RunError(error)) }
                if let value = entry["value"] as? Double, let file = entry["file"] as? String { return .success(CeilingOverride(value: value, file: file)) }
                return .success(nil)
            },
            activations: activations.map { model in
                model.mapValues { entry in
                    if let path = entry["path"] as? String { return .success(path) }
                    return .failure(RunError(entry["error"] as? String ?? "no activations"))
                }
            })
    }
}
