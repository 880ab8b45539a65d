import NatterCore
import NatterDiscovery
import NatterNode
import Testing

@Suite("config.toml: every key, its default, a clear error for a bad value")
struct NatterConfigTests {
    @Test func aShortFileGetsTheDefaults() throws {
        let config = try NatterConfig(toml: #"name = "Alice""#)
        #expect(config == NatterConfig(displayName: "Alice"))
        #expect(config.tcpPort == 0 && config.udpPort == 0 && config.mdns && config.staticPeers.isEmpty && config.forwarders.isEmpty)
        #expect(config.language == .english)
        #expect(config.timings == SessionStateTimings())
    }

    @Test func whatInitWritesReadsBackTheSame() throws {
        var config = NatterConfig(displayName: "张 \"Quote\" Example")
        config.language = .simplifiedChinese
        config.tcpPort = 47_100
        config.mdns = false
        config.staticPeers = try ["10.0.0.7:7300", "[fe80::1%eth0]:7301"].map(StaticPeer.init(parsing:))
        config.forwarders = try ["fwd.office.example:7310", "10.0.0.2:7310"].map(StaticPeer.init(parsing:))
        config.timings.pausedTyping = .milliseconds(2500)
        #expect(try NatterConfig(toml: config.tomlText) == config)
    }

    @Test func theWebPortIsUnsetByDefaultZeroOrAPortAndReadsBack() throws {
        #expect(try NatterConfig(toml: #"name = "A""#).webPort == nil)
        #expect(try NatterConfig(toml: "name = \"A\"\n[web]\nport = 0").webPort == 0)
        var config = try NatterConfig(toml: "name = \"A\"\n[web]\nport = 8080")
        #expect(config.webPort == 8080)
        #expect(try NatterConfig(toml: config.tomlText) == config)
        config.webPort = nil
        #expect(config.tomlText.contains("# port = 21000"), "init leaves the per-user default in place")
        #expect(try NatterConfig(toml: config.tomlText) == config)
        #expect(throws: ConfigError.invalid("`web.port` must be a port number from 0 to 65535")) {
            try NatterConfig(toml: "name = \"A\"\n[web]\nport = 70000")
        }
        #expect(throws: ConfigError.invalid("`web.prot` is not a setting natter knows; known here: port")) {
            try NatterConfig(toml: "name = \"A\"\n[web]\nprot = 1")
        }
    }

    @Test func aMalformedStaticPeerStopsTheDaemonNamingTheEntry() {
        let text = """
            name = "Alice"
            [network]
            static_peers = ["10.0.0.7:7300", "desk-12 7300"]
            """
        #expect(throws: ConfigError.invalid("`network.static_peers`: " + DiscoveryError.invalidStaticPeer("desk-12 7300").description)) {
            try NatterConfig(toml: text)
        }
    }

    @Test(arguments: [
        ("", "`name` is missing"),
        (#"name = "A"\#nlanguage = "fr""#, "`language` must be"),
        (#"name = "A"\#n[network]\#ntcp_port = 70000"#, "`network.tcp_port` must be a port number"),
        (#"name = "A"\#n[timings]\#naway = -1"#, "`timings.away` must be a number of seconds"),
        (#"name = "A"\#n[timings]\#naway = 0.0001"#, "`timings.away` must be a number of seconds"),
        ("name = ", "line 1"),
        ("name = 5", "`name` must be a non-empty string"),
        (#"name = "A"\#nlanguage = 1"#, "`language` must be"),
        (#"name = "A"\#n[network]\#nmdns = "no""#, "`network.mdns` must be true or false"),
        (#"name = "A"\#n[network]\#ntcpport = 7300"#, "`network.tcpport` is not a setting natter knows"),
        (#"name = "A"\#nnetwork = 1"#, "`network` must be a table"),
        (#"name = "A"\#n[network]\#nstatic_peers = "10.0.0.7:7300""#, "`network.static_peers` must be a list"),
        (#"name = "A"\#nnmae = "B""#, "`nmae` is not a setting natter knows"),
        (#"name = "A"\#n[network]\#nforwarders = ["fwd"]"#, "`network.forwarders`: \"fwd\" is not a static peer"),
        (#"name = "A"\#n[network]\#nforwarders = [7310]"#, "`network.forwarders` must be a list"),
    ])
    func badValuesAreNamed(_ text: String, _ expected: String) {
        #expect {
            try NatterConfig(toml: text)
        } throws: { error in
            (error as? ConfigError)?.description.contains(expected) == true
        }
    }
}
