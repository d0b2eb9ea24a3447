// Closed value sets used in event data. Stored by index: append new cases at the end only.

public enum StaffRole: String, FieldChoice, Sendable {
    case principal, academicDirector = "academic-director", studentAffairsDirector = "student-affairs-director"
    case counselingDirector = "counseling-director", libraryDirector = "library-director"
    case examSection = "exam-section", researchSection = "research-section"
    case activitiesSection = "activities-section", clubsSection = "clubs-section"
    case disciplineSection = "discipline-section", dataSection = "data-section"
    case counselingOffice = "counseling-office", courseCounselor = "course-counselor"
    case careerCounselor = "career-counselor", homeroomTeacher = "homeroom-teacher"
    case subjectTeacher = "subject-teacher", auditor, backupAdmin = "backup-admin"
}

public enum WindowKind: String, FieldChoice, Sendable {
    case courseOutcomeUpload = "course-outcome-upload", certification
    case performanceUpload = "performance-upload", selection, submission
    case receiptConfirmation = "receipt-confirmation"
}

public enum TrainingKind: String, FieldChoice, Sendable {
    case orientation, systemTraining = "system-training", workshop
}

public enum Audience: String, FieldChoice, Sendable {
    case students, parents, teachers, staff
}

public enum DepartureReason: String, FieldChoice, Sendable {
    case graduated, withdrawn, transferredOut = "transferred-out", other
}

public enum ReEnrolmentKind: String, FieldChoice, Sendable {
    /// 復學: back after a suspension of studies.
    case resumed
    /// 重讀: repeating a year.
    case repeating
}

public enum CadreLevel: String, FieldChoice, Sendable {
    case school, `class`, club
}

public enum CertificationDecision: String, FieldChoice, Sendable {
    case certified, returned
}

/// Certification attests only that the work is the student's own and filed under the right course.
public enum ReturnReason: String, FieldChoice, Sendable {
    case notOwnWork = "not-own-work", wrongCourse = "wrong-course"
}

public enum PerformanceCategory: String, FieldChoice, Sendable {
    case cadre, competition, certificate, serviceLearning = "service-learning"
    case flexibleLearning = "flexible-learning", groupActivity = "group-activity"
    case workplaceLearning = "workplace-learning", work, advancedPlacement = "advanced-placement", other
}

public enum SubmissionKind: String, FieldChoice, Sendable {
    case enrolmentAndGrades = "enrolment-and-grades", courseOutcomes = "course-outcomes", cadres, performances

    /// The unit that owns (submits, and resolves disputes about) this kind.
    public var owner: StaffRole {
        switch self {
        case .enrolmentAndGrades, .courseOutcomes: .examSection
        case .cadres: .activitiesSection
        case .performances: .clubsSection
        }
    }
}

public enum ReceiptMethod: String, FieldChoice, Sendable {
    case platform, mail
}
