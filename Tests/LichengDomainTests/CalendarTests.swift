import Testing
@testable import LichengDomain

@Suite struct CalendarTests {
    @Test func rfc3339WithOffsetParsesToMicroseconds() {
        #expect(Taipei.parse("1970-01-01T08:00:00+08:00") == 0)
        #expect(Taipei.parse("1970-01-01T00:00:00Z") == 0)
        #expect(Taipei.parse("2025-03-01T01:30:00Z") == Taipei.parse("2025-03-01T09:30:00+08:00"))
        #expect(Taipei.parse("2025-03-01T09:30:00.5+08:00")! - Taipei.parse("2025-03-01T09:30:00+08:00")! == 500_000)
        #expect(Taipei.parse("2025-02-28T20:00:00-05:00") == Taipei.parse("2025-03-01T09:00:00+08:00"))
    }

    @Test func bareDateIsMidnightTaipei() {
        #expect(Taipei.parse("2025-03-01") == Taipei.parse("2025-03-01T00:00:00+08:00"))
        #expect(LocalDate("2025-03-01")!.start == Taipei.parse("2025-03-01")!)
    }

    @Test(arguments: ["2025-02-29", "2025-13-01", "2025-03-01T24:00:00+08:00", "2025-03-01T09:30:00", "25-03-01",
                      "2025-03-01T09:30:00+0800", "2025-03-01T09:30:00.+08:00", "", "0999-01-01"])
    func invalidTimesAreRefused(_ s: String) {
        #expect(Taipei.parse(s) == nil)
    }

    @Test func formattingIsAlwaysTaipeiWithSecondsPrecision() {
        #expect(Taipei.format(ts("2025-03-01T01:30:00Z")) == "2025-03-01T09:30:00+08:00")
        #expect(Taipei.format(ts("2025-03-01T09:30:00.250+08:00")) == "2025-03-01T09:30:00.25+08:00")
        #expect(Taipei.format(ts("2024-12-31T23:59:59.000001+08:00")) == "2024-12-31T23:59:59.000001+08:00")
        #expect(Taipei.format(-1) == "1970-01-01T07:59:59.999999+08:00")
    }

    @Test func civilDateRoundTripsOverFourHundredYears() {
        var d = Taipei.daysFromCivil(1900, 1, 1)
        let end = Taipei.daysFromCivil(2300, 1, 1)
        while d < end {
            let c = Taipei.civilFromDays(d)
            #expect(Taipei.daysFromCivil(c.year, c.month, c.day) == d)
            d += 37
        }
        #expect(LocalDate("2024-02-29")!.description == "2024-02-29")
    }

    @Test func termsFollowTheRocAcademicYear() {
        #expect(Term.containing(ts("2024-08-01")) == Term(113, 1))
        #expect(Term.containing(ts("2024-07-31T23:59:59+08:00")) == Term(112, 2))
        #expect(Term.containing(ts("2025-01-31T23:59:59+08:00")) == Term(113, 1))
        #expect(Term.containing(ts("2025-02-01")) == Term(113, 2))
        // 2025-01-31T16:00Z is 2025-02-01 00:00 in Taipei.
        #expect(Term.containing(ts("2025-01-31T16:00:00Z")) == Term(113, 2))
        #expect(Term(113, 1).start == ts("2024-08-01"))
        #expect(Term(113, 1).end == ts("2025-02-01"))
        #expect(Term(113, 2).end == ts("2025-08-01"))
        #expect(AcademicYear(113).start == ts("2024-08-01"))
        #expect(AcademicYear.containing(ts("2025-07-31")) == AcademicYear(113))
    }

    @Test func termTextParsesAndFormats() {
        #expect(Term("113-1") == Term(113, 1))
        #expect(Term("115-2")?.description == "115-2")
        for bad in ["113-3", "113", "-1", "113-1-1", "abc-1", "1134-1", ""] { #expect(Term(bad) == nil, "\(bad)") }
    }

    /// A retention period never ends early: 29 February moves to 1 March.
    @Test func addingYearsMovesLeapDayForward() {
        #expect(day("2024-02-29").adding(years: 3).description == "2027-03-01")
        #expect(day("2025-06-30").adding(years: 3).description == "2028-06-30")
    }
}
