// GENERATED from the event table (see docs/EVENTS.md). Type codes are stable: never renumber.

public enum EventType: String, CaseIterable, Codable, Sendable {
    case storeInitialized = "store.initialized"
    case staffRegistered = "staff.registered"
    case staffRolesChanged = "staff.roles-changed"
    case staffDeparted = "staff.departed"
    case staffAccountExtended = "staff.account-extended"
    case staffUnavailable = "staff.unavailable"
    case staffAvailable = "staff.available"
    case proxyAssigned = "proxy.assigned"
    case workingGroupMemberSet = "working-group.member-set"
    case workingGroupMeetingHeld = "working-group.meeting-held"
    case scheduleWindowSet = "schedule.window-set"
    case policySet = "policy.set"
    case trainingHeld = "training.held"
    case studentEnrolled = "student.enrolled"
    case studentRecordUpdated = "student.record-updated"
    case studentDeparted = "student.departed"
    case studentReEnrolled = "student.re-enrolled"
    case courseOffered = "course.offered"
    case electiveRegistered = "elective.registered"
    case gradeRecorded = "grade.recorded"
    case counselingRecorded = "counseling.recorded"
    case coursePlanRecorded = "course-plan.recorded"
    case cadreRecorded = "cadre.recorded"
    case attendanceRecorded = "attendance.recorded"
    case serviceRecorded = "service.recorded"
    case autobiographyRecorded = "autobiography.recorded"
    case courseOutcomeUploaded = "course-outcome.uploaded"
    case courseOutcomeWithdrawn = "course-outcome.withdrawn"
    case courseOutcomeCertified = "course-outcome.certified"
    case performanceUploaded = "performance.uploaded"
    case performanceWithdrawn = "performance.withdrawn"
    case itemSelected = "item.selected"
    case itemDeselected = "item.deselected"
    case submissionMade = "submission.made"
    case receiptConfirmed = "receipt.confirmed"
    case receiptDisputed = "receipt.disputed"
    case receiptDisputeResolved = "receipt.dispute-resolved"
    case studentTransferredOut = "student.transferred-out"
    case studentTransferredIn = "student.transferred-in"
    case retentionPurged = "retention.purged"
    case schoolTrusted = "school.trusted"

    /// The stored type code (UInt16, little-endian, first bytes of a stored event).
    public var code: UInt16 {
        switch self {
        case .storeInitialized: 1
        case .staffRegistered: 2
        case .staffRolesChanged: 3
        case .staffDeparted: 4
        case .staffAccountExtended: 5
        case .staffUnavailable: 6
        case .staffAvailable: 7
        case .proxyAssigned: 8
        case .workingGroupMemberSet: 9
        case .workingGroupMeetingHeld: 10
        case .scheduleWindowSet: 11
        case .policySet: 12
        case .trainingHeld: 13
        case .studentEnrolled: 14
        case .studentRecordUpdated: 15
        case .studentDeparted: 16
        case .studentReEnrolled: 17
        case .courseOffered: 18
        case .electiveRegistered: 19
        case .gradeRecorded: 20
        case .counselingRecorded: 21
        case .coursePlanRecorded: 22
        case .cadreRecorded: 23
        case .attendanceRecorded: 24
        case .serviceRecorded: 25
        case .autobiographyRecorded: 26
        case .courseOutcomeUploaded: 27
        case .courseOutcomeWithdrawn: 28
        case .courseOutcomeCertified: 29
        case .performanceUploaded: 30
        case .performanceWithdrawn: 31
        case .itemSelected: 32
        case .itemDeselected: 33
        case .submissionMade: 34
        case .receiptConfirmed: 35
        case .receiptDisputed: 36
        case .receiptDisputeResolved: 37
        case .studentTransferredOut: 38
        case .studentTransferredIn: 39
        case .retentionPurged: 40
        case .schoolTrusted: 41
        }
    }

