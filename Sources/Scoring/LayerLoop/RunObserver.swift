/// Progress of a run, for progress bars.
public struct ScoreProgress: Sendable {
    /// The part being scored (benchmark component, subject), if the benchmark has several.
    public var part: String
    public var layer: Int
    public var layerCount: Int
    public var layerName: String
    public var voxelsDone: Int
    public var voxelsTotal: Int
    /// A pass before the scoring one (e.g. "choosing the shared alpha"); nil: scoring.
    public var stage: String?

    public init(part: String, layer: Int, layerCount: Int, layerName: String, voxelsDone: Int, voxelsTotal: Int, stage: String? = nil) {
        self.part = part
        self.layer = layer
        self.layerCount = layerCount
        self.layerName = layerName
        self.voxelsDone = voxelsDone
        self.voxelsTotal = voxelsTotal
        self.stage = stage
    }
}

/// Where a run reports progress and warnings as they happen (the CLI prints both on
/// stderr; warnings are also kept in the result).
public struct RunObserver: Sendable {
    public var progress: @Sendable (ScoreProgress) -> Void
    public var warning: @Sendable (String) -> Void

    public init(progress: @escaping @Sendable (ScoreProgress) -> Void = { _ in }, warning: @escaping @Sendable (String) -> Void = { _ in }) {
        self.progress = progress
        self.warning = warning
    }

    public static let silent = RunObserver()
}
