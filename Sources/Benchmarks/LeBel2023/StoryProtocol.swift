import Encoding
import Foundation
import Scoring

/// What a story-listening run computes (LeBel2023, or any dataset in the story layout
/// given by flags): word features -> Lanczos-downsampled to each story's TR times ->
/// trimmed -> z-scored per story -> FIR delays within each story -> ridge without
/// intercept, one alpha per voxel chosen on the training stories -> Pearson r per voxel
/// on the test stories (docs/protocols.md).
public struct StoryProtocol: Sendable, Equatable {
    /// FIR delays in TRs (each >= 1; a story's first `delay` rows get zeros).
    public var delays: [Int]
    /// Rows dropped at the start and end of each story after downsampling.
    public var trimHead: Int
    public var trimTail: Int
    /// Lobes of the Lanczos kernel.
    public var window: Int
    public var outer: OuterSplits
    /// Ridge penalties, in our convention (the Huth lab's alpha squared).
    public var alphas: [Double]
    public var inner: InnerSelection

    public enum OuterSplits: Sendable, Equatable {
        /// One split: these stories held out; training = `train` (nil: every other story).
        case testStories([String], train: [String]?)
        /// k folds of consecutive stories (file order), each held out once.
        case storyFolds(Int)
    }

    public enum InnerSelection: Sendable, Equatable {
        /// Any inner cross-validation over the training rows (e.g. the chunked bootstrap).
        case rows(CrossValidation)
        /// GroupKFold(k) over the training rows' stories: whole stories held out.
        case storyFolds(Int)
    }

    public init(delays: [Int], trimHead: Int, trimTail: Int, window: Int = 3, outer: OuterSplits, alphas: [Double], inner: InnerSelection) {
        self.delays = delays
        self.trimHead = trimHead
        self.trimTail = trimTail
        self.window = window
        self.outer = outer
        self.alphas = alphas
        self.inner = inner
    }

    /// LeBel et al. (2023) as the Huth lab's encoding script runs it: delays 1-4, each
    /// story's features [5+5 : -5], the test story wheretheressmoke, alphas
    /// logspace(1, 3, 10) in their convention (squared here), chosen per voxel by 50
    /// bootstrap draws holding out 125 chunks of 40 TRs.
    public static let lebel2023 = StoryProtocol(
        delays: [1, 2, 3, 4], trimHead: 10, trimTail: 5, outer: .testStories(["wheretheressmoke"], train: nil),
        alphas: RidgeConfiguration.logspace(1, 3, count: 10).map { $0 * $0 },
        inner: .rows(.chunkedBootstrap(.lebel2023())))

    /// The ridge of one outer split whose training rows belong to `trainStories`.
    func regression(trainStories: [String]) -> Regression {
        let cv: CrossValidation
        switch inner {
        case .rows(let rows): cv = rows
        case .storyFolds(let k): cv = .groupKFold(k, groups: trainStories)
        }
        return .ridge(RidgeConfiguration(alphas: alphas, alphaPerTarget: true, innerCrossValidation: cv, fitIntercept: false))
    }

    /// The regression recorded in result files (inner story folds named, not listed).
    var regressionDescription: String {
        let innerText: String
        switch inner {
        case .rows(.chunkedBootstrap(let b)): innerText = b.description + ", highest mean r"
        case .rows(let cv): innerText = "\(cv)"
        case .storyFolds(let k): innerText = "GroupKFold(\(k)) over the training stories, lowest squared error"
        }
        return "ridge without intercept, one alpha per voxel from \(alphas.map { String(format: "%g", $0) }.joined(separator: ", ")) by \(innerText)"
    }

    var description: String {
        let split: String
        switch outer {
        case .testStories(let test, let train):
            split = "test stories \(test.joined(separator: ","))" + (train.map { "; training stories \($0.joined(separator: ","))" } ?? "; training: every other story")
        case .storyFolds(let k): split = "\(k) folds of consecutive stories"
        }
        return "words -> Lanczos(window \(window)) at TR times -> trim [\(trimHead):-\(trimTail)] per story -> z-score per story -> delays \(delays.map(String.init).joined(separator: ",")) within stories; \(split); \(regressionDescription)"
    }

    /// Checks that need no data.
    func validate() throws {
        guard !delays.isEmpty, delays.allSatisfy({ $0 >= 1 }), Set(delays).count == delays.count else {
            throw ScoringError("--delays must be distinct whole numbers >= 1 (TRs), e.g. 1,2,3,4; got \(delays)")
        }
        guard trimHead >= 0, trimTail >= 0 else { throw ScoringError("--trim must be two whole numbers >= 0 (HEAD:TAIL)") }
        if case .testStories(let test, let train?) = outer {
            let both = test.filter { train.contains($0) }
            if !both.isEmpty {
                throw ScoringError("test stor\(both.count == 1 ? "y" : "ies") \(both.map { "'\($0)'" }.joined(separator: ", ")) also in training; a test story must be held out")
            }
        }
    }
}