    public init?(code: UInt16) {
        switch code {
        case 1: self = .storeInitialized
        case 2: self = .staffRegistered
        case 3: self = .staffRolesChanged
        case 4: self = .staffDeparted
        case 5: self = .staffAccountExtended
        case 6: self = .staffUnavailable
        case 7: self = .staffAvailable
        case 8: self = .proxyAssigned
        case 9: self = .workingGroupMemberSet
        case 10: self = .workingGroupMeetingHeld
        case 11: self = .scheduleWindowSet
        case 12: self = .policySet
        case 13: self = .trainingHeld
        case 14: self = .studentEnrolled
        case 15: self = .studentRecordUpdated
        case 16: self = .studentDeparted
        case 17: self = .studentReEnrolled
        case 18: self = .courseOffered
        case 19: self = .electiveRegistered
        case 20: self = .gradeRecorded
        case 21: self = .counselingRecorded
        case 22: self = .coursePlanRecorded
        case 23: self = .cadreRecorded
        case 24: self = .attendanceRecorded
        case 25: self = .serviceRecorded
        case 26: self = .autobiographyRecorded
        case 27: self = .courseOutcomeUploaded
        case 28: self = .courseOutcomeWithdrawn
        case 29: self = .courseOutcomeCertified
        case 30: self = .performanceUploaded
        case 31: self = .performanceWithdrawn
        case 32: self = .itemSelected
        case 33: self = .itemDeselected
        case 34: self = .submissionMade
        case 35: self = .receiptConfirmed
        case 36: self = .receiptDisputed
        case 37: self = .receiptDisputeResolved
        case 38: self = .studentTransferredOut
        case 39: self = .studentTransferredIn
        case 40: self = .retentionPurged
        case 41: self = .schoolTrusted
        default: return nil
        }
    }

    /// The current schema version written for this type.
    public var schemaVersion: UInt8 {
        switch self {
        case .courseOutcomeUploaded: 2
        default: 1
        }
    }

    /// How the stream key is chosen: student events go to the student's stream.
    public var scope: EventScope {
        switch self {
        case .storeInitialized, .schoolTrusted, .staffRegistered, .staffRolesChanged, .staffDeparted, .staffAccountExtended, .staffUnavailable, .staffAvailable, .proxyAssigned, .workingGroupMemberSet, .workingGroupMeetingHeld, .scheduleWindowSet, .policySet, .trainingHeld, .courseOffered, .submissionMade: .shared
        case .studentEnrolled, .studentRecordUpdated, .studentDeparted, .studentReEnrolled, .electiveRegistered, .gradeRecorded, .counselingRecorded, .coursePlanRecorded, .cadreRecorded, .attendanceRecorded, .serviceRecorded, .autobiographyRecorded, .courseOutcomeUploaded, .courseOutcomeWithdrawn, .courseOutcomeCertified, .performanceUploaded, .performanceWithdrawn, .itemSelected, .itemDeselected, .receiptDisputed, .receiptDisputeResolved, .studentTransferredOut, .studentTransferredIn, .retentionPurged: .student
        case .receiptConfirmed: .studentWhenNamed
        }
    }
}

public enum EventScope: Sendable { case shared, student, studentWhenNamed }

/// The typed data of an event: one case per event type.
public enum EventBody: Equatable, Sendable {
    case storeInitialized(StoreInitialized)
    case staffRegistered(StaffRegistered)
    case staffRolesChanged(StaffRolesChanged)
    case staffDeparted(StaffDeparted)
    case staffAccountExtended(StaffAccountExtended)
    case staffUnavailable(StaffUnavailable)
    case staffAvailable(StaffAvailable)
    case proxyAssigned(ProxyAssigned)
    case workingGroupMemberSet(WorkingGroupMemberSet)
    case workingGroupMeetingHeld(WorkingGroupMeetingHeld)
    case scheduleWindowSet(ScheduleWindowSet)
    case policySet(PolicySet)
    case trainingHeld(TrainingHeld)
    case studentEnrolled(StudentEnrolled)
    case studentRecordUpdated(StudentRecordUpdated)
    case studentDeparted(StudentDeparted)
    case studentReEnrolled(StudentReEnrolled)
    case courseOffered(CourseOffered)
    case electiveRegistered(ElectiveRegistered)
    case gradeRecorded(GradeRecorded)
    case counselingRecorded(CounselingRecorded)
    case coursePlanRecorded(CoursePlanRecorded)
    case cadreRecorded(CadreRecorded)
    case attendanceRecorded(AttendanceRecorded)
    case serviceRecorded(ServiceRecorded)
    case autobiographyRecorded(AutobiographyRecorded)
    case courseOutcomeUploaded(CourseOutcomeUploaded)
    case courseOutcomeWithdrawn(ItemWithdrawn)
    case courseOutcomeCertified(CourseOutcomeCertified)
    case performanceUploaded(PerformanceUploaded)
    case performanceWithdrawn(ItemWithdrawn)
    case itemSelected(ItemRef)
    case itemDeselected(ItemRef)
    case submissionMade(SubmissionMade)
    case receiptConfirmed(ReceiptConfirmed)
    case receiptDisputed(ReceiptDisputed)
    case receiptDisputeResolved(ReceiptDisputeResolved)
    case studentTransferredOut(StudentTransferredOut)
    case studentTransferredIn(StudentTransferredIn)
    case retentionPurged(RetentionPurged)
    case schoolTrusted(SchoolTrusted)

