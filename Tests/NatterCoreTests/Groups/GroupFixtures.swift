import NatterCore

/// A fingerprint whose bytes are all `byte`: alice = 1, bob = 2, carol = 3, dave = 4, eve = 5.
func member(_ byte: UInt8) -> DeviceFingerprint { DeviceFingerprint(bytes: Array(repeating: byte, count: DeviceFingerprint.byteCount)) }

let alice = member(1), bob = member(2), carol = member(3), dave = member(4), eve = member(5)

func groupID(_ byte: UInt8) -> GroupID { GroupID(bytes: Array(repeating: byte, count: GroupID.byteCount))! }

/// A message id whose bytes are all `byte`.
func messageID(_ byte: UInt8) -> MessageID { MessageID(bytes: Array(repeating: byte, count: MessageID.byteCount))! }

func key(_ milliseconds: UInt64, _ sender: DeviceFingerprint, id: UInt8) -> GroupOrderKey {
    GroupOrderKey(timestamp: HybridTimestamp(milliseconds: milliseconds, counter: 0), sender: sender, id: messageID(id))
}

func lunch(creator: DeviceFingerprint = alice, others: [DeviceFingerprint] = [bob, carol]) throws -> GroupRoster {
    try GroupRoster.create(id: groupID(7), name: GroupName("Lunch"), creator: creator, others: others)
}
