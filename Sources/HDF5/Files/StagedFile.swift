import CProcessGuard
import Foundation

/// A complete file waiting under a hidden temporary name beside its destination, to be
/// renamed into place by `publish()` or, together with other parts of one result, by
/// `StagedFile.publishAll`. `NetCDFWriter.close()` makes one.
///
/// What is guaranteed:
/// - A destination is only ever a whole file: the rename is atomic (same directory).
/// - A directory, FIFO, socket or device at a destination is refused, never removed, and
///   so is a file this process has open for reading (an input); an existing file is
///   replaced only with `overwrite` (a symbolic link is replaced as a
///   link: the file it points at is left alone). Nothing is ever removed recursively.
/// - Without `overwrite`, a file that appeared at the destination while the run was
///   writing is not replaced (`renameat2(RENAME_NOREPLACE)`, or link-then-unlink).
/// - `publishAll` checks every destination before renaming any. If a rename still fails,
///   the parts already renamed are undone (new files removed, replaced files put back from
///   a hard link made just before replacing them), every temporary file is deleted, and
///   the error names the file and what could not be undone, if anything.
/// - SIGINT/SIGTERM/SIGHUP during `publishAll` are held until it returns, so an interrupt
///   never leaves only some parts published. SIGKILL or a power cut in the middle of the
///   renames (microseconds) can: parts are separate files, and no file system renames
///   several files as one.
/// A staged file released without `publish()` or `discard()` deletes its temporary file.
public final class StagedFile: @unchecked Sendable {
    /// The hidden file holding the complete content.
    public let temporaryPath: String
    /// Where `publish()` puts it.
    public let destination: String
    /// Whether an existing regular file at `destination` may be replaced.
    public let overwrite: Bool

    private enum State { case staged, published, discarded }
    private let lock = NSLock()
    private var state = State.staged
    private let registration: TemporaryFiles.Registration?

    init(temporaryPath: String, destination: String, overwrite: Bool, registration: TemporaryFiles.Registration?) {
        self.temporaryPath = temporaryPath
        self.destination = destination
        self.overwrite = overwrite
        self.registration = registration
    }

    deinit { discard() }

    /// True until published or discarded.
    public var isStaged: Bool { lock.withLock { state == .staged } }

    /// Renames this file into place (the one-file case of `publishAll`). Returns the destination.
    @discardableResult
    public func publish() throws -> String {
        try Self.publishAll([self])
        return destination
    }

    /// Deletes the temporary file; the destination is not touched. Idempotent.
    public func discard() {
        let wasStaged = lock.withLock {
            defer { if state == .staged { state = .discarded } }
            return state == .staged
        }
        guard wasStaged else { return }
        unlink(temporaryPath)
        registration?.release()
    }

    private func markPublished() {
        lock.withLock { state = .published }
        registration?.release()
    }

    /// Publishes several files as one result: all of them, or (on failure) none of them
    /// with every destination as it was, as far as described in the type's documentation.
    /// On any failure all temporary files are deleted.
    public static func publishAll(_ files: [StagedFile]) throws {
        do {
            try checkAll(files)
        } catch {
            files.forEach { $0.discard() }
            throw error
        }
        pg_begin_deferring()
        defer { pg_end_deferring() }
        var done: [Renamed] = []
        for file in files {
            do {
                done.append(try file.move())
            } catch {
                let unresolved = done.reversed().compactMap { $0.undo() }
                files.forEach { $0.discard() }
                var failure = error as? HDF5Error ?? HDF5Error(operation: "publish", file: file.destination, reason: "\(error)")
                if !done.isEmpty {
                    failure.reason = (failure.reason ?? "") + (unresolved.isEmpty
                        ? "; the \(done.count) part(s) already published were taken back"
                        : "; could not take back: " + unresolved.joined(separator: "; "))
                }
                throw failure
            }
        }
        for renamed in done { renamed.commit() }
    }

