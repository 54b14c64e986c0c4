import Foundation

/// A small text output (a CSV table, an SVG figure) under the rules of a result file: it
/// never replaces one of the run's inputs, an existing file only with `overwrite`, never a
/// directory or a special file; it appears whole (staged under a hidden name, renamed into
/// place by `StagedFile.publish`/`publishAll`) or not at all.
public enum TextOutput {
    /// Everything that can be known before any work: the name is usable, the directory
    /// exists and is writable, the destination may be written, and it is none of `inputs`
    /// (any spelling: `FileIdentity`).
    public static func check(_ destination: String, overwrite: Bool, inputs: [String] = []) throws {
        try OutputPath.checkWritable(destination, overwrite: overwrite)
        if let input = try FileIdentity.input(among: inputs, sameAs: destination) {
            let spelled = input == destination ? "" : " ('\(input)')"
            throw HDF5Error(operation: "write", file: destination, reason: "it is one of this run's inputs\(spelled); an output never replaces an input")
        }
    }

    /// Checks `destination` and writes `text` beside it under a hidden name (removed on
    /// SIGINT/SIGTERM/SIGHUP, or when the staged file is dropped unpublished).
    public static func stage(_ text: String, to destination: String, overwrite: Bool, inputs: [String] = []) throws -> StagedFile {
        try check(destination, overwrite: overwrite, inputs: inputs)
        let temporary = OutputPath.hiddenSibling(of: destination, tag: "partial")
        let registration = try TemporaryFiles.register(temporary)
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary), options: .withoutOverwriting)
        } catch {
            unlink(temporary)
            registration.release()
            throw HDF5Error(operation: "write", file: destination, reason: Self.reason(error))
        }
        return StagedFile(temporaryPath: temporary, destination: destination, overwrite: overwrite, registration: registration)
    }

    /// The operating system's reason for a Foundation file error, in one line ("Permission
    /// denied", "No space left on device"), not Foundation's dump.
    public static func reason(_ error: Error) -> String {
        let error = error as NSError
        for candidate in [error.userInfo[NSUnderlyingErrorKey] as? NSError, error].compactMap({ $0 }) where candidate.domain == NSPOSIXErrorDomain {
            return SystemError(code: Int32(candidate.code)).description
        }
        return error.localizedDescription.split(separator: "\n").first.map(String.init) ?? "\(error.domain) \(error.code)"
    }
}