    public var type: EventType {
        switch self {
        case .storeInitialized: .storeInitialized
        case .staffRegistered: .staffRegistered
        case .staffRolesChanged: .staffRolesChanged
        case .staffDeparted: .staffDeparted
        case .staffAccountExtended: .staffAccountExtended
        case .staffUnavailable: .staffUnavailable
        case .staffAvailable: .staffAvailable
        case .proxyAssigned: .proxyAssigned
        case .workingGroupMemberSet: .workingGroupMemberSet
        case .workingGroupMeetingHeld: .workingGroupMeetingHeld
        case .scheduleWindowSet: .scheduleWindowSet
        case .policySet: .policySet
        case .trainingHeld: .trainingHeld
        case .studentEnrolled: .studentEnrolled
        case .studentRecordUpdated: .studentRecordUpdated
        case .studentDeparted: .studentDeparted
        case .studentReEnrolled: .studentReEnrolled
        case .courseOffered: .courseOffered
        case .electiveRegistered: .electiveRegistered
        case .gradeRecorded: .gradeRecorded
        case .counselingRecorded: .counselingRecorded
        case .coursePlanRecorded: .coursePlanRecorded
        case .cadreRecorded: .cadreRecorded
        case .attendanceRecorded: .attendanceRecorded
        case .serviceRecorded: .serviceRecorded
        case .autobiographyRecorded: .autobiographyRecorded
        case .courseOutcomeUploaded: .courseOutcomeUploaded
        case .courseOutcomeWithdrawn: .courseOutcomeWithdrawn
        case .courseOutcomeCertified: .courseOutcomeCertified
        case .performanceUploaded: .performanceUploaded
        case .performanceWithdrawn: .performanceWithdrawn
        case .itemSelected: .itemSelected
        case .itemDeselected: .itemDeselected
        case .submissionMade: .submissionMade
        case .receiptConfirmed: .receiptConfirmed
        case .receiptDisputed: .receiptDisputed
        case .receiptDisputeResolved: .receiptDisputeResolved
        case .studentTransferredOut: .studentTransferredOut
        case .studentTransferredIn: .studentTransferredIn
        case .retentionPurged: .retentionPurged
        case .schoolTrusted: .schoolTrusted
        }
    }

