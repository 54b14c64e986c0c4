import Foundation
import Scoring

/// A one-line progress bar on stderr, redrawn in place on a terminal; on a pipe or file,
/// one line per finished layer (so logs stay readable). Warnings always print, on their
/// own line.
final class ProgressBar: @unchecked Sendable {
    private let enabled: Bool
    private let isTerminal = isatty(2) != 0
    private let lock = NSLock()
    private var lastDraw = Date.distantPast
    private var lastReported = ""
    private let start = Date()

    init(enabled: Bool) { self.enabled = enabled }

    var observer: RunObserver {
        RunObserver(progress: { [self] in update($0) }, warning: { [self] in warn($0) })
    }

    func warn(_ message: String) {
        lock.withLock {
            if enabled && isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
        }
    }

    func update(_ progress: ScoreProgress) {
        guard enabled else { return }
        lock.withLock {
            let fraction = progress.voxelsTotal == 0 ? 1 : Double(progress.voxelsDone) / Double(progress.voxelsTotal)
            let prefix = progress.part.isEmpty ? "" : "\(progress.part) "
            let elapsed = Date().timeIntervalSince(start)
            if isTerminal {
                let now = Date()
                guard now.timeIntervalSince(lastDraw) > 0.1 || progress.voxelsDone == progress.voxelsTotal else { return }
                lastDraw = now
                let width = 30, filled = Int(fraction * Double(width))
                let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
                FileHandle.standardError.write(Data("\r\u{1B}[K\(prefix)[\(progress.layer + 1)/\(progress.layerCount)] \(progress.layerName) [\(bar)] \(progress.voxelsDone)/\(progress.voxelsTotal) neuroids\(progress.stage.map { " (\($0))" } ?? ""), \(String(format: "%.0f", elapsed)) s".utf8))
            } else if progress.stage == nil && progress.voxelsDone == progress.voxelsTotal && "\(prefix)/\(progress.layer)" != lastReported {
                lastReported = "\(prefix)/\(progress.layer)"
                FileHandle.standardError.write(Data("\(prefix.isEmpty ? "" : "\(progress.part): ")scored layer \(progress.layer + 1)/\(progress.layerCount): \(progress.layerName) (\(String(format: "%.1f", elapsed)) s)\n".utf8))
            }
        }
    }

    func finish() {
        if enabled && isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
