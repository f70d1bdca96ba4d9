// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Kawaraban",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kawaraban", targets: ["kawaraban"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0",
                       providers: [.apt(["libxml2-dev"])]),
        // The site compresses each cached page once, with the system's encoders.
        .systemLibrary(name: "CBrotli", path: "Sources/CBrotli", pkgConfig: "libbrotlienc",
                       providers: [.apt(["libbrotli-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "KawarabanCore"),
        .target(name: "Feeds", dependencies: ["KawarabanCore", "CLibXML2"]),
        .target(name: "Extraction", dependencies: ["KawarabanCore", "CLibXML2"]),
        .target(name: "Sanitizer", dependencies: ["KawarabanCore", "CLibXML2"]),
        .target(name: "Fetching", dependencies: [
            "KawarabanCore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "LLM", dependencies: [
            "KawarabanCore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "Newsroom", dependencies: ["KawarabanCore", "LLM"], resources: [.copy("Resources")]),
        .target(name: "Store", dependencies: [
            "KawarabanCore",
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "SQLiteKit", package: "sqlite-kit"),
            .product(name: "PostgresKit", package: "postgres-kit"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .target(name: "Pipeline", dependencies: [
            "KawarabanCore", "Feeds", "Fetching", "Extraction", "LLM", "Newsroom", "Store", "Sanitizer",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "Site", dependencies: [
            "KawarabanCore", "Store", "Sanitizer", "CBrotli", "CZlib",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ], resources: [.copy("Templates"), .copy("Assets")]),
        .executableTarget(name: "kawaraban", dependencies: [
            "KawarabanCore", "Pipeline", "Site", "Store", "Feeds", "Extraction", "Fetching", "LLM", "Newsroom",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .systemLibrary(name: "CLibFuzzer", path: "Sources/CLibFuzzer"),
        // Built normally it replays saved inputs; the README has the libFuzzer build.
        .executableTarget(name: "kawaraban-fuzz", dependencies: ["Extraction", "Sanitizer", "Feeds", "CLibFuzzer"], path: "Sources/Fuzz"),
        .target(name: "TestSupport", dependencies: [
            "Store",
            .product(name: "PostgresKit", package: "postgres-kit"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/TestSupport", resources: [.copy("Resources")]),
        .testTarget(name: "KawarabanCoreTests", dependencies: ["KawarabanCore"]),
        .testTarget(name: "FeedsTests", dependencies: ["Feeds", "TestSupport"], resources: [.copy("Resources")]),
        .testTarget(name: "ExtractionTests", dependencies: ["Extraction", "TestSupport"], resources: [.copy("Resources")]),
        .testTarget(name: "SanitizerTests", dependencies: ["Sanitizer", "Feeds", "CLibXML2", "TestSupport"]),
        .testTarget(name: "FetchingTests", dependencies: ["Fetching", "TestSupport"]),
        .testTarget(name: "LLMTests", dependencies: ["LLM", "TestSupport"]),
        .testTarget(name: "NewsroomTests", dependencies: ["Newsroom", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "TestSupport"], resources: [.copy("Resources")]),
        .testTarget(name: "SiteTests", dependencies: [
            "Site", "Feeds", "Store", "TestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "EndToEndTests", dependencies: [
            "KawarabanCore", "TestSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ], resources: [.copy("Resources")]),
        // Each hostile input runs through the built executable, measured in a process of its own.
        .testTarget(name: "HostileInputTests", dependencies: [
            "KawarabanCore", "Feeds", "Extraction", "Sanitizer", "Fetching", "LLM", "Newsroom", "Store", "Pipeline",
            "Site", "TestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
