/// Bools kept eight to a byte: the tracker's one flag per entity of a file, a megabyte as an
/// array of `Bool` for a 70 MB file's entities, an eighth of it so.
struct BitArray {
    private var words: [UInt64] = []
    private(set) var count = 0

    mutating func reserveCapacity(_ capacity: Int) {
        words.reserveCapacity((capacity + 63) / 64)
    }

    mutating func append(_ value: Bool) {
        if count % 64 == 0 { words.append(0) }
        count += 1
        self[count - 1] = value
    }

    subscript(index: Int) -> Bool {
        get { words[index / 64] & (1 << UInt64(index % 64)) != 0 }
        set {
            if newValue {
                words[index / 64] |= 1 << UInt64(index % 64)
            } else {
                words[index / 64] &= ~(1 << UInt64(index % 64))
            }
        }
    }
}
