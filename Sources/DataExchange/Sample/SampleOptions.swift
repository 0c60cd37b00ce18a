/// What a sample file holds; the names mirror `ledger sample`'s options.
public struct SampleOptions: Sendable, Equatable {
    /// How long the file is: a number of rows, or about a number of mebibytes (never more).
    public enum Length: Sendable, Equatable {
        case rows(Int)
        case mebibytes(Double)
    }

    public var length: Length
    public var seed: UInt64
    /// The share of meters that are compound: two rows, registers L and H, one Meter_ID.
    public var compoundShare: Double
    /// 0 is the utility's first export; a later generation is a later export of the same utility.
    public var generation: Int
    /// The share of service configurations that change from one generation to the next.
    public var changeShare: Double
    /// The share of rows given one field-level mistake.
    public var errorShare: Double
    /// A byte-order mark, CRLF line ends, and cells that need quotes: commas, quotes, line breaks.
    public var quirks: Bool
    /// Write an ID Update file renaming this many entities of the utility instead.
    public var idUpdate: Int?

    public static let maximumGeneration = SampleUtility.maximumGeneration

    public init(
        length: Length = .rows(1_000), seed: UInt64 = 1, compoundShare: Double = 0.03, generation: Int = 0, changeShare: Double = 0.05,
        errorShare: Double = 0, quirks: Bool = false, idUpdate: Int? = nil
    ) {
        self.length = length
        self.seed = seed
        self.compoundShare = compoundShare
        self.generation = generation
        self.changeShare = changeShare
        self.errorShare = errorShare
        self.quirks = quirks
        self.idUpdate = idUpdate
    }

    /// Why these options make no file, or nil when they do.
    public var problem: String? {
        switch length {
        case .rows(let rows) where rows < 0: return "--rows must be 0 or more."
        case .mebibytes(let size) where !(size > 0): return "--size-mb must be above 0."
        case .mebibytes where idUpdate != nil: return "--id-update takes the utility's size from --rows, not --size-mb."
        default: break
        }
        for (name, share) in [("--compound", compoundShare), ("--change", changeShare), ("--errors", errorShare)] where !(0...1).contains(share) {
            return "\(name) is a share from 0 to 1; it is \(share)."
        }
        if !(0...Self.maximumGeneration).contains(generation) { return "--generation must be from 0 to \(Self.maximumGeneration)." }
        if let idUpdate, idUpdate < 0 { return "--id-update must be 0 or more." }
        return nil
    }
}
