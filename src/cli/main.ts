#!/usr/bin/env node
import { createProcessIo } from './process-io.js';
import { runCli } from './run-cli.js';

const { io, dispose } = createProcessIo();
process.exitCode = await runCli(process.argv.slice(2), io);
dispose();
