import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `multipart/form-data` reader as a state machine over bytes: fed the body in pieces of any
/// size, it says where each part starts (its field and file name), hands on each part's bytes
/// as they come, and where each part ends. It keeps no more than a part's headers and the
/// length of a boundary in memory, so a 70 MB upload streams through it.
struct MultipartReader {
    enum Event: Equatable {
        case partStarted(field: String, fileName: String?)
        case bytes(ArraySlice<UInt8>)
        case partEnded
    }

    struct Malformed: Error {
        let message: String
    }

    private enum State { case preamble, headers, body, afterBoundary, done }

    static let largestHeaders = 16 * 1024
    private let delimiter: [UInt8]
    private var state = State.preamble
    private var pending: [UInt8]

    /// The boundary from a `Content-Type: multipart/form-data; boundary=…` header.
    init?(contentType: String) {
        let parameters = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parameters.first?.lowercased() == "multipart/form-data",
              let boundary = parameters.first(where: { $0.lowercased().hasPrefix("boundary=") })?.dropFirst("boundary=".count)
        else { return nil }
        let unquoted = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        guard !unquoted.isEmpty, unquoted.count <= 70 else { return nil }
        delimiter = Array("\r\n--\(unquoted)".utf8)
        // The body's first boundary has no line break before it: read as if it had.
        pending = [13, 10]
    }

    var isFinished: Bool { state == .done }

    mutating func consume(_ input: some Collection<UInt8>) throws -> [Event] {
        pending.append(contentsOf: input)
        var events: [Event] = []
        var progressing = true
        while progressing {
            progressing = try step(&events)
        }
        return events
    }

    /// Takes one step; false when it needs more bytes.
    private mutating func step(_ events: inout [Event]) throws -> Bool {
        switch state {
        case .preamble:
            guard let found = find(delimiter) else {
                // Keep only what could be the start of the boundary.
                pending.removeFirst(max(0, pending.count - delimiter.count))
                return false
            }
            pending.removeFirst(found + delimiter.count)
            state = .afterBoundary
            return true
        case .afterBoundary:
            guard pending.count >= 2 else { return false }
            if pending[0] == 45, pending[1] == 45 {
                state = .done
                pending.removeAll()
                return false
            }
            guard pending[0] == 13, pending[1] == 10 else { throw Malformed(message: "A boundary is not followed by a line break.") }
            pending.removeFirst(2)
            state = .headers
            return true
        case .headers:
            // Headers longer than `largestHeaders` are refused however the body comes: whole,
            // by where they end; in pieces, once no end to come could be near enough.
            guard let end = find([13, 10, 13, 10]) else {
                if pending.count - 3 > Self.largestHeaders { throw Malformed(message: "A part's headers are too long.") }
                return false
            }
            if end > Self.largestHeaders { throw Malformed(message: "A part's headers are too long.") }
            let headers = String(decoding: pending[..<end], as: UTF8.self)
            pending.removeFirst(end + 4)
            let (field, fileName) = Self.disposition(headers)
            guard let field else { throw Malformed(message: "A part has no Content-Disposition name.") }
            events.append(.partStarted(field: field, fileName: fileName))
            state = .body
            return true
        case .body:
            if let found = find(delimiter) {
                if found > 0 { events.append(.bytes(pending[..<found])) }
                events.append(.partEnded)
                pending.removeFirst(found + delimiter.count)
                state = .afterBoundary
                return true
            }
            let safe = pending.count - (delimiter.count - 1)
            if safe > 0 {
                events.append(.bytes(pending[..<safe]))
                pending.removeFirst(safe)
            }
            return false
        case .done:
            pending.removeAll()
            return false
        }
    }

    /// Where `needle` first starts in the pending bytes: memchr finds each candidate first byte.
    private func find(_ needle: [UInt8]) -> Int? {
        guard pending.count >= needle.count, let first = needle.first else { return nil }
        return pending.withUnsafeBufferPointer { haystack -> Int? in
            guard let base = haystack.baseAddress else { return nil }
            var start = 0
            let lastStart = haystack.count - needle.count
            while start <= lastStart {
                guard let hit = memchr(base + start, Int32(first), lastStart - start + 1) else { return nil }
                let position = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
                if memcmp(base + position, needle, needle.count) == 0 { return position }
                start = position + 1
            }
            return nil
        }
    }

    /// The `name` and `filename` of a part's `Content-Disposition: form-data; …` header. A quoted
    /// value may hold `;` and `=`, and a quote or a backslash behind a backslash (RFC 7578, and
    /// what curl sends): `filename="a;b\".csv"` is `a;b".csv`.
    static func disposition(_ headers: String) -> (field: String?, fileName: String?) {
        guard let line = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition:") }) else { return (nil, nil) }
        var field: String?, fileName: String?
        for (name, value) in parameters(of: line) {
            switch name.lowercased() {
            case "name": field = value
            case "filename": fileName = value
            default: break
            }
        }
        return (field, fileName)
    }

    /// The `name=value` parameters after a header's first `;`, quoted values unquoted. A
    /// backslash escapes only a quote or a backslash: a Windows path keeps its own.
    private static func parameters(of line: Substring) -> [(name: String, value: String)] {
        var parameters: [(name: String, value: String)] = []
        var rest = line.drop { $0 != ";" }
        while rest.first == ";" {
            rest = rest.dropFirst()
            let name = rest.prefix { $0 != "=" && $0 != ";" }
            rest = rest.dropFirst(name.count)
            guard rest.first == "=" else { continue }
            rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" }
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if character == "\"" { break }
                    if character == "\\", let next = rest.first, next == "\"" || next == "\\" {
                        value.append(next)
                        rest = rest.dropFirst()
                    } else {
                        value.append(character)
                    }
                }
                rest = rest.drop { $0 != ";" }
            } else {
                let raw = rest.prefix { $0 != ";" }
                rest = rest.dropFirst(raw.count)
                value = raw.trimmingCharacters(in: .whitespaces)
            }
            parameters.append((name.trimmingCharacters(in: .whitespaces), value))
        }
        return parameters
    }
}
