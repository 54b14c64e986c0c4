import Foundation
import Scoring

/// What launched this process, read from the environment MPI launchers set.
public enum Launcher {
    /// The variables that say how many ranks a launcher started (Open MPI's mpirun,
    /// MPICH/Intel hydra and PMI-1/2, SLURM's srun for the current job step).
    static let sizeVariables = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "SLURM_STEP_NUM_TASKS"]
    static let rankVariables = ["OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID"]

    /// The rank count a launcher asked for, with the variable that said so (nil: none, or 1).
    public static func requestedRanks(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> (count: Int, variable: String)? {
        for name in sizeVariables {
            if let value = environment[name].flatMap({ Int($0) }), value > 1 { return (value, name) }
        }
        return nil
    }

    /// This process's rank as the launcher numbered it (0 when not launched).
    public static func launchedRank(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        rankVariables.lazy.compactMap { environment[$0].flatMap { Int($0) } }.first ?? 0
    }

    /// The message for a serial build started as several ranks: each would compute and
    /// write the whole result on its own.
    static func serialBuildMessage(count: Int, variable: String) -> String {
        "this brainalign is the serial build, but it was launched as one of \(count) MPI ranks (\(variable)=\(count)): "
            + "every rank would score everything and race for the same output. Run it without mpirun/srun, "
            + "or build the MPI flavour with `swift build -c release --traits MPI` (needs libopenmpi-dev and libhdf5-openmpi-dev; see docs/scale-out.md)"
    }
}

/// The binding trap: a launcher that pins each rank to fewer cores than it runs threads.
public enum CoreBinding {
    /// How many CPUs this process may run on (its affinity, as Linux reports it in
    /// /proc/self/status `Cpus_allowed_list`, e.g. `0-3,8`), or nil if unknown.
    public static func allowedCPUs(status: String? = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) -> Int? {
        guard let line = status?.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return nil }
        var count = 0
        for range in line.dropFirst("Cpus_allowed_list:".count).split(separator: ",") {
            let bounds = range.trimmingCharacters(in: .whitespaces).split(separator: "-").compactMap { Int($0) }
            guard let first = bounds.first, let last = bounds.last, last >= first, bounds.count <= 2 else { return nil }
            count += last - first + 1
        }
        return count > 0 ? count : nil
    }

    /// A warning when `threads` workers would share fewer cores, nil otherwise.
    public static func warning(threads: Int, allowed: Int? = allowedCPUs()) -> String? {
        guard let allowed, allowed < threads else { return nil }
        return "this rank may run on \(allowed) core\(allowed == 1 ? "" : "s") (the launcher bound it) but --threads is \(threads): its threads share \(allowed == 1 ? "that core" : "those cores"). "
            + "Unbind (mpirun --bind-to none, srun --cpu-bind=none) or bind each rank to --threads cores (mpirun --map-by node:PE=\(threads), srun --cpus-per-task=\(threads)); see docs/scale-out.md"
    }
}