    /// Every file still staged, destinations distinct and all writable: before any rename.
    private static func checkAll(_ files: [StagedFile]) throws {
        var seen: [FileIdentity: String] = [:]
        for file in files {
            guard file.isStaged else {
                throw HDF5Error(operation: "publish", file: file.destination, reason: "this staged file was already published or discarded")
            }
            // NetCDFWriter checked the destination before writing: anything there is new.
            try OutputPath.checkDestination(file.destination, overwrite: file.overwrite, existing: OutputPath.appearedFile)
            let identity = try FileIdentity(path: file.destination)
            if let other = seen[identity] {
                throw HDF5Error(operation: "publish", file: file.destination, reason: "it is the same file as '\(other)', another part of this result")
            }
            seen[identity] = file.destination
        }
    }

    /// One rename done by `publishAll`, with what is needed to undo it.
    private struct Renamed {
        let file: StagedFile
        /// A hard link to the file that was replaced, if one was.
        let backup: String?
        let replaced: Bool
        /// The published file, to recognise it when undoing.
        let identity: FileStatus?

        /// Puts the destination back; returns a description of what could not be undone.
        func undo() -> String? {
            if let backup {
                if Glibc.rename(backup, file.destination) == 0 { return nil }
                return "'\(file.destination)' was replaced; the previous file is at '\(backup)' (\(SystemError.last))"
            }
            if replaced { return "'\(file.destination)' was replaced and its previous content could not be kept" }
            // Remove only what we put there.
            if let now = try? FileStatus.of(file.destination, followingLinks: false), let identity,
               now.device == identity.device, now.inode == identity.inode {
                if unlink(file.destination) == 0 { return nil }
            }
            return "'\(file.destination)' stays published"
        }

        func commit() {
            if let backup { unlink(backup) }
            file.markPublished()
        }
    }

    /// Renames the temporary file onto the destination.
    private func move() throws -> Renamed {
        let identity = try? FileStatus.of(temporaryPath)
        guard identity != nil else {
            throw HDF5Error(operation: "publish", file: destination, reason: "the finished file '\(temporaryPath)' has disappeared")
        }
        if !overwrite {
            try Self.renameWithoutReplacing(temporaryPath, destination)
            return Renamed(file: self, backup: nil, replaced: false, identity: identity)
        }
        let existing = try? FileStatus.of(destination, followingLinks: false)
        let backup = existing == nil ? nil : Self.linkBackup(of: destination)
        if Glibc.rename(temporaryPath, destination) != 0 {
            let error = SystemError.last
            if let backup { unlink(backup) }
            throw HDF5Error(operation: "publish", file: destination, reason: error.code == EISDIR || error.code == ENOTEMPTY
                ? "it became a directory while this run was writing; the output must be a file path"
                : "cannot rename '\(temporaryPath)' into place: \(error)")
        }
        return Renamed(file: self, backup: backup, replaced: existing != nil, identity: identity)
    }

    /// `rename` that never replaces: RENAME_NOREPLACE where the file system has it, else a
    /// hard link (which also fails on an existing name) and unlink of the temporary name.
    private static func renameWithoutReplacing(_ from: String, _ to: String) throws {
        let appeared = HDF5Error(operation: "write", file: to, reason: OutputPath.appearedFile)
        let result = pg_rename_noreplace(from, to)
        if result == 0 { return }
        if result == EEXIST { throw appeared }
        guard result == EINVAL || result == ENOSYS || result == EOPNOTSUPP else {
            throw HDF5Error(operation: "publish", file: to, reason: "cannot rename '\(from)' into place: \(SystemError(code: result))")
        }
        if link(from, to) == 0 {
            unlink(from)
            return
        }
        let error = SystemError.last
        if error.code == EEXIST { throw appeared }
        throw HDF5Error(operation: "publish", file: to, reason: "this file system can neither rename without replacing nor make hard links (\(error)), so an existing file cannot be protected; not published (--overwrite publishes with a plain rename)")
    }

    /// A hard link to the file about to be replaced, so a failed `publishAll` can put it
    /// back; nil where hard links are not possible.
    private static func linkBackup(of destination: String) -> String? {
        let base = OutputPath.hiddenSibling(of: destination, tag: "previous")
        for attempt in 0..<4 {
            let candidate = attempt == 0 ? base : base + ".\(attempt)"
            if link(destination, candidate) == 0 { return candidate }
            if errno != EEXIST { return nil }
        }
        return nil
    }
}
