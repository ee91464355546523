import type { CheckReport } from '../check-report.js';
import { observedForPeople } from './describe-observed.js';

function xml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** JUnit XML so CI systems show each gate as a test case: fail → <failure>, error → <error>. */
export function renderCheckJunit(report: CheckReport): string {
  const { from, to } = report.transition;
  const suite = `clearance ${report.policy.name} ${from}->${to}`;
  const failures = report.gates.filter((g) => g.outcome === 'fail' && !g.bypassed).length;
  const errors = report.gates.filter((g) => g.outcome === 'error' && !g.bypassed).length;
  const cases = report.gates.map((g) => {
    const name = `${xml(g.gateId)} (${g.type})`;
    const open = `    <testcase classname="${xml(suite)}" name="${name}">`;
    const text = xml(`observed ${observedForPeople(g)}, required ${g.threshold}. ${g.explanation}`);
    if (g.bypassed)
      return `${open}\n      <skipped message="bypassed by change type"/>\n    </testcase>`;
    if (g.outcome === 'fail') {
      return `${open}\n      <failure message="${text}" type="gate_failed"/>\n    </testcase>`;
    }
    if (g.outcome === 'error') {
      return `${open}\n      <error message="${text}" type="gate_error"/>\n    </testcase>`;
    }
    return `${open}\n      <system-out>${text}</system-out>\n    </testcase>`;
  });
  const skipped = report.gates.filter((g) => g.bypassed).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="clearance" tests="${report.gates.length}" failures="${failures}" errors="${errors}">`,
    `  <testsuite name="${xml(suite)}" tests="${report.gates.length}" failures="${failures}" errors="${errors}" skipped="${skipped}">`,
    `    <properties><property name="policy.digest" value="${xml(report.policy.digest)}"/></properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
