import ArgumentParser
import Foundation
import Scoring

// Options several commands share, declared once (`@OptionGroup`), so their names, help
// and validation are the same everywhere.

/// --memory and --threads: the resources of a run.
struct ComputeOptions: ParsableArguments {
    @Option(parsing: .unconditional,
            help: ArgumentHelp("Memory budget for the whole process (per rank in an MPI run), e.g. 2GB or 256MB (a positive size; default 2GB).", valueName: "size"), transform: ByteSize.parse)
    var memory = ByteSize(bytes: 2 << 30)

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Worker threads for BLAS and chunk parallelism (1-\(ThreadCount.limit); default: the cores; per rank in an MPI run, see docs/scale-out.md for binding).", valueName: "n"), transform: ThreadCount.parse)
    var threads = ThreadCount(ProcessInfo.processInfo.activeProcessorCount)
}

/// --precision.
struct PrecisionOption: ParsableArguments {
    @Option(help: ArgumentHelp("float32 (fast; scores agree with float64 to ~1e-5) or float64 (exact).", valueName: "float32|float64"))
    var precision: Precision = .float32
}

/// -o/--output and --overwrite.
struct OutputOptions: ParsableArguments {
    @Option(name: [.short, .long], help: ArgumentHelp("Result file to write (netCDF4; default per command). It appears only when the run completes.", valueName: "file"))
    var output: String?

    @Flag(help: "Replace the output file if it exists (never a directory, never an input).")
    var overwrite = false
}

/// --json and --quiet.
struct ReportOptions: ParsableArguments {
    @Flag(help: "Print the summary as JSON on stdout.")
    var json = false

    @Flag(help: "No progress output on stderr (warnings are still printed).")
    var quiet = false
}

/// The command line as typed, for provenance.
var commandLineText: String { CommandLine.arguments.joined(separator: " ") }
