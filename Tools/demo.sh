#!/usr/bin/env bash
# `make demo`: a realistic school year in a fresh embedded store, then what each
# kind of user does with it. Every command is printed before it runs.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/.build/release
export LICHENG_STORE=${DEMO_STORE:-/tmp/licheng-demo/store}
WORK=$(dirname "$LICHENG_STORE")
rm -rf "$WORK"; mkdir -p "$WORK"

step() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }
show() { printf '\033[36m$ %s\033[0m\n' "$*"; "$@"; }
try()  { printf '\033[36m$ %s\033[0m\n' "$*"; "$@" || printf '\033[33m(exit %d: rejected, nothing written)\033[0m\n' "$?"; }
licheng() { "$BIN/licheng" "$@"; }

step "A school year (113) generated through the real rules: 1,500 students, 45 classes"
show "$BIN/generate" --store "$LICHENG_STORE" --print-facts > "$WORK/facts.txt"
grep -E '^summary|^  ' "$WORK/facts.txt" | head -20
fact() { grep "^$1=" "$WORK/facts.txt" | cut -d= -f2-; }
ADMIN=$(fact admin); DIRECTOR=$(fact academicDirector); AUDITOR=$(fact auditor); BACKUP=$(fact backupAdmin)
STUDENT=$(fact studentWithCertified); CLASS=$(fact studentWithCertifiedClass); TEACHER=$(fact courseTeacher)
HOMEROOM=$(fact homeroomTeacher)
TERM=$(date -u +%Y | awk '{print $1-1911}')-1
if [ "$(date -u +%m)" -lt 8 ]; then TERM=$(( $(date -u +%Y) - 1912 ))-2; fi
YEAR=${TERM%-*}
LAST_MONTH=$(date -u -d "-1 month" +%Y-%m-%d)

show licheng log stats
show licheng log segments

step "The academic director (教務主任) publishes this term's schedule ($TERM)"
for kind in course-outcome-upload certification selection submission receipt-confirmation; do
  show licheng --as "$DIRECTOR" window set "$TERM" "$kind" --opens "$(date -u -d '-7 days' +%Y-%m-%d)" --closes "$(date -u -d '+60 days' +%Y-%m-%d)"
done
show licheng --as "$ADMIN" course add DEMO-MATH --term "$TERM" --name "數學 Mathematics" --teacher "$TEACHER" --class "$CLASS"

step "A student ($STUDENT) uploads a course outcome (課程學習成果)"
printf '%%PDF-1.4\n%% A lab report on quadratic functions\n' > "$WORK/report.pdf"
printf '\033[36m$ licheng --as %s upload course-outcome --student %s --term %s --course DEMO-MATH --title "二次函數探究 Quadratic functions" --description "以實驗數據擬合二次函數" --file %s\033[0m\n' \
  "$STUDENT" "$STUDENT" "$TERM" "$WORK/report.pdf"
ITEM=$(licheng --as "$STUDENT" upload course-outcome --student "$STUDENT" --term "$TERM" --course DEMO-MATH \
  --title "二次函數探究 Quadratic functions" --description "以實驗數據擬合二次函數" --file "$WORK/report.pdf")
echo "$ITEM"

step "The wrong teacher tries to certify it; the course teacher ($TEACHER) certifies (認證)"
try licheng --as "$HOMEROOM" certify "$ITEM"
show licheng --as "$TEACHER" todo
show licheng --as "$TEACHER" certify "$ITEM"

step "The student selects it (勾選); the homeroom teacher looks at the class"
show licheng --as "$STUDENT" select "$ITEM"
show licheng --as "$STUDENT" quota "$STUDENT"
printf "\033[36m$ licheng --as %s class %s   (first 8 students)\033[0m\n" "$HOMEROOM" "$CLASS"; licheng --as "$HOMEROOM" class "$CLASS" | head -12

step "The exam section (試務組) submits this year's course outcomes"
show licheng --as "$ADMIN" submit course-outcomes --year "$YEAR"

step "An auditor: the portfolio now, and as of last month ($LAST_MONTH)"
show licheng --as "$AUDITOR" portfolio "$STUDENT"
show licheng --as "$AUDITOR" portfolio "$STUDENT" --as-of "$LAST_MONTH"
show licheng --as "$AUDITOR" audit --student "$STUDENT" --from "$(date -u +%Y-%m-%d)"

REPORT_YEAR=$(fact firstYear)
step "The academic director reads the working group's compliance report for $REPORT_YEAR (rules 2-11)"
printf "\033[36m$ licheng --as %s report compliance --year %s --html %s   (first 14 lines, and findings)\033[0m\n" "$DIRECTOR" "$REPORT_YEAR" "$WORK/compliance.html"
licheng --as "$DIRECTOR" report compliance --year "$REPORT_YEAR" --html "$WORK/compliance.html" > "$WORK/compliance.txt"
head -14 "$WORK/compliance.txt"; echo "  …"; grep -A4 "^待改善 Findings" "$WORK/compliance.txt"; tail -1 "$WORK/compliance.txt"

step "The student transfers to another school: a signed bundle, verified on import"
show licheng --as "$ADMIN" student depart "$STUDENT" --reason transferred-out --effective "$(date -u +%Y-%m-%d)"
show licheng --as "$ADMIN" transfer export "$STUDENT" --out "$WORK/$STUDENT.bundle" --to 173301
OTHER=$WORK/other-school
show licheng --store "$OTHER" init --school-code 173301 --school-name "臺北市立建國高級中學" --admin E1 --admin-name "試務組"
KEY=$(licheng school key)
show licheng --store "$OTHER" --as E1 school trust 170301 --key "$KEY"
show licheng --store "$OTHER" --as E1 transfer import "$WORK/$STUDENT.bundle" --class 201
printf "\033[36m$ licheng --store %s --as E1 portfolio %s   (first 8 lines)\033[0m\n" "$OTHER" "$STUDENT"
licheng --store "$OTHER" --as E1 portfolio "$STUDENT" | head -8
printf "\033[36m$ licheng --as %s retention status   (first lines, and %s)\033[0m\n" "$ADMIN" "$STUDENT"
licheng --as "$ADMIN" retention status > "$WORK/retention.txt"; head -4 "$WORK/retention.txt"; grep "^$STUDENT" "$WORK/retention.txt"

step "The backup admin copies the store while it is live, verifies the copy, and replays it whole"
show licheng --as "$ADMIN" checkpoint
show licheng --as "$BACKUP" backup "$WORK/backup"
show licheng --store "$WORK/backup" verify --replay
show licheng verify

printf '\nStore: %s   Backup: %s\nCompliance report: %s (open it in a browser)\n' "$LICHENG_STORE" "$WORK/backup" "$WORK/compliance.html"
