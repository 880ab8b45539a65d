// swift-tools-version: 6.1
import PackageDescription

/// Every target gets the same upcoming features, so a type that leaks out of a
/// module must be spelled `public import`, and `any` is always explicit.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "natter",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "natter", targets: ["natter"]),
        .library(name: "NatterCore", targets: ["NatterCore"]),
        .library(name: "NatterWire", targets: ["NatterWire"]),
        .executable(name: "natter-forwarder", targets: ["natter-forwarder"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // The local API and the web UI's HTTP server; no traits, so swift-configuration is not built.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        // Hummingbird's own HTTP types and their NIO codecs, which natter's channel handlers speak.
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        // Pure: identities, conversations, messages, the session-state machine.
        .target(name: "NatterCore", swiftSettings: strictSettings),
        // Pure: team key schedule, device identity, handshake, frame and datagram codecs.
        .target(
            name: "NatterWire",
            dependencies: [
                "NatterCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        // The local API's contract: typed requests, views and events, and the
        // client front ends use. No GRDB or crypto, and of SwiftNIO only the
        // HTTP codec (NatterCore only lends its closed sets of values,
        // Sources/NatterAPI/Exports.swift).
        .target(
            name: "NatterAPI",
            dependencies: [
                "NatterCore",
                // The client's HTTP/1.1 codec (Docs/architecture.md, "The API client").
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // The system's libavahi-client, wrapped thinly.
        .systemLibrary(
            name: "CAvahi",
            pkgConfig: "avahi-client",
            providers: [.apt(["libavahi-client-dev"])]
        ),
        .target(
            name: "NatterDiscovery",
            dependencies: ["NatterCore", "NatterWire", "CAvahi", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        // Writes `natterVersion` from Packaging/debian/changelog, the version's one home.
        .plugin(name: "VersionFromChangelog", capability: .buildTool()),
        // The running peer: links, routing, outbox, store, local API.
        .target(
            name: "NatterNode",
            dependencies: [
                "NatterCore", "NatterWire", "NatterDiscovery", "NatterAPI", "Spawn",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),  // the store's WAL hook (WriteAheadLog)
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strictSettings,
            plugins: ["VersionFromChangelog"]
        ),
        // The daemon's HTTP edge on Hummingbird 2: the web UI's loopback
        // listener (and its access rules) in front of the daemon's API. Its
        // own module, so Hummingbird's FoundationEssentials does not change
        // how NatterNode's files see Glibc's types.
        .target(
            name: "NatterHTTP",
            dependencies: [
                "NatterNode", "NatterAPI", "NatterCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // Pure pieces of the terminal chat window: key decoding, the input line, screen layout,
        // and what a conversation shows from the API's views and events.
        .target(name: "NatterTerminal", dependencies: ["NatterCore", "NatterAPI"], swiftSettings: strictSettings),
        .executableTarget(
            name: "natter",
            dependencies: [
                "NatterCore", "NatterWire", "NatterDiscovery", "NatterNode", "NatterHTTP", "NatterAPI", "NatterTerminal", "Spawn",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // The forwarder's pure engine: admission, directory, relays, datagram routes (no SwiftNIO).
        .target(
            name: "NatterForwarder",
            dependencies: ["NatterCore", "NatterWire"],
            swiftSettings: strictSettings
        ),
        // `natter-forwarder`: the engine wired to SwiftNIO, config, metrics and mDNS.
        .executableTarget(
            name: "natter-forwarder",
            dependencies: [
                "NatterForwarder", "NatterCore", "NatterWire", "NatterDiscovery",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings,
            plugins: ["VersionFromChangelog"]
        ),
        // Child processes started the way a shell starts them (for the lab and the bench).
        .target(name: "Spawn", swiftSettings: strictSettings),
        // `make bench`'s measuring tool (scripts/bench runs it in and around the lab).
        .executableTarget(
            name: "natter-bench",
            dependencies: [
                "NatterAPI", "NatterCore", "NatterWire", "Spawn", "CNatterBench", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        // natter-bench's datagram generator and counter (sendmmsg/recvmmsg, which Glibc's module does not export).
        .target(name: "CNatterBench"),
        // libFuzzer target over every parser of untrusted bytes (`make fuzz`);
        // in a normal build it replays saved inputs.
        .executableTarget(
            name: "natter-fuzz",
            dependencies: [
                "NatterCore", "NatterWire", "NatterDiscovery", "NatterTerminal",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/Fuzz",
            swiftSettings: strictSettings
        ),
        // Publishes or browses `_natter-fwd._tcp` through NatterDiscovery inside a lab host (the lab tests' probe).
        .executableTarget(
            name: "natter-avahi-probe",
            dependencies: ["NatterDiscovery", "NatterWire", "NatterCore", .product(name: "Logging", package: "swift-log")],
            path: "Tests/AvahiProbe",
            swiftSettings: strictSettings
        ),
        // Test support: drives Tests/lab/netlab (network-namespace hosts) from Swift tests.
        .target(name: "LabSupport", dependencies: ["Spawn"], path: "Tests/LabSupport", swiftSettings: strictSettings),
        // Test support for the daemon (the HummingbirdTesting pattern): links
        // in memory, a test clock, a temporary store — daemon tests without root.
        .target(
            name: "NatterTesting",
            dependencies: ["NatterNode", "NatterAPI", "NatterCore", "NatterWire", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "NatterCoreTests", dependencies: ["NatterCore"], swiftSettings: strictSettings),
        .testTarget(
            name: "NatterAPITests", dependencies: ["NatterAPI", .product(name: "NIOHTTP1", package: "swift-nio")],
            swiftSettings: strictSettings),
        .testTarget(
            name: "NatterWireTests",
            dependencies: ["NatterWire", "NatterTesting", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "NatterTerminalTests", dependencies: ["NatterTerminal", "NatterAPI"], swiftSettings: strictSettings),
        .testTarget(
            name: "NatterDiscoveryTests",
            dependencies: ["NatterDiscovery", "NatterWire", "NatterCore", "LabSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NatterNodeTests",
            dependencies: [
                "NatterNode", "NatterWire", "NatterCore", "NatterAPI", "NatterDiscovery", "NatterTesting",
                .product(name: "GRDB", package: "GRDB.swift"),  // the store's tests read its connection's settings
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NatterHTTPTests",
            dependencies: [
                "NatterHTTP", "NatterNode", "NatterAPI", "NatterCore", "NatterTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NatterForwarderTests",
            dependencies: [
                "NatterForwarder", "natter-forwarder", "NatterWire", "NatterCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // Whole-product tests on lab hosts: the real `natter` binary, CLI and chat in tmux.
        .testTarget(
            name: "NatterEndToEndTests",
            dependencies: ["LabSupport", "Spawn", "NatterWire", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
    ]
)
