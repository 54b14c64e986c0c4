import Benchmarks
import Foundation
import Scoring

/// A run plan (docs/workflow.md, "One command"): the models, the benchmarks with their data
/// files and ceilings, the extraction settings and the output folder. Read from JSON and
/// checked whole before anything runs: every problem is one line naming the plan, the
/// line and column, and the entry.
public struct RunPlan: Sendable {
    public struct Model: Sendable {
        /// Unique label: the study's `model` column and the folder of its files.
        public var name: String
        /// Hugging Face id, or a local directory (resolved against the plan's folder).
        public var id: String
        public var revision: String?
        public var family: String
        public var baseModel: String
        public var instructionTuned: Bool
        public var parameters: Double?
        /// Readout -> an activations file made elsewhere (no extraction for that readout).
        public var activations: [String: String]
        /// File-system-safe form of `name`.
        public var folder: String { name.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" }.reduce(into: "") { $0.append($1) } }
    }

    public enum Ceiling: Sendable, Equatable {
        /// The benchmark's own (published) ceiling.
        case published
        /// A ceiling file from `brainalign ceiling`.
        case file(String)
        /// Computed once by this run (`brainalign ceiling` defaults) into ceilings/.
        case compute
    }

    public struct BenchmarkEntry: Sendable {
        public var benchmark: any Benchmark
        public var name: String { benchmark.name }
        public var neural: [String]
        public var ceiling: Ceiling
        /// What `tools/extract_activations.py --benchmark` reads for it.
        public var readout: String
    }

    public struct Extraction: Sendable {
        public var device = "cpu"
        public var dtype = "float32"
        public var batchSize = 8
        public var layers: [String]?
        public var window: Int?
        public var maxLength: Int?
        public var stride: Int?
        public var python = "python3"
        /// tools/extract_activations.py; nil when no model needs extracting.
        public var extractor: String?

        /// What decides the extracted numbers (device and batch size do not).
        var provenance: [(String, String)] {
            [("dtype", dtype), ("layers", layers?.joined(separator: ",") ?? "all"), ("window", window.map(String.init) ?? "default"),
             ("max_length", maxLength.map(String.init) ?? "default"), ("stride", stride.map(String.init) ?? "default")]
        }
    }

    public var path: String
    public var output: String
    public var models: [Model]
    public var benchmarks: [BenchmarkEntry]
    public var extraction: Extraction

    /// The readout each named benchmark's activations come from.
    public static func readout(for benchmark: String) -> String? {
        if benchmark.hasPrefix("Pereira2018") { return "pereira" }
        if benchmark.hasPrefix("Blank2014") { return "blank" }
        if benchmark.hasPrefix("Wehbe2014") { return "wehbe" }
        if benchmark.hasPrefix("Futrell2018") { return "futrell" }
        if benchmark.hasPrefix("LeBel2023") { return "lebel" }
        return nil
    }
    public static let readouts = ["pereira", "blank", "wehbe", "lebel", "futrell"]

    /// The readouts a model needs, in benchmark order, each with the neural file its stimuli come from.
    func readouts(of model: Model) -> [(readout: String, neural: String)] {
        var seen: [(String, String)] = []
        for entry in benchmarks where !seen.contains(where: { $0.0 == entry.readout }) { seen.append((entry.readout, entry.neural[0])) }
        return seen
    }
}

/// Plan problems: each is one line.
public struct PlanError: Error, CustomStringConvertible, Sendable {
    public var problems: [String]
    public var description: String { problems.joined(separator: "\n") }
}

extension RunPlan {
    /// Reads and checks `path`. Throws `PlanError` listing every problem found.
    public init(path: String, extractorSearchStart: URL? = nil) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw PlanError(problems: [exists && isDirectory.boolValue ? "\(path): is a directory, not a plan file" : "\(path): no such plan file"])
        }
        guard let text = String(data: data, encoding: .utf8) else { throw PlanError(problems: ["\(path): not UTF-8 text"]) }
        let root: PlanJSONNode
        do { root = try PlanJSONParser.parse(text) } catch let error as PlanJSONError {
            throw PlanError(problems: ["\(path): invalid JSON: \(error)"])
        }
        var reader = PlanReader(path: path)
        self = reader.plan(root, extractorSearchStart: extractorSearchStart)
        if !reader.problems.isEmpty { throw PlanError(problems: reader.problems) }
    }
}

