// libFuzzer target for the multipart/form-data reader, built by `Scripts/fuzz` together with
// MultipartReader.swift (one module), never by SwiftPM. The first byte picks a boundary, the
// rest is the body; it is read whole and in pieces of several sizes, and every way must find
// the same parts, names and bytes, or fail with the same error. Malformed input throws; a
// crash or a difference traps, so libFuzzer keeps the input.

import Foundation

let boundaries = ["XyZ", "b", "AaB03x", "------------------------d74496d66958873e", "----WebKitFormBoundary7MA4YWxkTrZu0gW", "--"]

/// What a reading found: the parts with their names and bytes, whether the closing boundary
/// came, or the error it failed with.
struct Reading: Equatable {
    struct Part: Equatable {
        var field: String, fileName: String?
        var bytes: [UInt8] = []
        var ended = false
    }
    var parts: [Part] = []
    var finished = false
    var failure: String?
}

func read(_ body: ArraySlice<UInt8>, contentType: String, pieces size: Int) -> Reading {
    guard var reader = MultipartReader(contentType: contentType) else { fatalError("no reader for \(contentType)") }
    var reading = Reading()
    var start = body.startIndex
    do {
        while start < body.endIndex {
            let end = min(start + size, body.endIndex)
            for event in try reader.consume(body[start..<end]) {
                switch event {
                case .partStarted(let field, let fileName):
                    guard reading.parts.last?.ended ?? true else { fatalError("a part started before the last ended") }
                    reading.parts.append(Reading.Part(field: field, fileName: fileName))
                case .bytes(let bytes):
                    guard !bytes.isEmpty, let last = reading.parts.indices.last, !reading.parts[last].ended else {
                        fatalError("bytes outside a part, or none")
                    }
                    reading.parts[last].bytes += bytes
                case .partEnded:
                    guard let last = reading.parts.indices.last, !reading.parts[last].ended else { fatalError("an end outside a part") }
                    reading.parts[last].ended = true
                }
            }
            start = end
        }
    } catch let error as MultipartReader.Malformed {
        reading.failure = error.message
    } catch {
        fatalError("an error other than Malformed: \(error)")
    }
    reading.finished = reader.isFinished
    return reading
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMultipartReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard size > 0, let data else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let boundary = boundaries[Int(input[0]) % boundaries.count]
    let contentType = "multipart/form-data; boundary=\"\(boundary)\""
    let body = input[1...]
    let whole = read(body, contentType: contentType, pieces: max(body.count, 1))
    let derived = 1 + Int(input[0] / 8) % 17
    for pieces in Set([1, 2, 3, 7, 64, 4_096, derived]) where pieces < body.count {
        let reading = read(body, contentType: contentType, pieces: pieces)
        // A failing call to consume returns none of its events, so what came before a failure
        // depends on the pieces; the failure itself must not.
        guard whole.failure == nil ? reading == whole : reading.failure == whole.failure else {
            fatalError("pieces of \(pieces): \(reading) vs whole \(whole)")
        }
    }
    return 0
}
