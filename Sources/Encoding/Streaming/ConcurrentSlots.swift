import Foundation

/// A fixed number of result slots that parallel workers fill by index (one lock; each
/// worker writes its own slots, the caller reads them all after the workers finish).
public final class ConcurrentSlots<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Value?]

    public init(count: Int) { storage = Array(repeating: nil, count: count) }

    public func set(_ index: Int, _ value: Value) { lock.withLock { storage[index] = value } }

    /// Every slot, in order; nil where nothing was written.
    public var values: [Value?] { lock.withLock { storage } }
}
