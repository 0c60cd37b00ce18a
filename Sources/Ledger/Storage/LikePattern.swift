/// A LIKE pattern, as SQLite and PostgreSQL both read it with `ESCAPE '\'`.
enum LikePattern {
    /// Every text that begins with `text`, whatever `%`, `_` or backslash it holds.
    static func prefix(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
    }
}