    /// The data as a field record (for the codecs).
    public var record: any FieldRecord {
        switch self {
        case .storeInitialized(let d): d
        case .staffRegistered(let d): d
        case .staffRolesChanged(let d): d
        case .staffDeparted(let d): d
        case .staffAccountExtended(let d): d
        case .staffUnavailable(let d): d
        case .staffAvailable(let d): d
        case .proxyAssigned(let d): d
        case .workingGroupMemberSet(let d): d
        case .workingGroupMeetingHeld(let d): d
        case .scheduleWindowSet(let d): d
        case .policySet(let d): d
        case .trainingHeld(let d): d
        case .studentEnrolled(let d): d
        case .studentRecordUpdated(let d): d
        case .studentDeparted(let d): d
        case .studentReEnrolled(let d): d
        case .courseOffered(let d): d
        case .electiveRegistered(let d): d
        case .gradeRecorded(let d): d
        case .counselingRecorded(let d): d
        case .coursePlanRecorded(let d): d
        case .cadreRecorded(let d): d
        case .attendanceRecorded(let d): d
        case .serviceRecorded(let d): d
        case .autobiographyRecorded(let d): d
        case .courseOutcomeUploaded(let d): d
        case .courseOutcomeWithdrawn(let d): d
        case .courseOutcomeCertified(let d): d
        case .performanceUploaded(let d): d
        case .performanceWithdrawn(let d): d
        case .itemSelected(let d): d
        case .itemDeselected(let d): d
        case .submissionMade(let d): d
        case .receiptConfirmed(let d): d
        case .receiptDisputed(let d): d
        case .receiptDisputeResolved(let d): d
        case .studentTransferredOut(let d): d
        case .studentTransferredIn(let d): d
        case .retentionPurged(let d): d
        case .schoolTrusted(let d): d
        }
    }

    static func decodeJSON(_ type: EventType, _ o: JSONObject, line: Int?) throws(InputError) -> EventBody {
        switch type {
        case .storeInitialized: .storeInitialized(try StoreInitialized.decodeObject(o, path: "data", line: line, version: 0))
        case .staffRegistered: .staffRegistered(try StaffRegistered.decodeObject(o, path: "data", line: line, version: 0))
        case .staffRolesChanged: .staffRolesChanged(try StaffRolesChanged.decodeObject(o, path: "data", line: line, version: 0))
        case .staffDeparted: .staffDeparted(try StaffDeparted.decodeObject(o, path: "data", line: line, version: 0))
        case .staffAccountExtended: .staffAccountExtended(try StaffAccountExtended.decodeObject(o, path: "data", line: line, version: 0))
        case .staffUnavailable: .staffUnavailable(try StaffUnavailable.decodeObject(o, path: "data", line: line, version: 0))
        case .staffAvailable: .staffAvailable(try StaffAvailable.decodeObject(o, path: "data", line: line, version: 0))
        case .proxyAssigned: .proxyAssigned(try ProxyAssigned.decodeObject(o, path: "data", line: line, version: 0))
        case .workingGroupMemberSet: .workingGroupMemberSet(try WorkingGroupMemberSet.decodeObject(o, path: "data", line: line, version: 0))
        case .workingGroupMeetingHeld: .workingGroupMeetingHeld(try WorkingGroupMeetingHeld.decodeObject(o, path: "data", line: line, version: 0))
        case .scheduleWindowSet: .scheduleWindowSet(try ScheduleWindowSet.decodeObject(o, path: "data", line: line, version: 0))
        case .policySet: .policySet(try PolicySet.decodeObject(o, path: "data", line: line, version: 0))
        case .trainingHeld: .trainingHeld(try TrainingHeld.decodeObject(o, path: "data", line: line, version: 0))
        case .studentEnrolled: .studentEnrolled(try StudentEnrolled.decodeObject(o, path: "data", line: line, version: 0))
        case .studentRecordUpdated: .studentRecordUpdated(try StudentRecordUpdated.decodeObject(o, path: "data", line: line, version: 0))
        case .studentDeparted: .studentDeparted(try StudentDeparted.decodeObject(o, path: "data", line: line, version: 0))
        case .studentReEnrolled: .studentReEnrolled(try StudentReEnrolled.decodeObject(o, path: "data", line: line, version: 0))
        case .courseOffered: .courseOffered(try CourseOffered.decodeObject(o, path: "data", line: line, version: 0))
        case .electiveRegistered: .electiveRegistered(try ElectiveRegistered.decodeObject(o, path: "data", line: line, version: 0))
        case .gradeRecorded: .gradeRecorded(try GradeRecorded.decodeObject(o, path: "data", line: line, version: 0))
        case .counselingRecorded: .counselingRecorded(try CounselingRecorded.decodeObject(o, path: "data", line: line, version: 0))
        case .coursePlanRecorded: .coursePlanRecorded(try CoursePlanRecorded.decodeObject(o, path: "data", line: line, version: 0))
        case .cadreRecorded: .cadreRecorded(try CadreRecorded.decodeObject(o, path: "data", line: line, version: 0))
        case .attendanceRecorded: .attendanceRecorded(try AttendanceRecorded.decodeObject(o, path: "data", line: line, version: 0))
        case .serviceRecorded: .serviceRecorded(try ServiceRecorded.decodeObject(o, path: "data", line: line, version: 0))
        case .autobiographyRecorded: .autobiographyRecorded(try AutobiographyRecorded.decodeObject(o, path: "data", line: line, version: 0))
        case .courseOutcomeUploaded: .courseOutcomeUploaded(try CourseOutcomeUploaded.decodeObject(o, path: "data", line: line, version: 0))
        case .courseOutcomeWithdrawn: .courseOutcomeWithdrawn(try ItemWithdrawn.decodeObject(o, path: "data", line: line, version: 0))
        case .courseOutcomeCertified: .courseOutcomeCertified(try CourseOutcomeCertified.decodeObject(o, path: "data", line: line, version: 0))
        case .performanceUploaded: .performanceUploaded(try PerformanceUploaded.decodeObject(o, path: "data", line: line, version: 0))
        case .performanceWithdrawn: .performanceWithdrawn(try ItemWithdrawn.decodeObject(o, path: "data", line: line, version: 0))
        case .itemSelected: .itemSelected(try ItemRef.decodeObject(o, path: "data", line: line, version: 0))
        case .itemDeselected: .itemDeselected(try ItemRef.decodeObject(o, path: "data", line: line, version: 0))
        case .submissionMade: .submissionMade(try SubmissionMade.decodeObject(o, path: "data", line: line, version: 0))
        case .receiptConfirmed: .receiptConfirmed(try ReceiptConfirmed.decodeObject(o, path: "data", line: line, version: 0))
        case .receiptDisputed: .receiptDisputed(try ReceiptDisputed.decodeObject(o, path: "data", line: line, version: 0))
        case .receiptDisputeResolved: .receiptDisputeResolved(try ReceiptDisputeResolved.decodeObject(o, path: "data", line: line, version: 0))
        case .studentTransferredOut: .studentTransferredOut(try StudentTransferredOut.decodeObject(o, path: "data", line: line, version: 0))
        case .studentTransferredIn: .studentTransferredIn(try StudentTransferredIn.decodeObject(o, path: "data", line: line, version: 0))
        case .retentionPurged: .retentionPurged(try RetentionPurged.decodeObject(o, path: "data", line: line, version: 0))
        case .schoolTrusted: .schoolTrusted(try SchoolTrusted.decodeObject(o, path: "data", line: line, version: 0))
        }
    }

