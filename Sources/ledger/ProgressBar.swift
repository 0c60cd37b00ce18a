import Foundation

/// A progress bar on standard error, shown only on a terminal and only for work long enough to
/// need one.
struct ProgressBar {
    /// Work in bytes is worth a bar from a few megabytes; work in events passes its own measure.
    static let bytesWorthABar = 4 << 20
    let total: Int
    let label: String
    private let enabled: Bool
    private var shown = -1

    init(total: Int, label: String, worthABarFrom threshold: Int = bytesWorthABar) {
        self.total = total
        self.label = label
        enabled = total >= threshold && isatty(STDERR_FILENO) == 1
    }

    mutating func update(_ done: Int) {
        guard enabled else { return }
        let percent = min(100, done * 100 / max(total, 1))
        guard percent != shown else { return }
        shown = percent
        let width = 30, filled = percent * width / 100
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) \(bar) \(percent)%".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
