/** Regenerates docs/reference/config.md from the config schema: `npx tsx scripts/generate-config-docs.ts`. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configReference } from '../src/config.js';

const text = `# Configuration

Values layer as **defaults ← config file ← environment ← command-line flags**. The config file
is YAML or JSON, named by \`--config\` or \`CLEARANCE_CONFIG\`. Every invalid key is reported at
start, and nothing runs with an invalid configuration. This table is generated from the schema in
\`src/config.ts\` (\`npx tsx scripts/generate-config-docs.ts\`); a test fails when it drifts.

${configReference()}
`;
writeFileSync(join(import.meta.dirname, '..', 'docs', 'reference', 'config.md'), text);
