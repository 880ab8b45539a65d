@testable import NatterDiscovery
import Testing

/// One instance resolved on several interfaces and in both families is one
/// sighting with every address, whatever order Avahi answered in.
@Suite("Avahi: an instance's resolutions as one sighting")
struct AvahiResolutionsTests {
    func resolution(_ address: String, txt: String = "v=2") -> AvahiService.Sighting {
        AvahiService.Sighting(instanceName: "n1", txt: [txt], address: address, port: 7300)
    }

    @Test func everyAddressInDialOrderTheRecordOfTheFirst() throws {
        let resolutions = [resolution("fe80::11%eth0", txt: "v=6"), resolution("10.231.0.11", txt: "v=4"), resolution("fd00:231::11", txt: "v=6")]
        for order in [resolutions, resolutions.reversed(), [resolutions[1], resolutions[0], resolutions[2]]] {
            let merged = try #require(AvahiService.merged(order))
            #expect(merged.addresses == ["10.231.0.11", "fd00:231::11", "fe80::11%eth0"])
            #expect(merged.address == "10.231.0.11")
            #expect(merged.txt == ["v=4"], "the record of the address dialled first")
        }
    }

    @Test func anIPv6OnlyLANGivesItsLinkLocalAddressWithItsInterface() throws {
        let merged = try #require(AvahiService.merged([resolution("fe80::12%eth0")]))
        #expect(merged.addresses == ["fe80::12%eth0"])
        #expect(AvahiService.merged([]) == nil)
    }

    @Test func theSameAddressOnTwoResolutionsIsListedOnce() throws {
        let merged = try #require(AvahiService.merged([resolution("10.0.0.1"), resolution("::ffff:10.0.0.1")]))
        #expect(merged.addresses == ["10.0.0.1"])
    }
}
