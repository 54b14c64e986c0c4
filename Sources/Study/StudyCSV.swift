/// RFC 4180 CSV for study tables: quoted fields may hold commas, newlines and doubled quotes.
enum StudyCSV {
    /// One record of the table and the line it starts on (1-based), so errors can point at
    /// the line an editor shows even when an earlier quoted field spans several lines.
    struct Record {
        var line: Int
        var fields: [String]
    }

    static func parse(_ text: String) -> [Record] {
        var records: [Record] = [], row: [String] = [], field = ""
        var quoted = false, iterator = Array(text).makeIterator(), pending: Character? = nil
        var line = 1, start = 1
        func next() -> Character? { if let p = pending { pending = nil; return p }; return iterator.next() }
        while let c = next() {
            // Swift reads "\r\n" as one Character; both end a line.
            let newline = c == "\n" || c == "\r\n"
            if quoted {
                if c == "\"" {
                    if let following = next() {
                        if following == "\"" { field.append("\"") } else { quoted = false; pending = following }
                    } else { quoted = false }
                } else {
                    field.append(c)
                    if newline { line += 1 }
                }
            } else if c == "\"" { quoted = true }
            else if c == "," { row.append(field); field = "" }
            else if newline {
                row.append(field); records.append(Record(line: start, fields: row)); row = []; field = ""
                line += 1; start = line
            } else if c != "\r" { field.append(c) }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); records.append(Record(line: start, fields: row)) }
        return records
    }
}
