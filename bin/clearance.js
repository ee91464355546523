#!/usr/bin/env node
// The `clearance` command. The TypeScript is compiled to dist/ and bundled into dist/bin/ by
// `npm install` (the prepare script; see scripts/build-dist.mjs).
import { main } from '../dist/bin/main.js';

process.exitCode = await main(process.argv);