    static func decodeStored(_ type: EventType, _ r: inout ByteReader, version: UInt8) throws(StoredDecodeError) -> EventBody {
        switch type {
        case .storeInitialized: .storeInitialized(try StoreInitialized.read(from: &r, version: version))
        case .staffRegistered: .staffRegistered(try StaffRegistered.read(from: &r, version: version))
        case .staffRolesChanged: .staffRolesChanged(try StaffRolesChanged.read(from: &r, version: version))
        case .staffDeparted: .staffDeparted(try StaffDeparted.read(from: &r, version: version))
        case .staffAccountExtended: .staffAccountExtended(try StaffAccountExtended.read(from: &r, version: version))
        case .staffUnavailable: .staffUnavailable(try StaffUnavailable.read(from: &r, version: version))
        case .staffAvailable: .staffAvailable(try StaffAvailable.read(from: &r, version: version))
        case .proxyAssigned: .proxyAssigned(try ProxyAssigned.read(from: &r, version: version))
        case .workingGroupMemberSet: .workingGroupMemberSet(try WorkingGroupMemberSet.read(from: &r, version: version))
        case .workingGroupMeetingHeld: .workingGroupMeetingHeld(try WorkingGroupMeetingHeld.read(from: &r, version: version))
        case .scheduleWindowSet: .scheduleWindowSet(try ScheduleWindowSet.read(from: &r, version: version))
        case .policySet: .policySet(try PolicySet.read(from: &r, version: version))
        case .trainingHeld: .trainingHeld(try TrainingHeld.read(from: &r, version: version))
        case .studentEnrolled: .studentEnrolled(try StudentEnrolled.read(from: &r, version: version))
        case .studentRecordUpdated: .studentRecordUpdated(try StudentRecordUpdated.read(from: &r, version: version))
        case .studentDeparted: .studentDeparted(try StudentDeparted.read(from: &r, version: version))
        case .studentReEnrolled: .studentReEnrolled(try StudentReEnrolled.read(from: &r, version: version))
        case .courseOffered: .courseOffered(try CourseOffered.read(from: &r, version: version))
        case .electiveRegistered: .electiveRegistered(try ElectiveRegistered.read(from: &r, version: version))
        case .gradeRecorded: .gradeRecorded(try GradeRecorded.read(from: &r, version: version))
        case .counselingRecorded: .counselingRecorded(try CounselingRecorded.read(from: &r, version: version))
        case .coursePlanRecorded: .coursePlanRecorded(try CoursePlanRecorded.read(from: &r, version: version))
        case .cadreRecorded: .cadreRecorded(try CadreRecorded.read(from: &r, version: version))
        case .attendanceRecorded: .attendanceRecorded(try AttendanceRecorded.read(from: &r, version: version))
        case .serviceRecorded: .serviceRecorded(try ServiceRecorded.read(from: &r, version: version))
        case .autobiographyRecorded: .autobiographyRecorded(try AutobiographyRecorded.read(from: &r, version: version))
        case .courseOutcomeUploaded: .courseOutcomeUploaded(try CourseOutcomeUploaded.read(from: &r, version: version))
        case .courseOutcomeWithdrawn: .courseOutcomeWithdrawn(try ItemWithdrawn.read(from: &r, version: version))
        case .courseOutcomeCertified: .courseOutcomeCertified(try CourseOutcomeCertified.read(from: &r, version: version))
        case .performanceUploaded: .performanceUploaded(try PerformanceUploaded.read(from: &r, version: version))
        case .performanceWithdrawn: .performanceWithdrawn(try ItemWithdrawn.read(from: &r, version: version))
        case .itemSelected: .itemSelected(try ItemRef.read(from: &r, version: version))
        case .itemDeselected: .itemDeselected(try ItemRef.read(from: &r, version: version))
        case .submissionMade: .submissionMade(try SubmissionMade.read(from: &r, version: version))
        case .receiptConfirmed: .receiptConfirmed(try ReceiptConfirmed.read(from: &r, version: version))
        case .receiptDisputed: .receiptDisputed(try ReceiptDisputed.read(from: &r, version: version))
        case .receiptDisputeResolved: .receiptDisputeResolved(try ReceiptDisputeResolved.read(from: &r, version: version))
        case .studentTransferredOut: .studentTransferredOut(try StudentTransferredOut.read(from: &r, version: version))
        case .studentTransferredIn: .studentTransferredIn(try StudentTransferredIn.read(from: &r, version: version))
        case .retentionPurged: .retentionPurged(try RetentionPurged.read(from: &r, version: version))
        case .schoolTrusted: .schoolTrusted(try SchoolTrusted.read(from: &r, version: version))
        }
    }

