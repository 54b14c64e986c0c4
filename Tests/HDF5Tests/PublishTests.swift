import CProcessGuard
import Foundation
import HDF5
import TestSupport
import Testing

/// Results appear whole or not at all, and publishing never destroys anything that is not
/// a result file the caller asked to replace.
@Suite struct PublishTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory() }

    /// A small complete file under construction.
    func writer(_ path: String, overwrite: Bool = false) throws -> NetCDFWriter {
        let writer = try NetCDFWriter(path: path, overwrite: overwrite)
        try writer.defineDimension("x", values: .int64([1, 2, 3]))
        return writer
    }

    func failure(_ body: () throws -> Void) -> HDF5Error? {
        do { try body() } catch let error as HDF5Error { return error } catch { Issue.record("unexpected error type: \(error)") }
        Issue.record("expected an HDF5Error")
        return nil
    }

    func contents(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    /// Names in the test directory other than `expected`: leftovers such as `.x.partial-PID`.
    func leftovers(besides expected: Set<String>) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.url.path).filter { !expected.contains($0) }.sorted()
    }

    @Test func overwriteNeverDeletesADirectory() throws {
        let path = directory.path("results.nc")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        try "keep me".write(toFile: path + "/inside.txt", atomically: true, encoding: .utf8)
        let refused = failure { _ = try NetCDFWriter(path: path, overwrite: true) }
        #expect(refused?.reason == "it is a directory; the output must be a file path")
        #expect(contents(path + "/inside.txt") == "keep me")

        // A directory that appears while the run writes is refused at publish time too.
        let other = directory.path("later.nc")
        let late = try writer(other, overwrite: true)
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: false)
        try "keep me too".write(toFile: other + "/inside.txt", atomically: true, encoding: .utf8)
        let lateRefusal = failure { try late.finish() }
        #expect(lateRefusal?.reason?.contains("directory") == true)
        #expect(contents(other + "/inside.txt") == "keep me too")
        #expect(try leftovers(besides: ["results.nc", "later.nc"]).isEmpty, "the temporary file is removed")
    }

    @Test func aResultNeverReplacesAnOpenInput() throws {
        let input = directory.path("neural.nc")
        try writer(input).finish()
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        do {
            let reading = try NetCDFFile.open(input)
            let otherSpelling = directory.url.path + "/../" + directory.url.lastPathComponent + "/neural.nc"
            let refused = failure { _ = try NetCDFWriter(path: otherSpelling, overwrite: true) }
            #expect(refused?.reason == "it is one of this run's inputs ('\(input)'); a result never replaces an input")
            // Also when the input is opened after the writer started.
            let late = try writer(directory.path("later.nc"), overwrite: true)
            try FileManager.default.copyItem(atPath: input, toPath: directory.path("later.nc"))
            let alsoReading = try NetCDFFile.open(directory.path("later.nc"))
            #expect(failure { try late.finish() }?.reason?.contains("one of this run's inputs") == true)
            #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
            #expect(try Data(contentsOf: URL(fileURLWithPath: directory.path("later.nc"))) == before)
            withExtendedLifetime((reading, alsoReading)) {}
        }
        // Once the input is closed it is an ordinary file again.
        try writer(directory.path("later.nc"), overwrite: true).finish()
    }

    @Test func specialFilesAndLinksToDirectoriesAreRefused() throws {
        let fifo = directory.path("pipe.nc")
        #expect(mkfifo(fifo, 0o644) == 0)
        let refused = failure { _ = try NetCDFWriter(path: fifo, overwrite: true) }
        #expect(refused?.reason == "it is a FIFO (named pipe); only a regular file can be replaced")
        let link = directory.path("link.nc")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: directory.url.path)
        let throughLink = failure { _ = try NetCDFWriter(path: link, overwrite: true) }
        #expect(throughLink?.reason == "it is a symbolic link to a directory; the output must be a file path")
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: directory.url.path, isDirectory: &isDirectory) && isDirectory.boolValue)
    }

    @Test func overwritingALinkReplacesTheLinkNotItsTarget() throws {
        let target = directory.path("target.nc"), link = directory.path("link.nc")
        try "original".write(toFile: target, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(failure { _ = try NetCDFWriter(path: link) }?.reason?.contains("already exists") == true)
        try writer(link, overwrite: true).finish()
        #expect(contents(target) == "original")
        #expect(try NetCDFFile.open(link).dimensions.map(\.name) == ["x"])
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == nil, "the link itself was replaced")
    }

    @Test func aFileThatAppearedMeanwhileIsNotReplaced() throws {
        let path = directory.path("race.nc")
        let mine = try writer(path)
        try "the other run's result".write(toFile: path, atomically: true, encoding: .utf8)
        let refused = failure { try mine.finish() }
        #expect(refused?.description == "cannot write '\(path)': it appeared while this run was writing; not replaced (use --overwrite)")
        #expect(contents(path) == "the other run's result")
        #expect(try leftovers(besides: ["race.nc"]).isEmpty)
    }

    /// The primitive behind the check above when the file appears after the last check:
    /// the kernel refuses the rename instead of replacing.
    @Test func renameWithoutReplacingRefusesAnExistingFile() throws {
        let from = directory.path("from"), to = directory.path("to")
        try "new".write(toFile: from, atomically: true, encoding: .utf8)
        try "existing".write(toFile: to, atomically: true, encoding: .utf8)
        #expect(pg_rename_noreplace(from, to) == EEXIST)
        #expect(contents(to) == "existing" && contents(from) == "new")
        unlink(to)
        #expect(pg_rename_noreplace(from, to) == 0)
        #expect(contents(to) == "new" && !FileManager.default.fileExists(atPath: from))
    }

    @Test func existingFileWithoutOverwriteSaysHowToReplaceIt() throws {
        let path = directory.path("exists.nc")
        try "x".write(toFile: path, atomically: true, encoding: .utf8)
        let refused = failure { _ = try NetCDFWriter(path: path) }
        #expect(refused?.reason == "the file already exists; not replaced (use --overwrite)")
    }

    @Test func missingOrUnusableDirectoryIsOneLineUpFront() throws {
        let path = directory.path("nope/R.nc")
        let missing = failure { _ = try NetCDFWriter(path: path) }
        #expect(missing?.description == "cannot write '\(path)': directory '\(directory.path("nope"))/' does not exist")
        let file = directory.path("plain.txt")
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let notDirectory = failure { _ = try NetCDFWriter(path: file + "/R.nc") }
        #expect(notDirectory?.reason == "'\(file)' is a regular file, not a directory")
        if getuid() == 0 {
            print("PublishTests: running as root, which may write anywhere: the read-only directory case is not checked")
        } else {
            let locked = directory.path("locked")
            try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
            chmod(locked, 0o500)
            defer { chmod(locked, 0o700) }
            let refused = failure { _ = try NetCDFWriter(path: locked + "/R.nc") }
            #expect(refused?.reason?.hasPrefix("directory '\(locked)/' is not writable") == true)
        }
    }

    @Test func longLegalNamesGetAShortTemporaryName() throws {
        let name = String(repeating: "é", count: 60) + String(repeating: "r", count: 127) + ".nc"  // 250 bytes
        #expect(name.utf8.count == 250)
        let path = directory.path(name)
        let writer = try writer(path)
        let temporary = URL(fileURLWithPath: writer.temporaryPath)
        #expect(temporary.lastPathComponent.utf8.count <= 255)
        #expect(temporary.deletingLastPathComponent().path == directory.url.path, "beside the destination, so the rename is atomic")
        // Another long name with the same first 230 bytes gets a different temporary name.
        let sibling = try self.writer(directory.path(String(name.dropLast(4)) + "s.nc"))
        #expect(sibling.temporaryPath != writer.temporaryPath)
        sibling.discard()
        try writer.finish()
        #expect(try NetCDFFile.open(path).dimensions.map(\.name) == ["x"])
        let tooLong = failure { _ = try NetCDFWriter(path: directory.path(String(repeating: "r", count: 256))) }
        #expect(tooLong?.reason == "the file name is 256 bytes long; file systems allow 255")
    }

    @Test func publishAllChecksEveryDestinationFirst() throws {
        let first = directory.path("r.part1.nc"), second = directory.path("r.part2.nc")
        let parts = [try writer(first).close(), try writer(second).close()]
        try "another run".write(toFile: second, atomically: true, encoding: .utf8)
        let refused = failure { try StagedFile.publishAll(parts) }
        #expect(refused?.file == second)
        #expect(refused?.reason?.contains("use --overwrite") == true)
        #expect(!FileManager.default.fileExists(atPath: first), "nothing is published when one part cannot be")
        #expect(contents(second) == "another run")
        #expect(try leftovers(besides: ["r.part2.nc"]).isEmpty, "every temporary file is removed")
        #expect(parts.allSatisfy { !$0.isStaged })
    }

    @Test func publishAllTakesBackWhatItPublishedWhenALaterRenameFails() throws {
        let replaced = directory.path("r.a.nc"), created = directory.path("r.b.nc"), failing = directory.path("r.c.nc")
        try "previous result".write(toFile: replaced, atomically: true, encoding: .utf8)
        let parts = [try writer(replaced, overwrite: true).close(), try writer(created).close(), try writer(failing).close()]
        unlink(parts[2].temporaryPath)  // the third rename will fail after the first two succeeded
        let refused = failure { try StagedFile.publishAll(parts) }
        #expect(refused?.file == failing)
        #expect(refused?.reason?.hasSuffix("the 2 part(s) already published were taken back") == true, "\(String(describing: refused))")
        #expect(contents(replaced) == "previous result", "the replaced file is put back")
        #expect(!FileManager.default.fileExists(atPath: created))
        #expect(try leftovers(besides: ["r.a.nc"]).isEmpty, "no temporary or backup file is left")
    }

    @Test func publishAllPublishesEveryPart() throws {
        let first = directory.path("ok.1.nc"), second = directory.path("ok.2.nc")
        try "old".write(toFile: second, atomically: true, encoding: .utf8)
        let parts = [try writer(first).close(), try writer(second, overwrite: true).close()]
        try StagedFile.publishAll(parts)
        for path in [first, second] { #expect(try NetCDFFile.open(path).dimensions.map(\.name) == ["x"]) }
        #expect(try leftovers(besides: ["ok.1.nc", "ok.2.nc"]).isEmpty)
        #expect(failure { try parts[0].publish() }?.reason == "this staged file was already published or discarded")
    }

    @Test func publishAllRefusesTwoPartsForOneFile() throws {
        let path = directory.path("same.nc")
        let first = try writer(path).close()
        let second = try stagedFile(directory, spelledAs: directory.url.path + "/../" + directory.url.lastPathComponent + "/same.nc")
        let refused = failure { try StagedFile.publishAll([first, second]) }
        #expect(refused?.reason?.contains("the same file as '\(path)'") == true)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// A second part whose destination is `path` spelled differently.
    func stagedFile(_ directory: TemporaryDirectory, spelledAs path: String) throws -> StagedFile {
        let writer = try NetCDFWriter(path: path)
        try writer.defineDimension("y", length: 1)
        return try writer.close()
    }

    @Test func aReleasedWriterOrStagedFileLeavesNothingBehind() throws {
        do { _ = try writer(directory.path("dropped.nc")) }
        do { _ = try writer(directory.path("staged.nc")).close() }
        #expect(try leftovers(besides: []).isEmpty)
    }
}