/// Reads the JSON tree into a plan, collecting problems instead of stopping at the first.
struct PlanReader {
    let path: String
    var problems: [String] = []
    let directory: URL

    init(path: String) {
        self.path = path
        directory = URL(fileURLWithPath: path).deletingLastPathComponent()
    }

    mutating func problem(_ node: PlanJSONNode, _ context: String, _ message: String) {
        problems.append("\(path): \(node.position): \(context): \(message)")
    }

    func resolve(_ raw: String) -> String {
        raw.hasPrefix("/") ? raw : directory.appendingPathComponent(raw).standardizedFileURL.path
    }

    /// The members of an object, refusing keys not in `known` (a typo would be ignored otherwise).
    mutating func members(_ node: PlanJSONNode, _ context: String, known: [String]) -> [String: PlanJSONNode]? {
        guard case .object(let list) = node.value else { problem(node, context, "expected an object"); return nil }
        var result: [String: PlanJSONNode] = [:]
        for (key, value) in list {
            guard known.contains(key) else {
                problem(value, context, "unknown key '\(key)' (known: \(known.joined(separator: ", ")))")
                continue
            }
            result[key] = value
        }
        return result
    }

    mutating func string(_ node: PlanJSONNode?, _ context: String) -> String? {
        guard let node else { return nil }
        guard case .string(let value) = node.value else { problem(node, context, "expected a string"); return nil }
        return value
    }

    mutating func positiveInt(_ node: PlanJSONNode?, _ context: String) -> Int? {
        guard let node else { return nil }
        guard case .number(let value) = node.value, value == value.rounded(), value >= 1, value < 1e9 else {
            problem(node, context, "expected a whole number >= 1")
            return nil
        }
        return Int(value)
    }

    mutating func strings(_ node: PlanJSONNode?, _ context: String) -> [String]? {
        guard let node else { return nil }
        switch node.value {
        case .string(let value): return [value]
        case .array(let items):
            var values: [String] = []
            for (i, item) in items.enumerated() { if let s = string(item, "\(context)[\(i)]") { values.append(s) } }
            return values
        default: problem(node, context, "expected a string or a list of strings"); return nil
        }
    }

    mutating func plan(_ root: PlanJSONNode, extractorSearchStart: URL?) -> RunPlan {
        let top = members(root, "plan", known: ["output", "models", "benchmarks", "extraction"]) ?? [:]
        var output = ""
        if let node = top["output"], let raw = string(node, "output") {
            output = resolve(raw)
            checkOutput(output, node)
        } else if top["output"] == nil {
            problems.append("\(path): plan: no 'output' (the folder the run writes)")
        }
        let benchmarks = readBenchmarks(top["benchmarks"])
        var extraction = readExtraction(top["extraction"])
        let models = readModels(top["models"])
        let plan = RunPlan(path: path, output: output, models: models, benchmarks: benchmarks, extraction: extraction)
        // The extractor is needed only if some model has a readout without given activations.
        let needsExtraction = models.contains { model in plan.readouts(of: model).contains { model.activations[$0.readout] == nil } }
        if needsExtraction {
            if let given = extraction.extractor {
                if !FileManager.default.fileExists(atPath: given) {
                    problems.append("\(path): extraction.extractor: \(given): no such file")
                }
            } else if let found = Self.findExtractor(from: extractorSearchStart) {
                extraction.extractor = found
            } else {
                problems.append("\(path): extraction.extractor: tools/extract_activations.py not found beside this brainalign; give its path in the plan")
            }
            if Self.findExecutable(extraction.python) == nil {
                problems.append("\(path): extraction.python: '\(extraction.python)' is not an executable (on PATH or as a path)")
            }
        }
        var result = plan
        result.extraction = extraction
        return result
    }

