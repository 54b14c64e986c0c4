import Encoding

/// The arithmetic a run computes in.
public enum Precision: String, Sendable, CaseIterable {
    /// Single precision: twice the GEMM speed; scores agree with float64 to ~1e-5.
    case float32
    /// Double precision: exact mode (parity tests, bit-for-bit comparisons).
    case float64

    public var scalarSize: Int { self == .float32 ? 4 : 8 }
}

/// The one settings type: which files a run reads and writes and the resources it may
/// use. What is computed (the protocol) comes from the benchmark; every command and every
/// benchmark takes these same settings, so `--memory`, `--precision` and `--threads`
/// mean the same thing everywhere.
public struct RunSettings: Sendable {
    /// Neural data: one file, or one per subject (Wehbe2014).
    public var neuralPaths: [String]
    /// The neural variable (nil: `data`, `__xarray_dataarray_variable__`, or the only one).
    public var neuralVariable: String?
    /// Activations (or surprisal) file; nil for commands that read none (ceilings).
    public var activationsPath: String?
    /// Result file to write.
    public var outputPath: String
    public var overwrite: Bool
    public var precision: Precision
    /// Bytes the whole process may use (see `MemoryPlan`).
    public var memoryBudget: Int
    public var threads: Int
    /// Only these layers (nil: all), in this order.
    public var layers: [String]?
    /// Recorded in the result's provenance.
    public var commandLine: String
    /// A ceiling computed by `brainalign ceiling`, used instead of the published one.
    public var ceilingOverride: CeilingOverride?
    /// The processes this run is spread over (MPI ranks); one unless launched by
    /// mpirun/srun with the MPI build. `memoryBudget` and `threads` are per rank.
    public var ranks: any RankGroup = SingleRank()
    /// Alphas selected in passes of at most this many inner folds (nil: in one pass when
    /// its operators fit the memory budget, else in the fewest passes that fit; see
    /// `LayerLoop.schedule`).
    public var innerFoldsPerPass: Int?

    public init(neuralPaths: [String], neuralVariable: String? = nil, activationsPath: String? = nil, outputPath: String,
                overwrite: Bool = false, precision: Precision = .float32, memoryBudget: Int = 2 << 30, threads: Int = 2,
                layers: [String]? = nil, commandLine: String = "", ceilingOverride: CeilingOverride? = nil) {
        self.neuralPaths = neuralPaths
        self.neuralVariable = neuralVariable
        self.activationsPath = activationsPath
        self.outputPath = outputPath
        self.overwrite = overwrite
        self.precision = precision
        self.memoryBudget = memoryBudget
        self.threads = threads
        self.layers = layers
        self.commandLine = commandLine
        self.ceilingOverride = ceilingOverride
    }

    /// The first (usually only) neural file.
    public var neuralPath: String { neuralPaths.first ?? "" }

    /// The activations file, or an error naming what needs it.
    public func requireActivations() throws -> String {
        guard let activationsPath else { throw ScoringError("this run needs an activations file (--activations)") }
        return activationsPath
    }
}

/// A ceiling value read from a ceiling file, with where it came from.
public struct CeilingOverride: Sendable, Equatable {
    public var value: Double
    public var file: String
    public init(value: Double, file: String) {
        self.value = value
        self.file = file
    }
}
