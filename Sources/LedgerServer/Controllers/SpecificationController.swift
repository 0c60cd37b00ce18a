import DataExchange
import Foundation
import Hummingbird
import Ledger

/// Step 1 of a utility's process: the specification file and the blank template, to download.
struct SpecificationController {
    let ledger: ServedLedger
    let pages: PageRenderer

    struct SpecificationPage {
        struct Column {
            var name: String
            var entity: String
            var requirement: String
            var description: String
        }
        var page: PageFrame
        var version: String
        var columns: [Column]
    }

    func addRoutes(to router: Router<LedgerRequestContext>) {
        router.get("specification") { _, context in
            _ = try context.require(.read)
            let specification = try await ledger.run { try $0.specification }
            let rows = Self.rows(of: specification.csv)
            return try pages.render("specification", SpecificationPage(
                page: PageFrame(title: "Specification", tab: "specification", context: context), version: specification.version,
                columns: rows.map { SpecificationPage.Column(name: $0["column"] ?? "", entity: $0["entity"] ?? "", requirement: $0["requirement"] ?? "",
                                                           description: $0["description"] ?? "") }))
        }
        router.get("specification.csv") { _, context in
            _ = try context.require(.read)
            let specification = try await ledger.run { try $0.specification }
            return Self.csv(specification.csv, name: "data-exchange-specification-\(specification.version).csv")
        }
        router.get("template.csv") { _, context in
            _ = try context.require(.read)
            return Self.csv(try await ledger.run { try $0.specification.template }, name: "data-exchange-template.csv")
        }
    }

    static func csv(_ text: String, name: String) -> Response {
        Response(status: .ok, headers: AssetsController.attachment(name), body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// The specification's own CSV rendering read back as rows by column name, so the page shows
    /// exactly what the file says.
    static func rows(of csv: String) -> [[String: String]] {
        let batch = CSVTokenizer.records(in: Array(csv.utf8))
        guard batch.count > 1 else { return [] }
        let header = batch.cells(ofRecordAt: 0).map { String(decoding: $0, as: UTF8.self) }
        return (1..<batch.count).map { index in
            let cells = batch.cells(ofRecordAt: index).map { String(decoding: $0, as: UTF8.self) }
            return Dictionary(zip(header, cells), uniquingKeysWith: { first, _ in first })
        }
    }
}
