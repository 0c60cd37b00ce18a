/// The sample generator's random numbers: SplitMix64, small, fast and the same on every platform
/// and toolchain. The standard library's generator is seeded by the system and its `random(in:)`
/// algorithms may change between releases; a sample file must be byte-identical for its seed.
struct SampleRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// A stream of its own for one purpose: the same parts always give the same stream, and
    /// streams of other parts are unrelated to it.
    init(_ parts: UInt64...) {
        var state: UInt64 = 0x243F_6A88_85A3_08D3
        for part in parts {
            var mixer = SampleRandom(seed: state ^ part)
            state = mixer.next()
        }
        self.state = state
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A whole number in `range`, by multiply-and-shift (the bias is below 2^-40 for these ranges).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next().multipliedFullWidth(by: width).high)
    }

    /// A number in 0..<1 from 53 random bits.
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    mutating func pick<Element>(_ elements: [Element]) -> Element { elements[int(0...elements.count - 1)] }

    mutating func digits(_ count: Int) -> String {
        String((0..<count).map { _ in Character(Unicode.Scalar(UInt8(ascii: "0") + UInt8(int(0...9)))) })
    }
}
