#!/usr/bin/env node
// The `clearance` command. The TypeScript is compiled to dist/ by `npm install` (the prepare script).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv);
