/// The largest Data Exchange file the ledger takes (spec "Import behaviour", rule 3: 70 MB or
/// less). Megabytes here are binary, 70 × 2^20 bytes, as the tools that export and generate the
/// files count them; a larger file is refused before anything of it is stored.
public enum FileSizeLimit {
    public static let maximumBytes = 70 * 1_048_576

    public static func check(size: Int, name: String) throws(LedgerError) {
        guard size > maximumBytes else { return }
        let megabytes = (Double(size) / 1_048_576 * 10).rounded() / 10
        throw LedgerError(
            .fileTooLarge,
            "\(name) is \(megabytes) MB; files of at most 70 MB are imported. Split the export into smaller files and drop each.")
    }
}
