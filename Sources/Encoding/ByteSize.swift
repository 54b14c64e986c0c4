import Foundation

/// "1.5 GiB", "300 MiB", "12 KiB".
public func formatBytes(_ bytes: Int) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    var value = Double(bytes), unit = 0
    while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
    if unit == 0 { return "\(bytes) bytes" }
    return value >= 100 ? "\(Int(value.rounded())) \(units[unit])" : "\((value * 10).rounded() / 10) \(units[unit])"
}

/// Parses "2GB", "256MB", "512MiB", "1.5G", "1000000" (bytes). Decimal and binary
/// suffixes are both read as binary (GB = GiB), which is what people mean by RAM sizes.
/// Returns nil for anything that is not a positive size that fits in an Int (e.g.
/// "-1GB", "1e30GB", "9000000TB", "nan"): the caller says what was wrong.
public func parseBytes(_ text: String) -> Int? {
    let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
    let units: [(String, Int)] = [("TIB", 1 << 40), ("GIB", 1 << 30), ("MIB", 1 << 20), ("KIB", 1 << 10),
                                  ("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10),
                                  ("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10), ("B", 1)]
    for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
        guard let value = Double(trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)),
              value.isFinite, value > 0 else { return nil }
        let bytes = value * Double(factor)
        // Double(Int.max) rounds up to 2^63, so compare strictly below it.
        guard bytes >= 1, bytes < Double(Int.max) else { return nil }
        return Int(bytes)
    }
    guard let value = Int(trimmed), value > 0 else { return nil }
    return value
}
