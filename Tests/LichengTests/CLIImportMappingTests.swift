import Testing
import Licheng
import LichengDomain

/// The CSV → event mapping behind `licheng import`, tested without a process.
@Suite struct CLIImportMappingTests {
    @Test func coursesSplitTeachersOnSemicolons() throws {
        let csv = "course_id,term,name,teachers,class\nC1,115-1,國語文,T1; T2,101\n"
        let batch = try CSVImport.events(.courses, csv: Array(csv.utf8), actor: "A1")
        #expect(batch.lines == [2])
        guard case .courseOffered(let c) = batch.events[0].body else { Issue.record("not course.offered"); return }
        #expect(c.teachers == ["T1", "T2"])
        #expect(c.class == "101")
        #expect(c.term == Term(115, 1))
    }

    @Test func staffRolesAreChecked() throws {
        let csv = "id,name,roles,homeroom_class\nT1,林老師,subject-teacher;homeroom-teacher,101\nT2,陳老師,teacher,\n"
        #expect {
            try CSVImport.events(.staff, csv: Array(csv.utf8), actor: "A1")
        } throws: { error in
            let e = error as? CSVError
            return e?.line == 3 && e?.column == "roles"
        }
    }

    @Test func unknownAndMissingColumnsAreNamed() throws {
        #expect(throws: CSVError.self) { try CSVImport.events(.students, csv: Array("id,name,klass\nS1,A,101\n".utf8), actor: "A1") }
        do {
            _ = try CSVImport.events(.grades, csv: Array("student,course_id,term,score\nS1,C1,115-1,90\n".utf8), actor: "A1")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("credits"))
        }
    }

    @Test func studentsCarryTheStudentInTheEnvelope() throws {
        let batch = try CSVImport.events(.students, csv: Array("ID,Name,Class\nS1,王小明,101\n".utf8), actor: "A1")
        #expect(batch.events[0].student == "S1")
        #expect(batch.events[0].type == .studentEnrolled)
    }
}
