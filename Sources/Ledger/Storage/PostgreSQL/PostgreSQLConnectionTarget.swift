import CLibPQ
import Foundation

/// Where a connection URL points, written for a person without its password, and the password
/// itself so that it can be taken out of any message that might quote it.
struct PostgreSQLConnectionTarget: CustomStringConvertible {
    /// `postgres://user@host:port/dbname`, or the URL with its password masked when libpq cannot
    /// read it.
    let description: String
    private let passwords: [String]

    init(_ url: String) {
        var options: [String: String] = [:]
        var parseError: UnsafeMutablePointer<CChar>?
        if let parsed = PQconninfoParse(url, &parseError) {
            defer { PQconninfoFree(parsed) }
            var option = parsed
            while let keyword = option.pointee.keyword {
                if let value = option.pointee.val { options[String(cString: keyword)] = String(cString: value) }
                option += 1
            }
        }
        if let parseError { PQfreemem(parseError) }
        let found = [options["password"], Self.passwordInURL(url)].compactMap { $0 }.filter { !$0.isEmpty }
        passwords = found + found.compactMap { $0.removingPercentEncoding }.filter { !found.contains($0) }
        if options.isEmpty {
            description = Self.masking(passwords, in: url)
        } else {
            let user = options["user"].map { "\($0)@" } ?? ""
            let host = options["host"] ?? options["hostaddr"] ?? "localhost"
            let port = options["port"].map { ":\($0)" } ?? ""
            description = "postgres://\(user)\(host)\(port)/\(options["dbname"] ?? "")"
        }
    }

    /// `message` with the password, wherever it appears, masked.
    func redacting(_ message: String) -> String { Self.masking(passwords, in: message) }

    private static func masking(_ passwords: [String], in text: String) -> String {
        passwords.reduce(text) { text, password in text.replacingOccurrences(of: password, with: "***") }
    }

    /// The password of `scheme://user:password@host…` or of `password=…` in a query or a
    /// key=value connection string, read without libpq: it may be a URL libpq refuses.
    private static func passwordInURL(_ url: String) -> String? {
        if let scheme = url.range(of: "://") {
            let authority = url[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" }
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                return String(authority[authority.index(after: colon)..<at])
            }
        }
        guard let key = url.range(of: #"password\s*=\s*"#, options: .regularExpression) else { return nil }
        let rest = url[key.upperBound...]
        if rest.first == "'" { return String(rest.dropFirst().prefix { $0 != "'" }) }
        return String(rest.prefix { !$0.isWhitespace && $0 != "&" })
    }
}
