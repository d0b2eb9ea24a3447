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

extension StoreInfo {
    public static func fields(schoolCode: String, schoolName: String, adminId: String, initializedAt: Timestamp) -> StoreInfo {
        StoreInfo(schoolCode: schoolCode, schoolName: schoolName, adminId: adminId, initializedAt: initializedAt)
    }
}

extension StaffAccount {
    public static func fields(id: String, name: String, roles: [StaffRole], homeroomClass: String?, registeredAt: Timestamp) -> StaffAccount {
        StaffAccount(id: id, name: name, roles: roles, homeroomClass: homeroomClass, registeredAt: registeredAt)
    }
}

extension WindowInfo {
    public static func fields(term: Term, kind: WindowKind, opensAt: Timestamp, closesAt: Timestamp, selfCheckAt: Timestamp?,
                              setSeq: UInt64, setAt: Timestamp, deadline: Timestamp?) -> WindowInfo {
        WindowInfo(term: term, kind: kind, opensAt: opensAt, closesAt: closesAt, selfCheckAt: selfCheckAt, setSeq: setSeq,
                   setAt: setAt, deadline: deadline)
    }
}

extension MeetingInfo {
    public static func fields(date: LocalDate, term: Term, decisions: String?, seq: UInt64, by: String) -> MeetingInfo {
        MeetingInfo(date: date, term: term, decisions: decisions, seq: seq, by: by)
    }
}

extension TrainingInfo {
    public static func fields(kind: TrainingKind, date: LocalDate, audience: [Audience], hosts: [String], title: String?, seq: UInt64) -> TrainingInfo {
        TrainingInfo(kind: kind, date: date, audience: audience, hosts: hosts, title: title, seq: seq)
    }
}
