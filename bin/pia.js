#!/usr/bin/env node
// The `pia` command. Runs the compiled CLI (built by `npm install` / `npm run build`).
import { main } from '../dist/src/cli/main.js';

await main(process.argv);
