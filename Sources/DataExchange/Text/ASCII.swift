/// Byte tests for the formats of the specification, which are all written in ASCII.
enum ASCII {
    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }
    @inline(__always) static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- 0x61 < 26 }
    @inline(__always) static func uppercased(_ byte: UInt8) -> UInt8 { byte &- 0x61 < 26 ? byte - 0x20 : byte }

    static func allDigits(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy(isDigit)
    }

    /// The value of a run of digits; nil when any byte is not a digit or there are none.
    static func number(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ uppercase: [UInt8]) -> Bool {
        guard bytes.count == uppercase.count else { return false }
        for i in 0..<bytes.count where uppercased(bytes[i]) != uppercase[i] { return false }
        return true
    }

    /// `_CLEAR_`, the literal that erases a stored value (spec rule 7).
    @inline(__always)
    static func isClearMarker(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count == 7 && bytes[0] == 0x5F && bytes[1] == 0x43 && bytes[2] == 0x4C && bytes[3] == 0x45 && bytes[4] == 0x41
            && bytes[5] == 0x52 && bytes[6] == 0x5F
    }

    /// A plain decimal number: digits with at most one point and at least one digit, optionally
    /// led by a minus sign when `signed`.
    static func decimal(_ bytes: UnsafeBufferPointer<UInt8>, signed: Bool) -> Double? {
        var i = 0
        var negative = false
        if signed, i < bytes.count, bytes[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        var value = 0.0, scale = 1.0, digits = 0, seenPoint = false
        while i < bytes.count {
            let byte = bytes[i]
            if isDigit(byte) {
                digits += 1
                if seenPoint {
                    scale /= 10
                    value += Double(byte - 0x30) * scale
                } else {
                    value = value * 10 + Double(byte - 0x30)
                }
            } else if byte == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else {
                return nil
            }
            i += 1
        }
        guard digits > 0 else { return nil }
        return negative ? -value : value
    }

    /// Whether the bytes are a plain decimal number, as `decimal` reads them, without its value.
    static func isDecimal(_ bytes: UnsafeBufferPointer<UInt8>, signed: Bool) -> Bool {
        var i = signed && bytes.first == UInt8(ascii: "-") ? 1 : 0
        var digits = 0, points = 0
        while i < bytes.count {
            let byte = bytes[i]
            if isDigit(byte) {
                digits += 1
            } else if byte == UInt8(ascii: ".") && points == 0 {
                points = 1
            } else {
                return false
            }
            i += 1
        }
        return digits > 0
    }

    /// `YYYY-MM-DD` as a real calendar day. `formOK` tells a real form with an impossible day
    /// (2024-02-30) from another form altogether (3/7/2024).
    static func date(_ bytes: UnsafeBufferPointer<UInt8>) -> (date: CalendarDate?, formOK: Bool) {
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = number(UnsafeBufferPointer(rebasing: bytes[0..<4])),
            let month = number(UnsafeBufferPointer(rebasing: bytes[5..<7])),
            let day = number(UnsafeBufferPointer(rebasing: bytes[8..<10]))
        else { return (nil, false) }
        return (CalendarDate(year: year, month: month, day: day), true)
    }
}
