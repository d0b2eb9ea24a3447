import Testing
@testable import LichengDomain
