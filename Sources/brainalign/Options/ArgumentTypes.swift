import ArgumentParser
import Encoding
import Foundation
import Scoring

// Typed command-line values: parsing and validation are one step, so a command never
// re-checks a string it later force-unwraps. Each type's `parse` throws a message that
// says what was expected; options use it as their `transform`, so the user sees that
// message rather than a generic "invalid value".

/// A value parsed from one command-line string, with a message when it cannot be.
protocol ArgumentValue: ExpressibleByArgument {
    static func parse(_ text: String) throws -> Self
}

extension ArgumentValue {
    init?(argument: String) {
        guard let value = try? Self.parse(argument) else { return nil }
        self = value
    }
}

/// A memory size: "2GB", "256MB", "1.5G", or bytes.
struct ByteSize: ArgumentValue, CustomStringConvertible {
    var bytes: Int
    init(bytes: Int) { self.bytes = bytes }
    static func parse(_ text: String) throws -> ByteSize {
        guard let bytes = parseBytes(text) else {
            throw ValidationError("--memory must be a positive size like 2GB or 512MB (at most 8 EiB)")
        }
        return ByteSize(bytes: bytes)
    }
    var description: String { formatBytes(bytes) }
    var defaultValueDescription: String { description }
}

/// A worker count: at least 1, at most 1024.
struct ThreadCount: ArgumentValue, CustomStringConvertible {
    static let limit = 1024
    var value: Int
    init(_ value: Int) { self.value = value }
    static func parse(_ text: String) throws -> ThreadCount {
        guard let value = Int(text), value >= 1, value <= limit else {
            throw ValidationError("--threads must be a whole number from 1 to \(limit) (this machine has \(ProcessInfo.processInfo.activeProcessorCount) cores)")
        }
        return ThreadCount(value)
    }
    var description: String { "\(value)" }
}

/// A seed for numpy's RandomState: 0 ... 2^32 - 1.
struct Seed: ArgumentValue {
    var value: UInt32
    init(_ value: UInt32) { self.value = value }
    static func parse(_ text: String) throws -> Seed {
        guard let value = UInt32(text) else { throw ValidationError("--seed must be a whole number from 0 to 4294967295") }
        return Seed(value)
    }
    var defaultValueDescription: String { "\(value)" }
}

extension Precision: ExpressibleByArgument {}
extension Aggregate: ExpressibleByArgument {}

/// `ridge` or `ols`.
enum RegressionKind: String, ExpressibleByArgument, CaseIterable {
    case ridge, ols
}

/// Ridge penalties: LOW:HIGH:COUNT logspaced (1e-3:1e5:10) or a comma list (0.1,1,10).
/// The one parser for every command that takes penalties.
struct AlphaSpec: ArgumentValue {
    var values: [Double]
    static let defaultSpec = AlphaSpec(values: RidgeConfiguration.logspace(-3, 5, count: 10))

    init(values: [Double]) { self.values = values }
    static func parse(_ text: String) throws -> AlphaSpec {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let values: [Double]
        if parts.count == 3 {
            guard let low = Double(parts[0]), let high = Double(parts[1]), let count = Int(parts[2]), count >= 1 else {
                throw ValidationError("--alphas must be LOW:HIGH:COUNT (e.g. 1e-3:1e5:10) or a comma list of numbers")
            }
            guard low > 0, high > 0, low.isFinite, high.isFinite else { throw ValidationError("--alphas must all be positive") }
            values = RidgeConfiguration.logspace(log10(low), log10(high), count: count)
        } else {
            let list = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !list.isEmpty, list.allSatisfy({ $0 != nil }) else {
                throw ValidationError("--alphas must be LOW:HIGH:COUNT (e.g. 1e-3:1e5:10) or a comma list of numbers")
            }
            values = list.map { $0! }
        }
        guard values.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw ValidationError("--alphas must all be positive") }
        return AlphaSpec(values: values)
    }
    var defaultValueDescription: String { "1e-3:1e5:10" }
}

