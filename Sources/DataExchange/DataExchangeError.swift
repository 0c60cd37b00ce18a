/// A failure of the DataExchange module that is not a finding about the file's content: the file
/// cannot be read, or the specification file itself is malformed.
public struct DataExchangeError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public static let unreadableFile = Code(name: "unreadable-file")
        public static let invalidSpecification = Code(name: "invalid-specification")
        public static let cannotWrite = Code(name: "cannot-write")
        /// Options that make no sample file, such as more renames than the utility has entities.
        public static let invalidSampleOptions = Code(name: "invalid-sample-options")
        public var description: String { name }
    }

    public let code: Code
    /// What went wrong and what to do, in words a person can act on.
    public let message: String
    /// The file concerned, where one is.
    public let path: String?

    public init(_ code: Code, _ message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    public var description: String { message }
}
