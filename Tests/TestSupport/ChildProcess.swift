import Foundation

/// A child process to send signals to. Started with posix_spawn and every signal reset to
/// its default action: Foundation's `Process` passes on ignored signals, so a test runner
/// started in the background (where the shell ignores SIGINT) would otherwise test nothing.
/// Its stderr goes to a file, read after it ends; it inherits no other descriptor.
public final class ChildProcess {
    public let pid: pid_t
    private let stderrPath: String
    private var status: Int32?

    /// How the child ended: its exit status, or the signal that killed it.
    public enum Ending: Equatable, Sendable, CustomStringConvertible {
        case exited(Int32)
        case killed(Int32)
        case stillRunning

        public var description: String {
            switch self {
            case .exited(let code): "exited with status \(code)"
            case .killed(let signal): "killed by signal \(signal)"
            case .stillRunning: "still running"
            }
        }
    }

    public init(_ executable: URL, _ arguments: [String], stderrPath: String) throws {
        self.stderrPath = stderrPath
        let spawn = SpawnActions.Setup()
        posix_spawn_file_actions_addopen(&spawn.actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&spawn.actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Nothing else is inherited. HDF5 holds a flock on the files it opens (their
        // descriptors close-on-exec only once the engine has marked them): a child that inherited the descriptor of a file another test was
        // writing kept its lock after that test closed it, and the test's reopening failed
        // with "unable to lock file, errno = 11" (a red CI run).
        try SpawnActions.closeFrom(3, in: &spawn.actions)
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable.path, &spawn.actions, &spawn.attributes, argv, environ)
        guard result == 0 else {
            throw NSError(domain: NSPOSIXErrorDomain, code: Int(result), userInfo: [NSLocalizedDescriptionKey: "cannot start \(executable.path)"])
        }
        pid = child
    }

    public func send(_ signal: Int32) { kill(pid, signal) }

    /// Waits up to `seconds` for the child to end (it is killed with SIGKILL after that).
    public func wait(seconds: Double) -> Ending {
        let deadline = Date().addingTimeInterval(seconds)
        while status == nil {
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid { status = raw; break }
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &raw, 0)
                status = raw
                return .stillRunning
            }
            usleep(10_000)
        }
        return Self.ending(status!)
    }

    /// True while the child has not ended (reaps it if it has).
    public var isRunning: Bool {
        if status != nil { return false }
        var raw: Int32 = 0
        if waitpid(pid, &raw, WNOHANG) == pid { status = raw; return false }
        return true
    }

    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    private static func ending(_ raw: Int32) -> Ending {
        // The <sys/wait.h> macros, which Swift does not import.
        let signal = raw & 0x7f
        return signal == 0 ? .exited((raw >> 8) & 0xff) : .killed(signal)
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            waitpid(pid, &raw, 0)
        }
    }
}
