import Foundation
import Testing

/// A fresh clone in an empty folder must build and pass its tests: nothing the repository runs
/// may reach for a file beside it.
@Suite struct RepositoryStandsAloneTests {
    /// The folder beside the clone, and the ways code climbs above the root it found (the root
    /// variables of the scripts, the tests' `repositoryRoot`). Built from parts, so that this file
    /// does not hold them itself.
    static let needles: [String] = [
        ["..", "/shared"], ["shared", "/tools"], ["shared", "/spec"], ["ROOT, ", "\"..\""], ["REPO, ", "\"..\""],
        ["dirname(", "ROOT)"], ["dirname(", "REPO)"], ["Root.", "deletingLastPathComponent()"],
    ].map { (parts: [String]) in parts.joined() }

    static let checked = ["Sources", "Tests", "Scripts", ".ci", "Package.swift"]

    @Test func noFileNamesAPathOutsideTheRepository() throws {
        let root = LedgerProcess.repositoryRoot
        var files: [URL] = []
        for name in Self.checked {
            let url = root.appendingPathComponent(name)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else { continue }
            if !isFolder.boolValue { files.append(url); continue }
            let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey])
            while let file = walker?.nextObject() as? URL {
                if (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { files.append(file) }
            }
        }
        #expect(files.count > 50, "the walk found the repository's files")
        var findings: [String] = []
        for file in files {
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if let needle = Self.needles.first(where: { line.contains($0) }) ?? Self.climbOut(line, in: file, root: root) {
                    findings.append("\(file.path.dropFirst(root.path.count + 1)):\(number + 1): \(needle)")
                }
            }
        }
        #expect(findings.isEmpty, "paths outside the repository:\n\(findings.joined(separator: "\n"))")
    }

    /// A relative path that climbs above the repository's root from the file that names it.
    static func climbOut(_ line: Substring, in file: URL, root: URL) -> String? {
        let depth = file.deletingLastPathComponent().pathComponents.count - root.pathComponents.count
        var search = line[...]
        while let range = search.range(of: "../") {
            var start = range.lowerBound
            // Count the whole run of `../`.
            var climbs = 0
            var cursor = start
            while line[cursor...].hasPrefix("../") {
                climbs += 1
                cursor = line.index(cursor, offsetBy: 3)
            }
            if climbs > depth { return String(line[start..<cursor]) }
            start = cursor
            search = line[cursor...]
        }
        return nil
    }
}
