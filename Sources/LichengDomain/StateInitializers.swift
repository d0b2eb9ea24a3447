// Field-by-field constructors for state values that the engine rebuilds from its
// snapshot form (the synthesized memberwise initializers are internal to this module).

extension ReceiptRecord {
    public static func fields(status: ReceiptStatus, method: ReceiptMethod?, reason: String?, seq: UInt64, at: Timestamp,
                              by: String, everConfirmed: Bool) -> ReceiptRecord {
        ReceiptRecord(status: status, method: method, reason: reason, seq: seq, at: at, by: by, everConfirmed: everConfirmed)
    }
}

extension Batch {
    public static func fields(batchId: String, kind: SubmissionKind, year: AcademicYear, term: Term?, items: [String],
                              students: [String], replaces: String?, replacedBy: String?, submittedBy: String,
                              onBehalfOf: String?, seq: UInt64, at: Timestamp) -> Batch {
        Batch(batchId: batchId, kind: kind, year: year, term: term, items: items, students: students, replaces: replaces,
              replacedBy: replacedBy, submittedBy: submittedBy, onBehalfOf: onBehalfOf, seq: seq, at: at)
    }
}

extension CourseInfo {
    public static func fields(courseId: String, term: Term, name: String, teachers: [String], class: String?) -> CourseInfo {
        CourseInfo(courseId: courseId, term: term, name: name, teachers: teachers, class: `class`)
    }
}

extension StudentInfo {
    public static func fields(id: String, name: String, class: String, enrolledSeq: UInt64) -> StudentInfo {
        StudentInfo(id: id, name: name, class: `class`, enrolledSeq: enrolledSeq)
    }
}