    func encode(to w: inout ByteWriter) {
        switch self {
        case .storeInitialized(let d): d.write(to: &w)
        case .staffRegistered(let d): d.write(to: &w)
        case .staffRolesChanged(let d): d.write(to: &w)
        case .staffDeparted(let d): d.write(to: &w)
        case .staffAccountExtended(let d): d.write(to: &w)
        case .staffUnavailable(let d): d.write(to: &w)
        case .staffAvailable(let d): d.write(to: &w)
        case .proxyAssigned(let d): d.write(to: &w)
        case .workingGroupMemberSet(let d): d.write(to: &w)
        case .workingGroupMeetingHeld(let d): d.write(to: &w)
        case .scheduleWindowSet(let d): d.write(to: &w)
        case .policySet(let d): d.write(to: &w)
        case .trainingHeld(let d): d.write(to: &w)
        case .studentEnrolled(let d): d.write(to: &w)
        case .studentRecordUpdated(let d): d.write(to: &w)
        case .studentDeparted(let d): d.write(to: &w)
        case .studentReEnrolled(let d): d.write(to: &w)
        case .courseOffered(let d): d.write(to: &w)
        case .electiveRegistered(let d): d.write(to: &w)
        case .gradeRecorded(let d): d.write(to: &w)
        case .counselingRecorded(let d): d.write(to: &w)
        case .coursePlanRecorded(let d): d.write(to: &w)
        case .cadreRecorded(let d): d.write(to: &w)
        case .attendanceRecorded(let d): d.write(to: &w)
        case .serviceRecorded(let d): d.write(to: &w)
        case .autobiographyRecorded(let d): d.write(to: &w)
        case .courseOutcomeUploaded(let d): d.write(to: &w)
        case .courseOutcomeWithdrawn(let d): d.write(to: &w)
        case .courseOutcomeCertified(let d): d.write(to: &w)
        case .performanceUploaded(let d): d.write(to: &w)
        case .performanceWithdrawn(let d): d.write(to: &w)
        case .itemSelected(let d): d.write(to: &w)
        case .itemDeselected(let d): d.write(to: &w)
        case .submissionMade(let d): d.write(to: &w)
        case .receiptConfirmed(let d): d.write(to: &w)
        case .receiptDisputed(let d): d.write(to: &w)
        case .receiptDisputeResolved(let d): d.write(to: &w)
        case .studentTransferredOut(let d): d.write(to: &w)
        case .studentTransferredIn(let d): d.write(to: &w)
        case .retentionPurged(let d): d.write(to: &w)
        case .schoolTrusted(let d): d.write(to: &w)
        }
    }

