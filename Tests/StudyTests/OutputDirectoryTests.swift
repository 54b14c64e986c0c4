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
        let figure = try kept.publish { [try kept.stage("<svg/>", as: "f.svg", overwrite: false, inputs: [])] }[0]
        kept.discardIfEmpty()
        #expect(FileManager.default.fileExists(atPath: figure))

        let user = try OutputDirectory(existing)
        #expect(user.created.isEmpty)
        user.discardIfEmpty()
        #expect(FileManager.default.fileExists(atPath: existing))
    }

    /// Figures appear together or not at all: an existing figure is kept without
    /// `overwrite`, an input is never replaced, and a refusal leaves nothing new behind.
    @Test func figuresAreStagedAndPublishedTogether() throws {
        let directory = try OutputDirectory(temporary.path("figures"))
        _ = try directory.publish { [try directory.stage("<svg>old</svg>", as: "b.svg", overwrite: false, inputs: [])] }
        let refused = message {
            _ = try directory.publish {
                [try directory.stage("<svg>a</svg>", as: "a.svg", overwrite: false, inputs: []),
                 try directory.stage("<svg>new</svg>", as: "b.svg", overwrite: false, inputs: [])]
            }
        }
        #expect(refused.contains("b.svg") && refused.contains("already exists"), "\(refused)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["b.svg"], "no a.svg, no hidden file")
        #expect(try String(contentsOfFile: directory.path + "/b.svg", encoding: .utf8) == "<svg>old</svg>")
        let input = directory.path + "/b.svg"
        let asInput = message { _ = try directory.stage("<svg/>", as: "b.svg", overwrite: true, inputs: [temporary.path("figures/../figures/b.svg")]) }
        #expect(asInput.contains("one of this run's inputs"), "\(asInput)")
        let replaced = try directory.publish { [try directory.stage("<svg>new</svg>", as: "b.svg", overwrite: true, inputs: [])] }
        #expect(replaced == [input])
        #expect(try String(contentsOfFile: input, encoding: .utf8) == "<svg>new</svg>")
    }
}
