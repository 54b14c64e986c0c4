/// A run that cannot start as launched. `quiet` on ranks other than the first, so a job
/// of N ranks prints the reason once.
public struct LaunchError: Error, CustomStringConvertible {
    public let message: String
    public let quiet: Bool
    public var description: String { message }
}
