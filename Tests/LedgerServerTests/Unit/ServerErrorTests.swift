import DataExchange
import Foundation
import Ledger
import Testing

@testable import LedgerServer

/// Every error a route throws becomes an answer a person can act on, in one place.
@Suite struct ServerErrorTests {
    struct Unexpected: Error { var secret = "/srv/ledger/internal/path" }

    @Test func aFileTheScannerCannotReadIsTheClientsToCorrect() {
        let unreadable = ServerError(DataExchangeError(.unreadableFile, "The file is a workbook, not CSV: save it as CSV UTF-8 and drop it again."))
        #expect(unreadable.status == .unprocessableContent && unreadable.message.contains("save it as CSV"))
        // The server's own failures say nothing of its insides.
        let specification = ServerError(DataExchangeError(.invalidSpecification, "/srv/spec.csv line 3 is malformed", path: "/srv/spec.csv"))
        #expect(specification.status == .internalServerError && !specification.message.contains("/srv"))
    }

    @Test func thePermanentLogIsToldAStableReadableReason() {
        #expect(LedgerError.reason(LedgerError(.notFound, "There is no import 1234.")) == "There is no import 1234.")
        #expect(LedgerError.reason(DataExchangeError(.unreadableFile, "Cannot read x.csv.")) == "Cannot read x.csv.")
        let unexpected = LedgerError.reason(Unexpected())
        #expect(!unexpected.contains("Unexpected") && !unexpected.contains("/srv") && unexpected.contains("server's log"))
    }
}
