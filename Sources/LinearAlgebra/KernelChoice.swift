import Foundation

/// Which OpenBLAS CPU kernels this process should run, and why.
///
/// Debian's OpenBLAS (0.3.21) picks its kernels when the library loads, from the CPU model
/// it recognises. A CPU newer than the library is given an older family's kernels: AMD
/// Zen 4 (AVX-512) gets the AVX2 "Haswell" kernels on one machine here and the generic
/// "Prescott" (SSE3) ones on another, GEMM up to several times slower than what the CPU
/// can run (docs/performance.md has the measurements).
/// The choice can only be changed before the library loads, through `OPENBLAS_CORETYPE`,
/// so the command-line tool re-executes itself once with the variable set (see the
/// entry point). A user who sets `OPENBLAS_CORETYPE` themselves is always obeyed.
public enum KernelChoice {
    /// The environment variable OpenBLAS reads at load time.
    public static let variable = "OPENBLAS_CORETYPE"
    /// Set beside it when brainalign chose the value itself (so a report can tell the
    /// user's setting from ours).
    public static let choiceMarker = "BRAINALIGN_CHOSE_CORETYPE"

    /// OpenBLAS kernel families by the widest vector instructions they use: 0 generic
    /// (SSE), 1 AVX/AVX2, 2 AVX-512. Families not listed are left alone.
    static let tiers: [String: Int] = [
        "prescott": 0, "core2": 0, "katmai": 0, "coppermine": 0, "northwood": 0, "banias": 0,
        "atom": 0, "nehalem": 0, "opteron": 0, "barcelona": 0,
        "sandybridge": 1, "haswell": 1, "zen": 1, "bulldozer": 1, "piledriver": 1, "steamroller": 1, "excavator": 1,
        "skylakex": 2, "cooperlake": 2, "sapphirerapids": 2,
    ]

    /// The kernel family to ask for, or nil to keep the library's own choice: only when the
    /// CPU reports the instructions of a wider family than the one the library loaded.
    /// `flags` are /proc/cpuinfo's flag words.
    public static func preferredCore(loaded: String, cpuFlags flags: Set<String>) -> String? {
        guard let loadedTier = tiers[loaded.lowercased()] else { return nil }
        let avx512 = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains)
        let avx2 = ["avx2", "fma"].allSatisfy(flags.contains)
        if avx512 && loadedTier < 2 { return "SkylakeX" }
        if avx2 && loadedTier < 1 { return "Haswell" }
        return nil
    }

    /// The flag words of the first processor in /proc/cpuinfo (empty when unreadable).
    public static func cpuFlags(cpuinfo path: String = "/proc/cpuinfo") -> Set<String> {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }

    /// The kernel to re-execute with, or nil when this process should go on as it is
    /// (the user set the variable, or the loaded kernels are already the right ones).
    public static func upgradeForThisProcess(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if environment[variable] != nil { return nil }
        return preferredCore(loaded: BLASLibrary.coreName, cpuFlags: cpuFlags())
    }
}
