#!/usr/bin/env node
// The `clearance` command. The TypeScript is compiled to dist/ and bundled into dist/bin/ by
// `npm install` (the prepare script; see scripts/build-dist.mjs).
import module from 'node:module';

// V8's code cache for the bundle's chunks (Node ≥ 22.1; in the OS temp directory, or
// NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it off): compiling ~1.4 MB of JavaScript
// was a tenth of a `clearance check`, repeated on every run. Node 20 has no such switch for ES
// modules, so there each run compiles afresh. The bundle is imported after the switch, hence
// dynamically.
module.enableCompileCache?.();
const { main } = await import('../dist/bin/main.js');

process.exitCode = await main(process.argv);
