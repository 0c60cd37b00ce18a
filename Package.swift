// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "DataExchangeLedger",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ledger", targets: ["ledger"]),
        .library(name: "DataExchange", targets: ["DataExchange"]),
        .library(name: "Ledger", targets: ["Ledger"]),
        .library(name: "LedgerServer", targets: ["LedgerServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        .target(
            name: "DataExchange",
            resources: [.copy("Resources")]
        ),
        .target(
            name: "Ledger",
            dependencies: [
                "DataExchange",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(name: "LedgerServer", dependencies: ["Ledger"]),
        .executableTarget(
            name: "ledger",
            dependencies: [
                "DataExchange",
                "Ledger",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "DataExchangeTests", dependencies: ["DataExchange"]),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger"]),
        .testTarget(name: "LedgerCommandTests", dependencies: ["ledger", "DataExchange"]),
        .testTarget(name: "LedgerServerTests", dependencies: ["LedgerServer"]),
    ]
)
