#!/usr/bin/env bash
# The GitHub Action's step (action.yml): `clearance check` on the inputs, the Markdown report into
# the job summary ($GITHUB_STEP_SUMMARY), JUnit into a file, outputs into $GITHUB_OUTPUT. Exits as
# `clearance check` does: 0 allowed, 1 denied (the job fails), 2 bad input (the job fails with an
# ::error:: saying the check could not be evaluated), 3 internal error.
#
# Inputs arrive as the environment action.yml sets: INPUT_POLICY, INPUT_TRANSITION, INPUT_EVIDENCE,
# INPUT_BASELINE, INPUT_CHANGE_TYPE, INPUT_JUNIT_FILE, INPUT_REPORT_FILE. CLEARANCE is the command
# to run (default `npx --no-install clearance`).
set -uo pipefail

: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set: run this from GitHub Actions (action.yml)}"
: "${GITHUB_STEP_SUMMARY:?GITHUB_STEP_SUMMARY is not set: run this from GitHub Actions (action.yml)}"
read -r -a clearance <<<"${CLEARANCE:-npx --no-install clearance}"
junit="${INPUT_JUNIT_FILE:-clearance-junit.xml}"
report="${INPUT_REPORT_FILE:-clearance-report.json}"

args=(check --policy "${INPUT_POLICY:?the policy input is required}"
  --transition "${INPUT_TRANSITION:?the transition input is required}"
  --evidence "${INPUT_EVIDENCE:?the evidence input is required}")
if [ -n "${INPUT_BASELINE:-}" ]; then args+=(--baseline "$INPUT_BASELINE"); fi
if [ -n "${INPUT_CHANGE_TYPE:-}" ]; then args+=(--change-type "$INPUT_CHANGE_TYPE"); fi

errors="$(mktemp)"
trap 'rm -f "$errors"' EXIT
"${clearance[@]}" "${args[@]}" --format json --output "$report" >/dev/null 2>"$errors"
code=$?

# An output's value may hold any text: written with a delimiter no value contains, as GitHub's
# multi-line syntax allows, so a line break in a message cannot forge another output.
output() {
  local delimiter="clearance_${RANDOM}${RANDOM}${RANDOM}"
  printf '%s<<%s\n%s\n%s\n' "$1" "$delimiter" "$2" "$delimiter" >>"$GITHUB_OUTPUT"
}
# Workflow commands end at a line break and their properties at ':' or ',': GitHub's escapes
# keep a message from ending early or smuggling in a command of its own (`::add-mask::`, …).
escape_data() {
  local text="${1//%/%25}"
  text="${text//$'\r'/%0D}"
  printf '%s' "${text//$'\n'/%0A}"
}
escape_property() {
  local text
  text="$(escape_data "$1")"
  text="${text//:/%3A}"
  printf '%s' "${text//,/%2C}"
}
error_command() { echo "::error title=$(escape_property "$1")::$(escape_data "$2")"; }
output exit-code "$code"
output report-file "$report"

if [ "$code" -eq 0 ] || [ "$code" -eq 1 ]; then
  # The same evaluation, rendered for people and for the test report.
  "${clearance[@]}" "${args[@]}" --format markdown >>"$GITHUB_STEP_SUMMARY" 2>>"$errors"
  "${clearance[@]}" "${args[@]}" --format junit --output "$junit" >/dev/null 2>>"$errors"
  summary="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).summary)' "$report")"
  output junit-file "$junit"
  output summary "$summary"
  if [ "$code" -eq 0 ]; then
    output decision allowed
    echo "Clearance: allowed. $summary"
  else
    output decision denied
    error_command "Clearance denied the transition ${INPUT_TRANSITION}" "$summary"
  fi
  exit "$code"
fi

# 2 (bad input) or 3 (internal error): nothing was evaluated; say why, in the log and the summary.
first="$(grep -m1 . "$errors" || true)"
cat "$errors" >&2
if [ "$code" -eq 2 ]; then
  output decision error
  output summary "Not evaluated (bad input): ${first#error: }"
  error_command "Clearance could not evaluate the check (bad input, exit 2)" "${first#error: }"
  {
    echo "### Clearance: not evaluated (bad input)"
    echo
    echo "\`clearance check\` exited 2: the policy, transition or evidence could not be used."
    echo
    echo '```text'
    cat "$errors"
    echo '```'
  } >>"$GITHUB_STEP_SUMMARY"
else
  output decision error
  output summary "Not evaluated (internal error, exit $code): ${first}"
  error_command "Clearance failed (exit $code)" "${first}"
  {
    echo "### Clearance: not evaluated (internal error, exit $code)"
    echo
    echo "\`clearance check\` failed before deciding; nothing was allowed. Its error output:"
    echo
    echo '```text'
    cat "$errors"
    echo '```'
  } >>"$GITHUB_STEP_SUMMARY"
fi
exit "$code"
