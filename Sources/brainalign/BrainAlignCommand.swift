import ArgumentParser
import Foundation
import LinearAlgebra
import Ranks

@main
struct BrainAlignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "brainalign",
        abstract: "Measure how closely a language model's representations match brain activity.",
        discussion: """
            BrainAlign reads neural recordings and model activations from HDF5/netCDF4 files \
            (the layout Brain-Score and xarray use), and writes results xarray opens with \
            named dimensions. Start with `brainalign inspect FILE` to see what a file holds.
            """,
        version: "0.1.0",
        subcommands: [Score.self, CeilingCommand.self, RunCommand.self, StudyCommand.self, Plot.self, Inspect.self, Bench.self]
    )

    /// Before anything else: when OpenBLAS loaded generic kernels on a CPU that can run
    /// faster ones, run this same command again with `OPENBLAS_CORETYPE` set (the library
    /// reads it only at load time; `KernelChoice` says when and why). The variable being set
    /// in the new process stops any second re-execution; if exec fails we go on as we are.
    static func main() {
        if let core = KernelChoice.upgradeForThisProcess() {
            setenv(KernelChoice.variable, core, 1)
            setenv(KernelChoice.choiceMarker, core, 1)
            execv("/proc/self/exe", CommandLine.unsafeArgv)
        }
        var command: ParsableCommand
        do { command = try parseAsRoot() } catch {
            // Launched as several MPI ranks, every rank parses the same arguments: a usage
            // error (or --help) is said once, by the first rank; the others exit with the
            // same code, silently.
            if Launcher.requestedRanks() != nil && Launcher.launchedRank() != 0 { Foundation.exit(exitCode(for: error).rawValue) }
            exit(withError: error)
        }
        // `--help` and `help` parse to the argument parser's own command, which only
        // prints: rank 0 alone runs it. (Told apart by its module, so a subcommand added
        // later, at any depth, still runs on every rank.)
        let printsHelp = String(reflecting: type(of: command)).hasPrefix("ArgumentParser.")
        if printsHelp && Launcher.requestedRanks() != nil && Launcher.launchedRank() != 0 { Foundation.exit(0) }
        do { try command.run() } catch { exit(withError: error) }
    }
}
