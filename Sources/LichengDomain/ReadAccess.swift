// Who may read what (SPEC §2): the records are minors' personal data.

public enum ReadAccess {
    /// Roles that read every portfolio: principal, academic-director, exam-section, auditor;
    /// and the units whose duties cover every student (they record for all of them).
    static let everything: Set<StaffRole> = [.principal, .academicDirector, .examSection, .auditor]
    static let schoolWideDuties: Set<StaffRole> = [
        .researchSection, .activitiesSection, .clubsSection, .disciplineSection, .counselingOffice,
        .courseCounselor, .counselingDirector, .studentAffairsDirector,
    ]

    /// May `actor` read the portfolio of `student` now? A student reads their own; a homeroom
    /// teacher reads their class; a subject teacher reads the classes of their courses and the
    /// students with items in their courses; `backup-admin` reads no portfolio content; expired
    /// accounts read nothing. A proxy reads, while it holds them, what the accounts it replaces
    /// read (SPEC §6: the successor needs the records to do the work that passed to them).
    /// `student` is the student's state (as of now: read access follows today's duties).
    public static func mayRead(actor: String, student: StudentState, shared: SharedState, now: Timestamp) -> Bool {
        if actor == student.id { return student.isKnown }
        guard let a = shared.staff[actor], !a.isExpired(at: now) else { return false }
        if duties(of: a, cover: student, shared: shared) { return true }
        return shared.accountsReplaced(by: actor, at: now).contains { duties(of: $0, cover: student, shared: shared) }
    }

    /// Whether the account's roles, class and courses cover the student (expiry not judged).
    static func duties(of a: StaffAccount, cover student: StudentState, shared: SharedState) -> Bool {
        if !everything.isDisjoint(with: a.roles) || !schoolWideDuties.isDisjoint(with: a.roles) { return true }
        guard student.purgedSeq == nil, let info = student.registry else { return false }
        if a.has(.homeroomTeacher), a.homeroomClass == info.class { return true }
        if a.has(.subjectTeacher) {
            let mine = shared.courses(taughtBy: a.id)
            if mine.contains(where: { $0.class == info.class }) { return true }
            let keys = Set(mine.map(\.key))
            // Only items of this school's courses (an imported item names the other school's course IDs).
            if student.items.values.contains(where: { i in
                i.courseId != nil && i.term != nil && keys.contains(SharedState.courseKey(i.courseId!, i.term!)) && i.importedFrom == nil
            }) { return true }
        }
        return false
    }

    /// May `actor` read school-wide reports (compliance, audit of everyone)?
    public static func mayReadSchoolWide(actor: String, shared: SharedState, now: Timestamp) -> Bool {
        guard let a = shared.staff[actor], !a.isExpired(at: now) else { return false }
        return !everything.isDisjoint(with: a.roles)
    }
}
