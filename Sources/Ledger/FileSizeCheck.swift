import DataExchange

extension FileSizeLimit {
    /// Refuses a file larger than the limit, before anything of it is stored.
    public static func check(size: Int, name: String) throws(LedgerError) {
        if let problem = problem(size: size, name: name) { throw LedgerError(.fileTooLarge, problem) }
    }
}