    public func jsonObject() -> JSONObject {
        switch self {
        case .storeInitialized(let d): d.jsonObject()
        case .staffRegistered(let d): d.jsonObject()
        case .staffRolesChanged(let d): d.jsonObject()
        case .staffDeparted(let d): d.jsonObject()
        case .staffAccountExtended(let d): d.jsonObject()
        case .staffUnavailable(let d): d.jsonObject()
        case .staffAvailable(let d): d.jsonObject()
        case .proxyAssigned(let d): d.jsonObject()
        case .workingGroupMemberSet(let d): d.jsonObject()
        case .workingGroupMeetingHeld(let d): d.jsonObject()
        case .scheduleWindowSet(let d): d.jsonObject()
        case .policySet(let d): d.jsonObject()
        case .trainingHeld(let d): d.jsonObject()
        case .studentEnrolled(let d): d.jsonObject()
        case .studentRecordUpdated(let d): d.jsonObject()
        case .studentDeparted(let d): d.jsonObject()
        case .studentReEnrolled(let d): d.jsonObject()
        case .courseOffered(let d): d.jsonObject()
        case .electiveRegistered(let d): d.jsonObject()
        case .gradeRecorded(let d): d.jsonObject()
        case .counselingRecorded(let d): d.jsonObject()
        case .coursePlanRecorded(let d): d.jsonObject()
        case .cadreRecorded(let d): d.jsonObject()
        case .attendanceRecorded(let d): d.jsonObject()
        case .serviceRecorded(let d): d.jsonObject()
        case .autobiographyRecorded(let d): d.jsonObject()
        case .courseOutcomeUploaded(let d): d.jsonObject()
        case .courseOutcomeWithdrawn(let d): d.jsonObject()
        case .courseOutcomeCertified(let d): d.jsonObject()
        case .performanceUploaded(let d): d.jsonObject()
        case .performanceWithdrawn(let d): d.jsonObject()
        case .itemSelected(let d): d.jsonObject()
        case .itemDeselected(let d): d.jsonObject()
        case .submissionMade(let d): d.jsonObject()
        case .receiptConfirmed(let d): d.jsonObject()
        case .receiptDisputed(let d): d.jsonObject()
        case .receiptDisputeResolved(let d): d.jsonObject()
        case .studentTransferredOut(let d): d.jsonObject()
        case .studentTransferredIn(let d): d.jsonObject()
        case .retentionPurged(let d): d.jsonObject()
        case .schoolTrusted(let d): d.jsonObject()
        }
    }
}

