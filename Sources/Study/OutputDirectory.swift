import Foundation
import HDF5

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
                throw StudyError("cannot create directory \(path): \(TextOutput.reason(error))")
            }
            made.append(directory)
        }
        self.path = path
        created = made
    }

    /// Stages `text` as the file `name` inside (`TextOutput`): an existing file of that
    /// name is replaced only with `overwrite`, an input never; nothing appears until the
    /// caller publishes every staged figure together (`publish`).
    public func stage(_ text: String, as name: String, overwrite: Bool, inputs: [String]) throws -> StagedFile {
        let file = URL(fileURLWithPath: path).appendingPathComponent(name).path
        do { return try TextOutput.stage(text, to: file, overwrite: overwrite, inputs: inputs) } catch { throw StudyError("\(error)") }
    }

    /// Stages what `make` produces and publishes it all at once, so a run that fails leaves
    /// no figure of it behind, nor a directory it created; returns the files' paths.
    public func publish(_ make: () throws -> [StagedFile]) throws -> [String] {
        var staged: [StagedFile] = []
        do {
            staged = try make()
            do { try StagedFile.publishAll(staged) } catch { throw StudyError("\(error)") }
            return staged.map(\.destination)
        } catch {
            staged.forEach { $0.discard() }
            discardIfEmpty()
            throw error
        }
    }

    /// After a failure: removes the directories this run created, deepest first, while they
    /// are empty (rmdir refuses a directory that is not, so nothing else can go).
    public func discardIfEmpty() { Self.removeIfEmpty(created) }

    static func removeIfEmpty(_ directories: [String]) {
        for directory in directories.reversed() where rmdir(directory) != 0 { return }
    }

}
