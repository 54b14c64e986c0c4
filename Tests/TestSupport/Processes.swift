import Foundation

/// What a child process printed and how it ended.
public struct ProcessResult: Sendable {
    /// The exit status, or the number of the signal that killed it.
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs a program to completion, reading stdout and stderr concurrently (reading one pipe
/// after the other can deadlock once the other pipe's buffer fills). Its stdin is
/// /dev/null.
///
/// Started with posix_spawn, closing every other descriptor in the child
/// (`SpawnActions.closeFrom`): Foundation's Process closes the descriptors it saw open
/// when it listed them, so one another test opens in between (an HDF5 file, with its
/// flock) would be inherited and keep that test's file locked.
public func runProcess(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) throws -> ProcessResult {
    let out = try SpawnActions.pipe()
    let err: (read: Int32, write: Int32)
    do { err = try SpawnActions.pipe() } catch { close(out.read); close(out.write); throw error }
    let spawn = SpawnActions.Setup()
    posix_spawn_file_actions_addopen(&spawn.actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&spawn.actions, out.write, 1)
    posix_spawn_file_actions_adddup2(&spawn.actions, err.write, 2)
    do { try SpawnActions.closeFrom(3, in: &spawn.actions) } catch { [out.read, out.write, err.read, err.write].forEach { close($0) }; throw error }
    let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
    defer { envp?.forEach { free($0) } }
    var child: pid_t = 0
    let started = envp.map { list in list.withUnsafeBufferPointer { posix_spawn(&child, executable.path, &spawn.actions, &spawn.attributes, argv, $0.baseAddress) } }
        ?? posix_spawn(&child, executable.path, &spawn.actions, &spawn.attributes, argv, environ)
    close(out.write)
    close(err.write)
    guard started == 0 else {
        close(out.read)
        close(err.read)
        throw NSError(domain: NSPOSIXErrorDomain, code: Int(started), userInfo: [NSLocalizedDescriptionKey: "cannot start \(executable.path)"])
    }
    final class Box: @unchecked Sendable { var data = Data() }
    let errors = Box()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { errors.data = FileHandle(fileDescriptor: err.read, closeOnDealloc: true).readDataToEndOfFile() }
    let output = FileHandle(fileDescriptor: out.read, closeOnDealloc: true).readDataToEndOfFile()
    group.wait()
    var raw: Int32 = 0
    while waitpid(child, &raw, 0) < 0 && errno == EINTR {}
    // The <sys/wait.h> macros, which Swift does not import.
    let status = raw & 0x7f == 0 ? (raw >> 8) & 0xff : raw & 0x7f
    return ProcessResult(status: status, stdout: String(decoding: output, as: UTF8.self), stderr: String(decoding: errors.data, as: UTF8.self))
}

/// posix_spawn helpers shared by `runProcess` and `ChildProcess`.
enum SpawnActions {
    /// The attributes and file actions of one spawn, destroyed with it. The child starts
    /// with every signal at its default action and none blocked, whatever the spawning
    /// test thread has (a runner started in the background ignores SIGINT; a test thread
    /// may block signals); file actions are the caller's to add.
    final class Setup {
        var attributes = posix_spawnattr_t()
        var actions = posix_spawn_file_actions_t()

        init() {
            posix_spawnattr_init(&attributes)
            var all = sigset_t(), none = sigset_t()
            sigfillset(&all)
            sigemptyset(&none)
            posix_spawnattr_setsigdefault(&attributes, &all)
            posix_spawnattr_setsigmask(&attributes, &none)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
            posix_spawn_file_actions_init(&actions)
        }

        deinit {
            posix_spawnattr_destroy(&attributes)
            posix_spawn_file_actions_destroy(&actions)
        }
    }

    /// A pipe whose ends are close-on-exec in this process (the child gets its copies
    /// through dup2, which clears the flag; children spawned here close all others anyway).
    static func pipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard Glibc.pipe(&ends) == 0, fcntl(ends[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(ends[1], F_SETFD, FD_CLOEXEC) == 0 else {
            throw NSError(domain: NSPOSIXErrorDomain, code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "cannot make a pipe"])
        }
        return (ends[0], ends[1])
    }

    /// glibc (2.34+) has `posix_spawn_file_actions_addclosefrom_np`, but Swift's Glibc module
    /// does not declare it; it is looked up by name. It closes in the child, so a descriptor
    /// another thread opens while we spawn is not inherited either (a list from /proc would be).
    static func closeFrom(_ lowest: Int32, in actions: inout posix_spawn_file_actions_t) throws {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            throw NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSYS),
                          userInfo: [NSLocalizedDescriptionKey: "this C library has no posix_spawn_file_actions_addclosefrom_np (glibc 2.34+)"])
        }
        let result = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, lowest)
        guard result == 0 else {
            throw NSError(domain: NSPOSIXErrorDomain, code: Int(result), userInfo: [NSLocalizedDescriptionKey: "cannot ask posix_spawn to close descriptors"])
        }
    }
}