extension AttendanceRecorded { public static var blank: AttendanceRecorded { AttendanceRecorded() } }
extension AutobiographyRecorded { public static var blank: AutobiographyRecorded { AutobiographyRecorded() } }
extension AutobiographySection { public static var blank: AutobiographySection { AutobiographySection() } }
extension CadreRecorded { public static var blank: CadreRecorded { CadreRecorded() } }
extension CounselingRecorded { public static var blank: CounselingRecorded { CounselingRecorded() } }
extension CourseOffered { public static var blank: CourseOffered { CourseOffered() } }
extension CourseOutcomeCertified { public static var blank: CourseOutcomeCertified { CourseOutcomeCertified() } }
extension CourseOutcomeUploaded { public static var blank: CourseOutcomeUploaded { CourseOutcomeUploaded() } }
extension CoursePlanRecorded { public static var blank: CoursePlanRecorded { CoursePlanRecorded() } }
extension ElectiveRegistered { public static var blank: ElectiveRegistered { ElectiveRegistered() } }
extension FileEntry { public static var blank: FileEntry { FileEntry() } }
extension GradeRecorded { public static var blank: GradeRecorded { GradeRecorded() } }
extension ItemRef { public static var blank: ItemRef { ItemRef() } }
extension ItemWithdrawn { public static var blank: ItemWithdrawn { ItemWithdrawn() } }
extension PerformanceUploaded { public static var blank: PerformanceUploaded { PerformanceUploaded() } }
extension PolicySet { public static var blank: PolicySet { PolicySet() } }
extension ProxyAssigned { public static var blank: ProxyAssigned { ProxyAssigned() } }
extension ReceiptConfirmed { public static var blank: ReceiptConfirmed { ReceiptConfirmed() } }
extension ReceiptDisputeResolved { public static var blank: ReceiptDisputeResolved { ReceiptDisputeResolved() } }
extension ReceiptDisputed { public static var blank: ReceiptDisputed { ReceiptDisputed() } }
extension RetentionPurged { public static var blank: RetentionPurged { RetentionPurged() } }
extension SchoolTrusted { public static var blank: SchoolTrusted { SchoolTrusted() } }
extension ScheduleWindowSet { public static var blank: ScheduleWindowSet { ScheduleWindowSet() } }
extension ServiceRecorded { public static var blank: ServiceRecorded { ServiceRecorded() } }
extension StaffAccountExtended { public static var blank: StaffAccountExtended { StaffAccountExtended() } }
extension StaffAvailable { public static var blank: StaffAvailable { StaffAvailable() } }
extension StaffDeparted { public static var blank: StaffDeparted { StaffDeparted() } }
extension StaffRegistered { public static var blank: StaffRegistered { StaffRegistered() } }
extension StaffRolesChanged { public static var blank: StaffRolesChanged { StaffRolesChanged() } }
extension StaffUnavailable { public static var blank: StaffUnavailable { StaffUnavailable() } }
extension StoreInitialized { public static var blank: StoreInitialized { StoreInitialized() } }
extension StudentDeparted { public static var blank: StudentDeparted { StudentDeparted() } }
extension StudentEnrolled { public static var blank: StudentEnrolled { StudentEnrolled() } }
extension StudentReEnrolled { public static var blank: StudentReEnrolled { StudentReEnrolled() } }
extension StudentRecordUpdated { public static var blank: StudentRecordUpdated { StudentRecordUpdated() } }
extension StudentTransferredIn { public static var blank: StudentTransferredIn { StudentTransferredIn() } }
extension StudentTransferredOut { public static var blank: StudentTransferredOut { StudentTransferredOut() } }
extension SubmissionMade { public static var blank: SubmissionMade { SubmissionMade() } }
extension TrainingHeld { public static var blank: TrainingHeld { TrainingHeld() } }
extension WorkingGroupMeetingHeld { public static var blank: WorkingGroupMeetingHeld { WorkingGroupMeetingHeld() } }
extension WorkingGroupMember { public static var blank: WorkingGroupMember { WorkingGroupMember() } }
extension WorkingGroupMemberSet { public static var blank: WorkingGroupMemberSet { WorkingGroupMemberSet() } }
