import Foundation

/// Runs `tools/extract_activations.py --jobs` for one model: every readout the model needs
/// in one process, so the model is loaded once. The extractor reports each job as a JSON
/// line on stdout as it finishes; its progress and errors go to the model's log file.
struct ExtractorProcess {
    struct Job {
        var readout: String
        var neural: String
        var output: String
        var overwrite: Bool
    }

    var plan: RunPlan
    var model: RunPlan.Model
    var folder: RunFolder

    /// Runs the jobs; `finished(index, nil)` for a job done, `finished(index, message)` for
    /// one that failed (each job exactly once, in the order they end).
    func run(_ jobs: [Job], finished: (Int, String?) -> Void) {
        var reported = Set<Int>()
        func report(_ index: Int, _ message: String?) {
            guard index >= 0, index < jobs.count, reported.insert(index).inserted else { return }
            finished(index, message)
        }
        let extraction = plan.extraction
        let jobsPath = folder.record(model, kind: "extract", "jobs")
        let logPath = folder.log(model)
        do {
            let list: [[String: Any]] = jobs.map { ["benchmark": $0.readout, "neural": $0.neural, "output": $0.output, "overwrite": $0.overwrite] }
            try writeAtomically(try JSONSerialization.data(withJSONObject: list), to: jobsPath)
        } catch {
            for index in jobs.indices { report(index, "\(error)") }
            return
        }
        defer { try? FileManager.default.removeItem(atPath: jobsPath) }
        var arguments = [extraction.extractor ?? "tools/extract_activations.py", "--model", model.id, "--jobs", jobsPath,
                         "--device", extraction.device, "--dtype", extraction.dtype, "--batch-size", String(extraction.batchSize)]
        if let revision = model.revision { arguments += ["--revision", revision] }
        if let layers = extraction.layers { arguments += ["--layers", layers.joined(separator: ",")] }
        if let window = extraction.window { arguments += ["--window", String(window)] }
        if let maxLength = extraction.maxLength { arguments += ["--max-length", String(maxLength)] }
        if let stride = extraction.stride { arguments += ["--stride", String(stride)] }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: RunPlanChecks.executable(extraction.python))
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONUNBUFFERED"] = "1"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        FileManager.default.createFile(atPath: logPath, contents: Data())
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardError = log ?? FileHandle.nullDevice
        defer { try? log?.close() }
        do { try process.run() } catch {
            for index in jobs.indices { report(index, "cannot start \(extraction.python): \(error.localizedDescription)") }
            return
        }
        // One JSON line per finished job; read as they come so progress is live.
        var buffer = Data()
        let reader = output.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<newline]
                buffer.removeSubrange(buffer.startIndex...newline)
                guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                      let index = object["job"] as? Int, let status = object["status"] as? String else { continue }
                report(index, status == "done" ? nil : (object["message"] as? String ?? "extraction failed"))
            }
        }
        process.waitUntilExit()
        // Jobs the extractor never reported (it crashed, or was killed) failed; say how.
        let unreported = jobs.indices.filter { !reported.contains($0) }
        if !unreported.isEmpty {
            let last = Self.lastError(in: logPath)
            let how = process.terminationReason == .uncaughtSignal ? "was killed by signal \(process.terminationStatus)" : "exited with status \(process.terminationStatus)"
            for index in unreported { report(index, "the extractor \(how) before finishing\(last.map { ": \($0)" } ?? "") (log: \(logPath))") }
        }
    }

    /// The last non-empty line of the log (the one-line error, or a traceback's last line).
    static func lastError(in path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let line = text.split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return line.map { String($0.hasPrefix("error: ") ? $0.dropFirst(7) : $0) }
    }
}

enum RunPlanChecks {
    /// The python executable as a path (PATH searched), as the plan check found it.
    static func executable(_ name: String) -> String { PlanReader.findExecutable(name) ?? name }
}
