import Testing
@testable import LichengLog
