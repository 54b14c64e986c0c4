import Foundation

/// The checks a result path must pass before anything is written, and the hidden names
/// used beside it. A result is only ever a regular file: a directory, FIFO or device at the
/// destination is refused (never deleted), and an existing file is replaced only when the
/// caller asked for it.
enum OutputPath {
    /// The longest file name (bytes) Linux file systems accept.
    static let nameMax = 255

    /// Everything that can be known before writing: the name is usable, the directory
    /// exists and is writable, and the destination may be written (see `checkDestination`).
    static func checkWritable(_ destination: String, overwrite: Bool) throws {
        let url = URL(fileURLWithPath: destination)
        let name = url.lastPathComponent
        if destination.isEmpty || destination.hasSuffix("/") || name == "." || name == ".." {
            throw HDF5Error(operation: "write", file: destination, reason: "the output must be a file path")
        }
        if name.utf8.count > nameMax {
            throw HDF5Error(operation: "write", file: destination, reason: "the file name is \(name.utf8.count) bytes long; file systems allow \(nameMax)")
        }
        try checkDirectory(of: destination)
        try checkDestination(destination, overwrite: overwrite)
    }

    /// The directory the file goes into must exist, be a directory, and be writable.
    static func checkDirectory(of destination: String) throws {
        let directory = parentDirectory(of: destination)
        let shown = directory.hasSuffix("/") ? directory : directory + "/"
        let status: FileStatus?
        do { status = try FileStatus.of(directory) } catch {
            throw HDF5Error(operation: "write", file: destination, reason: "cannot look at directory '\(shown)': \(error)")
        }
        guard let status else {
            throw HDF5Error(operation: "write", file: destination, reason: "directory '\(shown)' does not exist")
        }
        guard status.kind == .directory else {
            throw HDF5Error(operation: "write", file: destination, reason: "'\(directory)' is \(status.kind.phrase), not a directory")
        }
        // Creating and renaming entries needs write and search permission on the directory.
        guard access(directory, W_OK | X_OK) == 0 else {
            throw HDF5Error(operation: "write", file: destination, reason: "directory '\(shown)' is not writable (\(SystemError.last))")
        }
    }

    /// Refuses a destination that is (or points at) a directory or a special file, a file
    /// this process has open for reading, and an existing file unless `overwrite` (saying
    /// `existing`). A symbolic link counts as
    /// existing; replacing it replaces the link, never the file it points at.
    static func checkDestination(_ destination: String, overwrite: Bool, existing: String = existingFile) throws {
        let entry: FileStatus?
        let target: FileStatus?
        do {
            entry = try FileStatus.of(destination, followingLinks: false)
            target = entry?.kind == .symbolicLink ? try FileStatus.of(destination) : entry
        } catch {
            throw HDF5Error(operation: "write", file: destination, reason: "cannot look at the existing entry: \(error)")
        }
        guard entry != nil else { return }
        if let input = OpenInputs.input(sameAs: destination) {
            let spelled = input == destination ? "" : " ('\(input)')"
            throw HDF5Error(operation: "write", file: destination, reason: "it is one of this run's inputs\(spelled); a result never replaces an input")
        }
        if let target, target.kind != .regular {
            let through = entry?.kind == .symbolicLink ? "it is a symbolic link to " : "it is "
            let rule = target.kind == .directory ? "the output must be a file path" : "only a regular file can be replaced"
            throw HDF5Error(operation: "write", file: destination, reason: through + target.kind.phrase + "; " + rule)
        }
        if !overwrite {
            throw HDF5Error(operation: "write", file: destination, reason: existing)
        }
    }

    static let existingFile = "the file already exists; not replaced (use --overwrite)"
    /// For a destination that was checked before writing began.
    static let appearedFile = "it appeared while this run was writing; not replaced (use --overwrite)"

    /// The directory part of a path ("." for a bare name).
    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// A hidden name beside `destination`, e.g. `.R.nc.partial-1234`, in the same directory
    /// so that renaming it into place is atomic. Long names are shortened so the result
    /// stays within `nameMax` bytes: a prefix of the name (cut at a character boundary) and
    /// a hash of the whole name, which keeps different long names apart.
    static func hiddenSibling(of destination: String, tag: String, process: Int32 = ProcessInfo.processInfo.processIdentifier) -> String {
        let directory = parentDirectory(of: destination)
        let name = URL(fileURLWithPath: destination).lastPathComponent
        let suffix = ".\(tag)-\(process)"
        let room = nameMax - 1 - suffix.utf8.count
        var stem = name
        if name.utf8.count > room {
            let hash = "~" + String(fnv1a(name), radix: 16)
            var prefix = ""
            for character in name {
                if prefix.utf8.count + character.utf8.count + hash.utf8.count > room { break }
                prefix.append(character)
            }
            stem = prefix + hash
        }
        let hidden = "." + stem + suffix
        return directory == "." && !destination.hasPrefix("./") ? hidden : (directory == "/" ? "/" : directory + "/") + hidden
    }

    /// 32-bit FNV-1a: a short, stable hash (not a security measure).
    private static func fnv1a(_ text: String) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return hash
    }
}
