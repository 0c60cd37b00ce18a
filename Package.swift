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
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .target(
            name: "DataExchange",
            resources: [.copy("Resources")]
        ),
        // The system's libpq (Debian's libpq-dev): PostgreSQL through its blocking C API
        // (docs/decisions/0023).
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(
            name: "Ledger",
            dependencies: [
                "DataExchange",
                "CLibPQ",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Webhooks sent to other systems as the log goes on (docs/decisions/0029).
        .target(
            name: "Webhooks",
            dependencies: [
                "Ledger",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "LedgerServer",
            dependencies: [
                "DataExchange",
                "Ledger",
                "Webhooks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Templates"), .copy("Static")]
        ),
        .executableTarget(
            name: "ledger",
            dependencies: [
                "DataExchange",
                "Ledger",
                "LedgerServer",
                "Webhooks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            linkerSettings: [.unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"], .when(platforms: [.linux]))]
        ),
        // What the test targets share: folders that clean up after themselves.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "DataExchangeTests", dependencies: ["DataExchange", "TestSupport"]),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger", "TestSupport"]),
        .testTarget(
            name: "WebhooksTests",
            dependencies: [
                "Webhooks",
                "Ledger",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "LedgerCommandTests", dependencies: ["ledger", "DataExchange", "Ledger", "TestSupport"]),
        .testTarget(
            name: "LedgerServerTests",
            dependencies: [
                "LedgerServer",
                "Ledger",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)
