/// What a sample file holds, so that a test can say exactly what a scan of it must find.
public struct SampleSummary: Sendable, Equatable {
    public var kind: FileKind
    /// Data rows, the header not counted.
    public var rows: Int
    public var bytes: Int
    /// The mistakes `--errors` made, one per row at most.
    public var mistakes: [SampleMistake: Int]

    /// The errors a scan must report: one of its code for each mistake.
    public var expectedErrors: [ExceptionCode: Int] {
        mistakes.reduce(into: [:]) { $0[$1.key.expectedCode, default: 0] += $1.value }
    }
}
