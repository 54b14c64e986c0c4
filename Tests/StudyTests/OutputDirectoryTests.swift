import Foundation
import Study
import TestSupport
import Testing

/// The figure directory: one-line errors, and a failed run removes only the empty
/// directories it created itself.
@Suite struct OutputDirectoryTests {
    let temporary: TemporaryDirectory
    init() throws { temporary = try TemporaryDirectory() }

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    @Test func badDirectoriesAreOneLineErrors() throws {
        let file = temporary.path("file")
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(message { _ = try OutputDirectory(file) } == "\(file): exists and is not a directory")
        #expect(message { _ = try OutputDirectory(file + "/sub/figures") } == "cannot create directory \(file)/sub/figures: \(file) is not a directory")
        // /proc refuses new entries even to root (a chmod 555 directory would not).
        #expect(message { _ = try OutputDirectory("/proc/self") } == "/proc/self: the directory is not writable")
        #expect(message { _ = try OutputDirectory("/proc/self/figures") } == "cannot create directory /proc/self/figures: /proc/self is not writable")
    }

    @Test func discardRemovesOnlyEmptyDirectoriesItCreated() throws {
        let existing = temporary.path("existing")
        try FileManager.default.createDirectory(atPath: existing, withIntermediateDirectories: true)
        let nested = try OutputDirectory(existing + "/a/b")
        #expect(nested.created.map { URL(fileURLWithPath: $0).lastPathComponent } == ["a", "b"])
        nested.discardIfEmpty()
        #expect(!FileManager.default.fileExists(atPath: existing + "/a"))
        #expect(FileManager.default.fileExists(atPath: existing))

        let kept = try OutputDirectory(existing + "/c")
        let figure = try kept.write("<svg/>", to: "f.svg")
        kept.discardIfEmpty()
        #expect(FileManager.default.fileExists(atPath: figure))

        let user = try OutputDirectory(existing)
        #expect(user.created.isEmpty)
        user.discardIfEmpty()
        #expect(FileManager.default.fileExists(atPath: existing))
    }
}
