import Foundation

/// The directory figures are written to, checked (and created) before anything goes in, so
/// a bad `--figures`/`--output` fails with one line naming it instead of a Foundation error
/// dump. It remembers which directories it created so that a failed run can take them away
/// again when they are still empty; it never removes anything it did not create.
public struct OutputDirectory: Sendable {
    public let path: String
    /// Directories this run created, outermost first.
    public let created: [String]

    public init(_ path: String) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw StudyError("\(path): exists and is not a directory") }
            guard manager.isWritableFile(atPath: path) else { throw StudyError("\(path): the directory is not writable") }
            self.path = path
            created = []
            return
        }
        // The closest existing ancestor must be a directory we may write in.
        var missing: [String] = [], ancestor = URL(fileURLWithPath: path).standardizedFileURL
        while !manager.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) {
            missing.insert(ancestor.path, at: 0)
            ancestor = ancestor.deletingLastPathComponent()
        }
        guard isDirectory.boolValue else { throw StudyError("cannot create directory \(path): \(ancestor.path) is not a directory") }
        guard manager.isWritableFile(atPath: ancestor.path) else { throw StudyError("cannot create directory \(path): \(ancestor.path) is not writable") }
        var made: [String] = []
        for directory in missing {
            do {
                try manager.createDirectory(atPath: directory, withIntermediateDirectories: false)
            } catch {
                Self.removeIfEmpty(made)
                throw StudyError("cannot create directory \(path): \(Self.reason(error))")
            }
            made.append(directory)
        }
        self.path = path
        created = made
    }

    /// Writes `text` to the file `name` inside, atomically (a temporary file renamed into
    /// place, so a failure never leaves half a figure); returns its path.
    public func write(_ text: String, to name: String) throws -> String {
        let file = URL(fileURLWithPath: path).appendingPathComponent(name).path
        do {
            try text.write(toFile: file, atomically: true, encoding: .utf8)
        } catch {
            throw StudyError("cannot write \(file): \(Self.reason(error))")
        }
        return file
    }

    /// After a failure: removes the directories this run created, deepest first, while they
    /// are empty (rmdir refuses a directory that is not, so nothing else can go).
    public func discardIfEmpty() { Self.removeIfEmpty(created) }

    static func removeIfEmpty(_ directories: [String]) {
        for directory in directories.reversed() where rmdir(directory) != 0 { return }
    }

    /// The operating system's reason, one line ("Permission denied"), not Foundation's dump.
    static func reason(_ error: Error) -> String {
        let error = error as NSError
        for candidate in [error.userInfo[NSUnderlyingErrorKey] as? NSError, error].compactMap({ $0 }) where candidate.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(candidate.code)))
        }
        return error.localizedDescription.split(separator: "\n").first.map(String.init) ?? "\(error.domain) \(error.code)"
    }
}
