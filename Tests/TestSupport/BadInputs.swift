import Foundation

/// Odd and damaged input files made at test time by `tools/make_bad_inputs.py` (xarray,
/// netCDF4, h5py) into a fresh temporary directory, with xarray's decoded values beside
/// them as NAME.expected.json. Python is a test dependency: `make` throws when it fails,
/// and returns nil only when BRAINALIGN_SKIP_PYTHON=1 asks to skip on purpose.
public final class BadInputs: @unchecked Sendable {
    public let directory: TemporaryDirectory

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static var skipRequested: Bool { ProcessInfo.processInfo.environment["BRAINALIGN_SKIP_PYTHON"] == "1" }

    /// Builds the files of `builders` (see the script's --only; nil = all).
    public static func make(_ builders: [String]? = nil) throws -> BadInputs? {
        if skipRequested { return nil }
        let directory = try TemporaryDirectory()
        let python = ProcessInfo.processInfo.environment["BRAINALIGN_PYTHON"] ?? "python3"
        let script = Fixture.repositoryRoot.appendingPathComponent("tools/make_bad_inputs.py").path
        let only = builders.map { ["--only", $0.joined(separator: ",")] } ?? []
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), [python, script, directory.url.path] + only)
        guard result.status == 0 else {
            throw Failure(description: "tools/make_bad_inputs.py failed (pip install -r tools/requirements.txt, or set BRAINALIGN_SKIP_PYTHON=1):\n\(result.stderr)")
        }
        return BadInputs(directory: directory)
    }

    private init(directory: TemporaryDirectory) { self.directory = directory }

    public func path(_ name: String) -> String { directory.path(name) }

    /// xarray's view of one variable of NAME.nc: dimension names, dtype and flat values (NaN for null).
    public func expected(_ file: String, _ variable: String) throws -> (dims: [String], dtype: String, values: [Double]) {
        let url = URL(fileURLWithPath: path(file.replacingOccurrences(of: ".nc", with: ".expected.json")))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        guard let entry = (json?["variables"] as? [String: Any])?[variable] as? [String: Any] else {
            throw Failure(description: "\(url.path) has no variable \(variable)")
        }
        return (entry["dims"] as? [String] ?? [], entry["dtype"] as? String ?? "", doubles(entry["values"]))
    }
}
