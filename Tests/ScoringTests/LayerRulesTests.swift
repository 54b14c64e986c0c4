import Encoding
import Scoring
import Testing

/// The small rules every benchmark shares: which layer is best, how a score is
/// normalised, which layers a run scores.
@Suite struct LayerRulesTests {
    @Test func bestLayerSkipsNaNAndKeepsTheEarlierOfATie() {
        #expect(bestLayerIndex([0.1, .nan, 0.3, 0.3]) == 2)
        #expect(bestLayerIndex([.nan, .nan]) == nil)
        #expect(bestLayerIndex([]) == nil)
        #expect(bestLayerIndex([-0.2, -0.1]) == 1)
    }

    @Test func normalisationNeedsAUsableCeiling() throws {
        let n = try #require(NormalizedScore(score: 0.5, ceiling: 0.4))
        #expect(n.unclipped == 1.25 && n.clipped == 1)
        #expect(NormalizedScore(score: -0.1, ceiling: 0.4)?.clipped == 0)
        #expect(NormalizedScore(score: 0.1, ceiling: 0) == nil)
        #expect(NormalizedScore(score: 0.1, ceiling: nil) == nil)
        #expect(NormalizedScore(score: 0.1, ceiling: .nan) == nil)
        #expect(NormalizedScore(score: .nan, ceiling: 0.3)?.clipped.isNaN == true)
    }

    @Test func layerSelectionRefusesEmptyRepeatedAndUnknownNames() throws {
        let names = ["a", "b", "c"]
        #expect(try LayerSelection.indices(nil, available: names, file: "f") == [0, 1, 2])
        #expect(try LayerSelection.indices(["c", "a"], available: names, file: "f") == [2, 0])
        for wanted in [[], [""], ["a", "a"], ["z"]] {
            #expect(throws: ScoringError.self) { try LayerSelection.indices(wanted, available: names, file: "f") }
        }
        #expect(throws: ScoringError.self) { try LayerSelection.indices(nil, available: [], file: "f") }
        #expect(throws: ScoringError.self) { try LayerSelection.indices(nil, available: ["a", "b", "a"], file: "f") }
    }
}
