import Foundation
import HDF5
import TestSupport
import Testing

/// "Is this output one of the inputs?" must not depend on how the paths are spelled.
@Suite struct FileIdentityTests {
    let directory: TemporaryDirectory
    let input: String
    init() throws {
        directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path("in"), withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: directory.path("out"), withIntermediateDirectories: false)
        input = directory.path("in/x.nc")
        try "neural data".write(toFile: input, atomically: true, encoding: .utf8)
    }

    /// A relative spelling of an absolute path, from the working directory (which tests
    /// running in parallel must not change): up to "/" with "..", then down.
    func relative(_ absolute: String) -> String {
        let depth = FileManager.default.currentDirectoryPath.split(separator: "/").count
        return String(repeating: "../", count: depth) + absolute.dropFirst()
    }

    @Test func everySpellingOfAnExistingInputMatches() throws {
        try FileManager.default.createSymbolicLink(atPath: directory.path("out/link.nc"), withDestinationPath: input)
        try FileManager.default.createSymbolicLink(atPath: directory.path("alias"), withDestinationPath: directory.path("in"))
        #expect(link(input, directory.path("out/hard.nc")) == 0)
        let spellings = [
            input,
            directory.path("in/../in/x.nc"),
            directory.path("out/../in/./x.nc"),
            directory.path("out/link.nc"),   // a symbolic link to it
            directory.path("alias/x.nc"),    // through a linked directory
            directory.path("out/hard.nc"),   // a hard link: the same file
        ]
        for output in spellings {
            #expect(try FileIdentity.input(among: ["/elsewhere.nc", input], sameAs: output) == input, "\(output)")
        }
        let relativeInput = relative(directory.path("in/../in/x.nc"))
        #expect(try FileIdentity.input(among: [input], sameAs: relative(input)) == input)
        #expect(try FileIdentity.input(among: [relativeInput], sameAs: input) == relativeInput)
    }

    @Test func aNewOutputIsIdentifiedByItsDirectoryAndName() throws {
        let planned = directory.path("out/r.nc")
        try FileManager.default.createSymbolicLink(atPath: directory.path("alias"), withDestinationPath: directory.path("out"))
        #expect(try FileIdentity(path: planned) == FileIdentity(path: directory.path("in/../out/r.nc")))
        #expect(try FileIdentity(path: planned) == FileIdentity(path: directory.path("alias/r.nc")))
        #expect(try FileIdentity(path: planned).pendingName == "r.nc")
        #expect(try FileIdentity(path: planned) != FileIdentity(path: directory.path("out/s.nc")))
        #expect(try FileIdentity.input(among: [input], sameAs: planned) == nil)
        #expect(try FileIdentity(path: relative(planned)) == FileIdentity(path: planned))
    }

    @Test func differentFilesDoNotMatch() throws {
        let other = directory.path("in/y.nc")
        try "neural data".write(toFile: other, atomically: true, encoding: .utf8)  // same content, other file
        #expect(try FileIdentity.input(among: [input, directory.path("missing/z.nc")], sameAs: other) == nil)
    }

    @Test func anOutputInAMissingDirectoryCannotBeIdentified() {
        #expect(throws: HDF5Error.self) { try FileIdentity(path: directory.path("missing/r.nc")) }
    }
}