    mutating func checkOutput(_ output: String, _ node: PlanJSONNode) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { problem(node, "output", "\(output) is a file; the output must be a folder"); return }
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: output)) ?? []
            if !entries.isEmpty && !entries.contains(RunFolder.marker) {
                problem(node, "output", "\(output) is a folder that brainalign run did not make (it has files and no \(RunFolder.marker)); choose a new or empty folder")
            }
            if !FileManager.default.isWritableFile(atPath: output) { problem(node, "output", "\(output) is not writable") }
        } else {
            // The nearest existing ancestor must be a writable folder.
            var parent = URL(fileURLWithPath: output).deletingLastPathComponent()
            while !FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory) { parent.deleteLastPathComponent() }
            if !isDirectory.boolValue { problem(node, "output", "cannot create \(output): \(parent.path) is a file") }
            else if !FileManager.default.isWritableFile(atPath: parent.path) { problem(node, "output", "cannot create \(output): \(parent.path) is not writable") }
        }
    }

    mutating func readBenchmarks(_ node: PlanJSONNode?) -> [RunPlan.BenchmarkEntry] {
        guard let node else { problems.append("\(path): plan: no 'benchmarks'"); return [] }
        guard case .array(let items) = node.value, !items.isEmpty else { problem(node, "benchmarks", "expected a non-empty list"); return [] }
        var entries: [RunPlan.BenchmarkEntry] = []
        var lineOf: [String: Int] = [:]
        for (i, item) in items.enumerated() {
            let context = "benchmarks[\(i)]"
            guard let fields = members(item, context, known: ["name", "neural", "ceiling"]) else { continue }
            guard let name = string(fields["name"], "\(context).name") else {
                if fields["name"] == nil { problem(item, context, "no 'name'") }
                continue
            }
            guard let benchmark = try? BenchmarkRegistry.named(name) else {
                problem(fields["name"]!, "\(context).name", "unknown benchmark '\(name)'; valid benchmarks: \(BenchmarkRegistry.names.joined(separator: ", "))")
                continue
            }
            if let first = lineOf[name] { problem(item, context, "benchmark '\(name)' is already listed on line \(first)"); continue }
            lineOf[name] = item.line
            guard let readout = RunPlan.readout(for: name) else { problem(item, context, "\(name) has no activation readout"); continue }
            guard let neuralNode = fields["neural"] else { problem(item, context, "no 'neural' (the data file, or one per subject)"); continue }
            guard let raw = strings(neuralNode, "\(context).neural"), !raw.isEmpty else {
                if case .array = neuralNode.value { problem(neuralNode, "\(context).neural", "expected at least one file") }
                continue
            }
            let neural = raw.map(resolve)
            var ok = true
            for file in neural {
                var isDirectory: ObjCBool = false
                if !FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) || isDirectory.boolValue {
                    problem(neuralNode, "\(context).neural", "\(file): no such file"); ok = false
                }
            }
            if neural.count > 1 && !benchmark.inputs.neuralFilesPerSubject {
                problem(neuralNode, "\(context).neural", "\(name) takes one neural file; got \(neural.count)"); ok = false
            }
            let ceiling = readCeiling(fields["ceiling"], context: "\(context).ceiling", benchmark: benchmark)
            if ok, let ceiling { entries.append(.init(benchmark: benchmark, neural: neural, ceiling: ceiling, readout: readout)) }
        }
        return entries
    }

    mutating func readCeiling(_ node: PlanJSONNode?, context: String, benchmark: any Benchmark) -> RunPlan.Ceiling? {
        guard let node else { return .published }
        guard let raw = string(node, context) else { return nil }
        if raw == "published" { return .published }
        let parts = (benchmark as? NeuralBenchmark)?.components.count ?? 1
        guard benchmark.inputs.acceptsCeilingFile, parts == 1 else {
            problem(node, context, "\(benchmark.name) uses its published ceiling only" + (parts > 1 ? " (it has \(parts) parts, each with its own ceiling; list the parts as benchmarks to give ceilings)" : ""))
            return nil
        }
        if raw == "compute" {
            let computable = benchmark is FutrellBenchmark
                || ((benchmark as? NeuralBenchmark).map { $0.components[0].spec.regression == NeuralBenchmark.linearPearsonr } ?? false)
            guard computable else { problem(node, context, "brainalign ceiling cannot compute a ceiling for \(benchmark.name) (least-squares benchmarks and Futrell2018-pearsonr only)"); return nil }
            return .compute
        }
        let file = resolve(raw)
        do { _ = try CeilingFile.read(file, for: benchmark.name) } catch {
            problem(node, context, FileManager.default.fileExists(atPath: file) ? "\(error)" : "\(file): no such ceiling file (or use \"published\" or \"compute\")")
            return nil
        }
        return .file(file)
    }

    mutating func readExtraction(_ node: PlanJSONNode?) -> RunPlan.Extraction {
        var extraction = RunPlan.Extraction()
        guard let node, let fields = members(node, "extraction", known: ["device", "dtype", "batch_size", "layers", "window", "max_length", "stride", "python", "extractor"]) else { return extraction }
        if let device = string(fields["device"], "extraction.device") { extraction.device = device }
        if let dtype = string(fields["dtype"], "extraction.dtype") {
            if ["float32", "float16", "bfloat16"].contains(dtype) { extraction.dtype = dtype }
            else { problem(fields["dtype"]!, "extraction.dtype", "'\(dtype)' is not float32, float16 or bfloat16") }
        }
        if let batch = positiveInt(fields["batch_size"], "extraction.batch_size") { extraction.batchSize = batch }
        if let layers = strings(fields["layers"], "extraction.layers") {
            extraction.layers = layers.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        }
        extraction.window = positiveInt(fields["window"], "extraction.window")
        extraction.maxLength = positiveInt(fields["max_length"], "extraction.max_length")
        extraction.stride = positiveInt(fields["stride"], "extraction.stride")
        if let python = string(fields["python"], "extraction.python") { extraction.python = python }
        if let extractor = string(fields["extractor"], "extraction.extractor") { extraction.extractor = resolve(extractor) }
        return extraction
    }

    mutating func readModels(_ node: PlanJSONNode?) -> [RunPlan.Model] {
        guard let node else { problems.append("\(path): plan: no 'models'"); return [] }
        guard case .array(let items) = node.value, !items.isEmpty else { problem(node, "models", "expected a non-empty list"); return [] }
        var models: [(RunPlan.Model, PlanJSONNode)] = []
        var seen: [String: Int] = [:], seenFolder: [String: String] = [:]
        for (i, item) in items.enumerated() {
            let context = "models[\(i)]"
            guard let fields = members(item, context, known: ["name", "model", "revision", "family", "base_model", "instruction_tuned", "parameters", "activations"]) else { continue }
            guard let id = string(fields["model"], "\(context).model") else {
                if fields["model"] == nil { problem(item, context, "no 'model' (a Hugging Face id or a local directory)") }
                continue
            }
            let name = string(fields["name"], "\(context).name") ?? id
            if name.isEmpty { problem(item, context, "empty name"); continue }
            if let first = seen[name] { problem(item, context, "model name '\(name)' is already used on line \(first)"); continue }
            seen[name] = item.line
            var tuned = false
            if let flag = fields["instruction_tuned"] {
                if case .bool(let value) = flag.value { tuned = value } else { problem(flag, "\(context).instruction_tuned", "expected true or false") }
            }
            var parameters: Double?
            if let p = fields["parameters"] {
                if case .number(let value) = p.value, value > 0 { parameters = value } else { problem(p, "\(context).parameters", "expected a positive number") }
            }
            var activations: [String: String] = [:]
            if let given = fields["activations"], let map = members(given, "\(context).activations", known: RunPlan.readouts) {
                for (readout, fileNode) in map {
                    guard let raw = string(fileNode, "\(context).activations.\(readout)") else { continue }
                    let file = resolve(raw)
                    if FileManager.default.fileExists(atPath: file) { activations[readout] = file }
                    else { problem(fileNode, "\(context).activations.\(readout)", "\(file): no such file") }
                }
            }
            // A local directory is resolved against the plan's folder; anything else is a Hub id.
            var isDirectory: ObjCBool = false
            let local = resolve(id)
            let resolvedID = FileManager.default.fileExists(atPath: local, isDirectory: &isDirectory) && isDirectory.boolValue ? local : id
            let model = RunPlan.Model(name: name, id: resolvedID, revision: string(fields["revision"], "\(context).revision"),
                                      family: string(fields["family"], "\(context).family") ?? "",
                                      baseModel: string(fields["base_model"], "\(context).base_model") ?? name,
                                      instructionTuned: tuned, parameters: parameters, activations: activations)
            if let other = seenFolder[model.folder] {
                problem(item, context, "model names '\(other)' and '\(name)' map to the same folder name '\(model.folder)'"); continue
            }
            seenFolder[model.folder] = name
            models.append((model, item))
        }
        for (model, item) in models where model.instructionTuned || model.baseModel != model.name {
            if seen[model.baseModel] == nil {
                problem(item, "models: '\(model.name)'", "its base model '\(model.baseModel)' is not in the plan")
            }
        }
        return models.map(\.0)
    }

    /// tools/extract_activations.py of the repository this binary was built in.
    static func findExtractor(from start: URL?) -> String? {
        if let env = ProcessInfo.processInfo.environment["BRAINALIGN_EXTRACTOR"], FileManager.default.fileExists(atPath: env) { return env }
        var directory = (start ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()).deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent("tools/extract_activations.py").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    static func findExecutable(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
