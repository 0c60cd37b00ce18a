/// The largest Data Exchange file the product takes (spec "Import behaviour", rule 3: 70 MB or
/// less). Megabytes here are binary, 70 × 2^20 bytes, as the tools that export and generate the
/// files count them. The scanner reports a larger file as a file-level error; the ledger refuses
/// it before storing anything.
public enum FileSizeLimit {
    public static let maximumBytes = 70 * 1_048_576

    /// Says why a file of `size` bytes is too large, or nil when it is not.
    public static func problem(size: Int, name: String) -> String? {
        guard size > maximumBytes else { return nil }
        let megabytes = (Double(size) / 1_048_576 * 10).rounded() / 10
        return "\(name) is \(megabytes) MB; files of at most 70 MB are imported. Split the export into smaller files and drop each."
    }
}
