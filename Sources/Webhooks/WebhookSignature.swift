import Crypto
import Foundation

/// How a delivery is signed, and how a receiver checks it: HMAC-SHA256, keyed by the webhook's
/// secret, over the timestamp header, a full stop, and the body's bytes as sent
/// (docs/api.md, "Checking a signature").
public enum WebhookSignature {
    /// `sha256=` and the HMAC in hex: the `X-Ledger-Signature` header.
    public static func header(body: some DataProtocol, timestamp: Int, secret: String) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(contentsOf: body)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `header` signs `body` at `timestamp` with `secret`, compared in constant time.
    public static func isValid(_ header: String, body: some DataProtocol, timestamp: Int, secret: String) -> Bool {
        let expected = Data(self.header(body: body, timestamp: timestamp, secret: secret).utf8), given = Data(header.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
