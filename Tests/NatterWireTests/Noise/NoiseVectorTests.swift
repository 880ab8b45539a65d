import Crypto
import Foundation
import NatterWire
import Testing

/// The official vectors (cacophony's, in Fixtures/ with their licence note):
/// every `Noise_XX_25519_ChaChaPoly_SHA256` and `Noise_XXpsk3_25519_ChaChaPoly_SHA256`.
struct NoiseVector: Decodable, Sendable, CustomTestStringConvertible {
    let protocol_name: String
    let init_prologue: String
    let init_psks: [String]?
    let init_static: String?
    let init_ephemeral: String?
    let resp_prologue: String
    let resp_psks: [String]?
    let resp_static: String?
    let resp_ephemeral: String?
    let handshake_hash: String?
    let messages: [Message]

    struct Message: Decodable, Sendable {
        let payload: String
        let ciphertext: String
    }

    var testDescription: String { "\(protocol_name) prologue \(init_prologue.prefix(8))" }

    static let all: [NoiseVector] = {
        guard let url = Bundle.module.url(forResource: "vectors-25519-chachapoly-sha256", withExtension: "json", subdirectory: "Fixtures"),
            let data = try? Data(contentsOf: url),
            let file = try? JSONDecoder().decode(File.self, from: data)
        else { return [] }
        return file.vectors.filter {
            $0.protocol_name == "Noise_XX_25519_ChaChaPoly_SHA256" || $0.protocol_name == "Noise_XXpsk3_25519_ChaChaPoly_SHA256"
        }
    }()

    struct File: Decodable { let vectors: [NoiseVector] }
}

func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        bytes.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

@Suite("Noise test vectors")
struct NoiseVectorTests {
    @Test func theFixtureHoldsBothPatterns() {
        let names = Set(NoiseVector.all.map(\.protocol_name))
        #expect(names == ["Noise_XX_25519_ChaChaPoly_SHA256", "Noise_XXpsk3_25519_ChaChaPoly_SHA256"])
        #expect(NoiseVector.all.count >= 2)
    }

    @Test(arguments: NoiseVector.all)
    func vectorPasses(_ vector: NoiseVector) throws {
        let pattern: NoiseHandshake.Pattern = vector.protocol_name.contains("psk3") ? .xxpsk3 : .xx
        func key(_ text: String?) throws -> Curve25519.KeyAgreement.PrivateKey {
            try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: hex(text ?? ""))
        }
        var initiator = NoiseHandshake(
            pattern: pattern, initiator: true, prologue: hex(vector.init_prologue), staticKey: try key(vector.init_static),
            psk: vector.init_psks?.first.map { SymmetricKey(data: hex($0)) }, ephemeral: try key(vector.init_ephemeral))
        var responder = NoiseHandshake(
            pattern: pattern, initiator: false, prologue: hex(vector.resp_prologue), staticKey: try key(vector.resp_static),
            psk: vector.resp_psks?.first.map { SymmetricKey(data: hex($0)) }, ephemeral: try key(vector.resp_ephemeral))

        var ciphers: (NoiseCipher, NoiseCipher, NoiseCipher, NoiseCipher)?
        for (index, message) in vector.messages.enumerated() {
            let initiatorSends = index % 2 == 0
            if index < 3 {
                let ciphertext = initiatorSends
                    ? try initiator.writeMessage(payload: hex(message.payload))
                    : try responder.writeMessage(payload: hex(message.payload))
                #expect(ciphertext == hex(message.ciphertext), "handshake message \(index)")
                let payload = initiatorSends ? try responder.readMessage(ciphertext) : try initiator.readMessage(ciphertext)
                #expect(payload == hex(message.payload))
                if index == 2 {
                    #expect(initiator.isComplete && responder.isComplete)
                    if let expected = vector.handshake_hash { #expect(initiator.handshakeHash == hex(expected)) }
                    #expect(initiator.handshakeHash == responder.handshakeHash)
                    let (i1, i2) = initiator.split(), (r1, r2) = responder.split()
                    ciphers = (i1, i2, r1, r2)
                }
            } else {
                guard var (initiatorSend, initiatorReceive, responderReceive, responderSend) = ciphers else { return }
                if initiatorSends {
                    let ciphertext = try initiatorSend.encrypt(hex(message.payload))
                    #expect(ciphertext == hex(message.ciphertext), "transport message \(index)")
                    #expect(try responderReceive.decrypt(ciphertext) == hex(message.payload))
                } else {
                    let ciphertext = try responderSend.encrypt(hex(message.payload))
                    #expect(ciphertext == hex(message.ciphertext), "transport message \(index)")
                    #expect(try initiatorReceive.decrypt(ciphertext) == hex(message.payload))
                }
                ciphers = (initiatorSend, initiatorReceive, responderReceive, responderSend)
            }
        }
        #expect(initiator.remoteStaticKey == Array(try key(vector.resp_static).publicKey.rawRepresentation))
        #expect(responder.remoteStaticKey == Array(try key(vector.init_static).publicKey.rawRepresentation))
    }

    @Test func aWrongPreSharedKeyFailsAtTheThirdMessage() throws {
        var initiator = NoiseHandshake(pattern: .xxpsk3, initiator: true, prologue: [], staticKey: .init(), psk: SymmetricKey(size: .bits256))
        var responder = NoiseHandshake(pattern: .xxpsk3, initiator: false, prologue: [], staticKey: .init(), psk: SymmetricKey(size: .bits256))
        _ = try responder.readMessage(try initiator.writeMessage())
        _ = try initiator.readMessage(try responder.writeMessage())
        let third = try initiator.writeMessage()
        #expect(throws: NoiseError.decryptionFailed) { _ = try responder.readMessage(third) }
    }

    @Test func aLowOrderPublicKeyIsRefused() throws {
        // The all-zero point gives an all-zero shared secret.
        #expect(throws: NoiseError.self) { _ = try NoiseHandshakeProbe.dhWithZeroPoint() }
    }
}

/// Drives a responder with an all-zero ephemeral key from the "initiator".
enum NoiseHandshakeProbe {
    static func dhWithZeroPoint() throws -> [UInt8] {
        var responder = NoiseHandshake(pattern: .xx, initiator: false, prologue: [], staticKey: .init())
        _ = try responder.readMessage([UInt8](repeating: 0, count: 32))
        return try responder.writeMessage()  // ee with the zero point must fail here
    }
}