/// The inner cross-validation that picks penalties: a fold count, loo, or the Huth lab's
/// chunked bootstrap bootstrap:NBOOTS:CHUNKLEN:NCHUNKS (seeded by the command's --seed).
struct InnerCVSpec: ArgumentValue {
    var value: CrossValidation
    /// `stories:K` (story-listening runs only): GroupKFold(K) over the training stories.
    var storyFolds: Int?
    init(_ value: CrossValidation, storyFolds: Int? = nil) {
        self.value = value
        self.storyFolds = storyFolds
    }
    static let message = "--inner-cv must be a fold count >= 2, loo, bootstrap:NBOOTS:CHUNKLEN:NCHUNKS with whole numbers >= 1 (e.g. bootstrap:50:40:125), or stories:K (story runs)"
    static func parse(_ text: String) throws -> InnerCVSpec {
        if text == "loo" { return InnerCVSpec(.leaveOneOut) }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.first == "stories" {
            guard parts.count == 2, let k = Int(parts[1]), k >= 2 else { throw ValidationError(message) }
            return InnerCVSpec(.kFold(k), storyFolds: k)
        }
        if parts.first == "bootstrap" {
            let numbers = parts.dropFirst().map { Int($0) }
            guard numbers.count == 3, let draws = numbers[0], let length = numbers[1], let chunks = numbers[2],
                  draws >= 1, length >= 1, chunks >= 1 else { throw ValidationError(message) }
            return InnerCVSpec(.chunkedBootstrap(ChunkedBootstrap(draws: draws, chunkLength: length, heldOutChunks: chunks)))
        }
        guard let k = Int(text), k >= 2 else { throw ValidationError(message) }
        return InnerCVSpec(.kFold(k))
    }

    /// The same with the bootstrap's generator seeded by `seed`.
    func seeded(_ seed: UInt32) -> CrossValidation {
        guard case .chunkedBootstrap(var bootstrap) = value else { return value }
        bootstrap.seed = seed
        return .chunkedBootstrap(bootstrap)
    }

    var isBootstrap: Bool {
        if case .chunkedBootstrap = value { return true }
        return false
    }
}

/// Outer splits: kfold:K, group:COORD:K, shuffle:N:TRAIN_FRACTION or file:PATH. The
/// shuffle seed comes from --seed (default 1), applied by the command.
struct OuterCVSpec: ArgumentValue {
    var value: CrossValidationSpec
    init(_ value: CrossValidationSpec) { self.value = value }
    static func parse(_ text: String) throws -> OuterCVSpec {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch parts.first {
        case "kfold" where parts.count == 2:
            if let k = Int(parts[1]), k >= 2 { return OuterCVSpec(.kFold(k)) }
        case "group" where parts.count == 3:
            if let k = Int(parts[2]), k >= 2, !parts[1].isEmpty { return OuterCVSpec(.groupKFold(k, coordinate: parts[1])) }
        case "shuffle" where parts.count == 3:
            if let n = Int(parts[1]), n >= 1, let size = Double(parts[2]), size > 0, size < 1 {
                return OuterCVSpec(.shuffleSplit(splits: n, trainSize: size, seed: 1))
            }
        case "file" where parts.count >= 2 && !parts[1].isEmpty:
            return OuterCVSpec(.file(parts.dropFirst().joined(separator: ":")))
        default: break
        }
        throw ValidationError("--cv must be kfold:K, group:COORDINATE:K, shuffle:N:TRAIN_FRACTION (e.g. shuffle:10:0.9) or file:PATH")
    }
}

/// FIR delays in TRs: a comma list of distinct whole numbers >= 1 (1,2,3,4).
struct DelaySpec: ArgumentValue {
    var values: [Int]
    static func parse(_ text: String) throws -> DelaySpec {
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) >= 1 }), Set(values).count == values.count else {
            throw ValidationError("--delays must be distinct whole numbers >= 1 (TRs), comma-separated, e.g. 1,2,3,4")
        }
        return DelaySpec(values: values.map { $0! })
    }
    var defaultValueDescription: String { "1,2,3,4" }
}

/// TRs trimmed at each story's start and end: HEAD:TAIL (10:5).
struct TrimSpec: ArgumentValue {
    var head: Int
    var tail: Int
    static func parse(_ text: String) throws -> TrimSpec {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2, let head = parts[0], let tail = parts[1], head >= 0, tail >= 0 else {
            throw ValidationError("--trim must be HEAD:TAIL, two whole numbers >= 0 (e.g. 10:5)")
        }
        return TrimSpec(head: head, tail: tail)
    }
    var defaultValueDescription: String { "10:5" }
}

/// A comma list of story names.
struct StoryList: ArgumentValue {
    var names: [String]
    static func parse(_ text: String) throws -> StoryList {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.contains(""), Set(names).count == names.count else {
            throw ValidationError("story lists must be distinct, non-empty names separated by commas (e.g. wheretheressmoke)")
        }
        return StoryList(names: names)
    }
}
