// natter-lab-peer: runs discovery alone on a lab host. Built by the discovery issue.
import Foundation
FileHandle.standardError.write(Data("natter-lab-peer is not built yet\n".utf8))
exit(1)
