/// numpy's legacy `RandomState` (MT19937), exactly: the generator behind sklearn's
/// `ShuffleSplit(random_state=seed)`, and therefore behind Brain-Score's splits, and of
/// Brain-Score's ceiling bootstrap (`randint`).
///
/// Integer seeds go through `init_genrand` (numpy's `_legacy_seeding`), and
/// `permutation(n)` is numpy's Fisher-Yates shuffle of `arange(n)` from the last position
/// down, drawing each index by masked rejection sampling (`random_interval`). Any change
/// here must keep matching numpy: the tests compare against numpy's own output.
public struct LegacyRandomState: Sendable {
    private var state = [UInt32](repeating: 0, count: 624)
    private var position = 624

    /// `numpy.random.RandomState(seed)` for an integer seed in 0..<2^32.
    public init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 {
            state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
        }
        position = 624
    }

    /// The next raw 32-bit output of MT19937.
    public mutating func nextUInt32() -> UInt32 {
        if position >= 624 { regenerate() }
        var y = state[position]
        position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    /// numpy's `next_uint64` for the legacy generator: two 32-bit draws, high word first.
    public mutating func nextUInt64() -> UInt64 {
        let high = UInt64(nextUInt32())
        return (high << 32) | UInt64(nextUInt32())
    }

    /// A uniform integer in 0...max, by numpy's masked rejection (`random_interval`).
    public mutating func interval(_ max: UInt64) -> UInt64 {
        if max == 0 { return 0 }
        var mask = max
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4
        mask |= mask >> 8; mask |= mask >> 16; mask |= mask >> 32
        if max <= 0xffff_ffff {
            while true {
                let value = UInt64(nextUInt32()) & mask
                if value <= max { return value }
            }
        }
        while true {
            let value = nextUInt64() & mask
            if value <= max { return value }
        }
    }

    /// `RandomState.random_sample()`: a double in [0, 1) from two 32-bit draws (53 bits,
    /// MT19937's genrand_res53).
    public mutating func randomSample() -> Double {
        let a = Double(nextUInt32() >> 5), b = Double(nextUInt32() >> 6)
        return (a * 67_108_864 + b) / 9_007_199_254_740_992
    }

    /// `RandomState.randint(0, high, size=count)` (legacy, int64): each value by masked
    /// rejection on one 32-bit word while high - 1 fits in 32 bits, as numpy's
    /// `random_bounded_uint64_fill` does. Also what `choice(high, size=count)` with
    /// replacement and no weights draws.
    public mutating func randint(_ high: Int, count: Int) -> [Int] {
        precondition(high >= 1, "randint needs high >= 1")
        return (0..<count).map { _ in Int(interval(UInt64(high - 1))) }
    }

    /// `RandomState.permutation(n)`.
    public mutating func permutation(_ n: Int) -> [Int] {
        var values = Array(0..<n)
        shuffle(&values)
        return values
    }

    /// `RandomState.shuffle(x)` for a 1-D array.
    public mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, through: 1, by: -1) {
            let j = Int(interval(UInt64(i)))
            values.swapAt(i, j)
        }
    }

    private mutating func regenerate() {
        let upper: UInt32 = 0x8000_0000, lower: UInt32 = 0x7fff_ffff, matrix: UInt32 = 0x9908_b0df
        for i in 0..<624 {
            let y = (state[i] & upper) | (state[(i + 1) % 624] & lower)
            state[i] = state[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1) != 0 ? matrix : 0)
        }
        position = 0
    }
}
